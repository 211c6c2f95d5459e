/** nav_msgs, diagnostic_msgs, tf2_msgs and rmw_dds_common as .msg text (ROS 2 Jazzy). */
export const NAV_MSGS: Readonly<Record<string, string>> = {
  'nav_msgs/msg/Odometry': `
# Pose in header.frame_id, twist in child_frame_id.
std_msgs/Header header
string child_frame_id
geometry_msgs/PoseWithCovariance pose
geometry_msgs/TwistWithCovariance twist
`,
  'nav_msgs/msg/Path': `
std_msgs/Header header
geometry_msgs/PoseStamped[] poses
`,
  'nav_msgs/msg/OccupancyGrid': `
std_msgs/Header header
MapMetaData info
# Row-major cells: occupancy 0..100, -1 unknown.
int8[] data
`,
  'nav_msgs/msg/MapMetaData': `
builtin_interfaces/Time map_load_time
# Metres per cell.
float32 resolution
uint32 width
uint32 height
# Pose of cell (0,0) in the map frame.
geometry_msgs/Pose origin
`,
};

export const DIAGNOSTIC_MSGS: Readonly<Record<string, string>> = {
  'diagnostic_msgs/msg/DiagnosticArray': `
std_msgs/Header header
DiagnosticStatus[] status
`,
  'diagnostic_msgs/msg/DiagnosticStatus': `
byte OK=0
byte WARN=1
byte ERROR=2
byte STALE=3
byte level
string name
string message
string hardware_id
KeyValue[] values
`,
  'diagnostic_msgs/msg/KeyValue': `
string key
string value
`,
};

export const TF2_MSGS: Readonly<Record<string, string>> = {
  'tf2_msgs/msg/TFMessage': `
geometry_msgs/TransformStamped[] transforms
`,
};

/**
 * The type of the ROS graph topic `ros_discovery_info` (a DDS topic name without the rt/ prefix).
 * Gid is 16 bytes from Iron on; Humble and older send 24 (see humble.ts and the `distro` option).
 */
export const RMW_DDS_COMMON: Readonly<Record<string, string>> = {
  'rmw_dds_common/msg/Gid': `
char[16] data
`,
  'rmw_dds_common/msg/NodeEntitiesInfo': `
string<=256 node_namespace
string<=256 node_name
Gid[] reader_gid_seq
Gid[] writer_gid_seq
`,
  'rmw_dds_common/msg/ParticipantEntitiesInfo': `
Gid gid
NodeEntitiesInfo[] node_entities_info_seq
`,
};
