/** geometry_msgs as .msg text (ROS 2 Jazzy). Units are SI: metres, radians, seconds, newtons. */
export const GEOMETRY_MSGS: Readonly<Record<string, string>> = {
  'geometry_msgs/msg/Vector3': `
float64 x
float64 y
float64 z
`,
  'geometry_msgs/msg/Point': `
float64 x
float64 y
float64 z
`,
  'geometry_msgs/msg/Point32': `
# Single precision, for large sets of points.
float32 x
float32 y
float32 z
`,
  'geometry_msgs/msg/Quaternion': `
# ROS 2 gives the identity rotation as default.
float64 x 0
float64 y 0
float64 z 0
float64 w 1
`,
  'geometry_msgs/msg/Pose': `
Point position
Quaternion orientation
`,
  'geometry_msgs/msg/PoseStamped': `
std_msgs/Header header
Pose pose
`,
  'geometry_msgs/msg/PoseWithCovariance': `
Pose pose
# Row-major 6x6 covariance of (x, y, z, rotation about X, Y, Z).
float64[36] covariance
`,
  'geometry_msgs/msg/PoseWithCovarianceStamped': `
std_msgs/Header header
PoseWithCovariance pose
`,
  'geometry_msgs/msg/Twist': `
Vector3 linear
Vector3 angular
`,
  'geometry_msgs/msg/TwistStamped': `
std_msgs/Header header
Twist twist
`,
  'geometry_msgs/msg/TwistWithCovariance': `
Twist twist
# Row-major 6x6 covariance of (x, y, z, rotation about X, Y, Z).
float64[36] covariance
`,
  'geometry_msgs/msg/Transform': `
Vector3 translation
Quaternion rotation
`,
  'geometry_msgs/msg/TransformStamped': `
# header.frame_id is the parent frame, child_frame_id the frame this transform leads to.
std_msgs/Header header
string child_frame_id
Transform transform
`,
  'geometry_msgs/msg/Accel': `
Vector3 linear
Vector3 angular
`,
  'geometry_msgs/msg/Wrench': `
Vector3 force
Vector3 torque
`,
  'geometry_msgs/msg/Polygon': `
Point32[] points
`,
};
