/** sensor_msgs as .msg text (ROS 2 Jazzy). */
export const SENSOR_MSGS: Readonly<Record<string, string>> = {
  'sensor_msgs/msg/Image': `
std_msgs/Header header
uint32 height
uint32 width
# Pixel encoding such as rgb8, bgr8, mono8, 16UC1.
string encoding
uint8 is_bigendian
# Bytes per row.
uint32 step
uint8[] data
`,
  'sensor_msgs/msg/CompressedImage': `
std_msgs/Header header
# jpeg, png, ...
string format
uint8[] data
`,
  'sensor_msgs/msg/Imu': `
std_msgs/Header header
geometry_msgs/Quaternion orientation
# Row-major 3x3; element 0 set to -1 means the estimate is missing.
float64[9] orientation_covariance
geometry_msgs/Vector3 angular_velocity
float64[9] angular_velocity_covariance
geometry_msgs/Vector3 linear_acceleration
float64[9] linear_acceleration_covariance
`,
  'sensor_msgs/msg/LaserScan': `
std_msgs/Header header
# Angles in radians, times in seconds, ranges in metres.
float32 angle_min
float32 angle_max
float32 angle_increment
float32 time_increment
float32 scan_time
float32 range_min
float32 range_max
float32[] ranges
float32[] intensities
`,
  'sensor_msgs/msg/BatteryState': `
uint8 POWER_SUPPLY_STATUS_UNKNOWN = 0
uint8 POWER_SUPPLY_STATUS_CHARGING = 1
uint8 POWER_SUPPLY_STATUS_DISCHARGING = 2
uint8 POWER_SUPPLY_STATUS_NOT_CHARGING = 3
uint8 POWER_SUPPLY_STATUS_FULL = 4

uint8 POWER_SUPPLY_HEALTH_UNKNOWN = 0
uint8 POWER_SUPPLY_HEALTH_GOOD = 1
uint8 POWER_SUPPLY_HEALTH_OVERHEAT = 2
uint8 POWER_SUPPLY_HEALTH_DEAD = 3
uint8 POWER_SUPPLY_HEALTH_OVERVOLTAGE = 4
uint8 POWER_SUPPLY_HEALTH_UNSPEC_FAILURE = 5
uint8 POWER_SUPPLY_HEALTH_COLD = 6
uint8 POWER_SUPPLY_HEALTH_WATCHDOG_TIMER_EXPIRE = 7
uint8 POWER_SUPPLY_HEALTH_SAFETY_TIMER_EXPIRE = 8

uint8 POWER_SUPPLY_TECHNOLOGY_UNKNOWN = 0
uint8 POWER_SUPPLY_TECHNOLOGY_NIMH = 1
uint8 POWER_SUPPLY_TECHNOLOGY_LION = 2
uint8 POWER_SUPPLY_TECHNOLOGY_LIPO = 3
uint8 POWER_SUPPLY_TECHNOLOGY_LIFE = 4
uint8 POWER_SUPPLY_TECHNOLOGY_NICD = 5
uint8 POWER_SUPPLY_TECHNOLOGY_LIMN = 6
uint8 POWER_SUPPLY_TECHNOLOGY_TERNARY = 7
uint8 POWER_SUPPLY_TECHNOLOGY_VRLA = 8

std_msgs/Header header
# Volts, degrees Celsius, amperes (negative while discharging), ampere-hours; NaN when unmeasured.
float32 voltage
float32 temperature
float32 current
float32 charge
float32 capacity
float32 design_capacity
# Charge as a fraction 0..1.
float32 percentage
uint8 power_supply_status
uint8 power_supply_health
uint8 power_supply_technology
bool present
float32[] cell_voltage
float32[] cell_temperature
string location
string serial_number
`,
  'sensor_msgs/msg/Temperature': `
std_msgs/Header header
# Degrees Celsius; variance 0 means unknown.
float64 temperature
float64 variance
`,
  'sensor_msgs/msg/JointState': `
std_msgs/Header header
string[] name
# Radians or metres, per second, newton-metres or newtons; arrays may be empty.
float64[] position
float64[] velocity
float64[] effort
`,
  'sensor_msgs/msg/NavSatStatus': `
# STATUS_UNKNOWN and the defaults are new in Jazzy; they do not change the wire form.
int8 STATUS_UNKNOWN = -2
int8 STATUS_NO_FIX = -1
int8 STATUS_FIX = 0
int8 STATUS_SBAS_FIX = 1
int8 STATUS_GBAS_FIX = 2
int8 status -2

# Bit mask of the satellite systems used.
uint16 SERVICE_UNKNOWN = 0
uint16 SERVICE_GPS = 1
uint16 SERVICE_GLONASS = 2
uint16 SERVICE_COMPASS = 4
uint16 SERVICE_GALILEO = 8
uint16 service
`,
  'sensor_msgs/msg/NavSatFix': `
std_msgs/Header header
NavSatStatus status
# Degrees (WGS 84); altitude in metres above the ellipsoid.
float64 latitude
float64 longitude
float64 altitude
# Row-major 3x3 in m^2, east-north-up.
float64[9] position_covariance
uint8 COVARIANCE_TYPE_UNKNOWN = 0
uint8 COVARIANCE_TYPE_APPROXIMATED = 1
uint8 COVARIANCE_TYPE_DIAGONAL_KNOWN = 2
uint8 COVARIANCE_TYPE_KNOWN = 3
uint8 position_covariance_type
`,
  'sensor_msgs/msg/PointField': `
uint8 INT8 = 1
uint8 UINT8 = 2
uint8 INT16 = 3
uint8 UINT16 = 4
uint8 INT32 = 5
uint8 UINT32 = 6
uint8 FLOAT32 = 7
uint8 FLOAT64 = 8
string name
# Byte offset of the field in a point.
uint32 offset
uint8 datatype
uint32 count
`,
  'sensor_msgs/msg/PointCloud2': `
std_msgs/Header header
uint32 height
uint32 width
PointField[] fields
bool is_bigendian
# Bytes per point and per row.
uint32 point_step
uint32 row_step
uint8[] data
# True when no point is invalid (NaN).
bool is_dense
`,
  'sensor_msgs/msg/Range': `
std_msgs/Header header
uint8 ULTRASOUND = 0
uint8 INFRARED = 1
uint8 radiation_type
# Radians and metres.
float32 field_of_view
float32 min_range
float32 max_range
float32 range
# Variance of range, m^2 (Jazzy on; Humble's Range ends at range, see humble.ts).
float32 variance
`,
  'sensor_msgs/msg/RegionOfInterest': `
uint32 x_offset
uint32 y_offset
uint32 height
uint32 width
bool do_rectify
`,
  'sensor_msgs/msg/CameraInfo': `
std_msgs/Header header
uint32 height
uint32 width
# plumb_bob, rational_polynomial, equidistant, ...
string distortion_model
float64[] d
# Intrinsics (3x3), rectification (3x3) and projection (3x4), row-major.
float64[9] k
float64[9] r
float64[12] p
uint32 binning_x
uint32 binning_y
RegionOfInterest roi
`,
};
