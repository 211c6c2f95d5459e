/**
 * builtin_interfaces and std_msgs, written here as .msg text (ROS 2 Jazzy layout). The parser
 * reads `builtin_interfaces/Time` and `Duration` fields as the primitives `time` and `duration`;
 * the two messages themselves are listed so they can be published and decoded on their own.
 */
export const BUILTIN_INTERFACES: Readonly<Record<string, string>> = {
  'builtin_interfaces/msg/Time': `
# Seconds and nanoseconds since an epoch (the ROS clock's: usually the Unix epoch).
int32 sec
# Always below 1e9; the seconds carry the rest.
uint32 nanosec
`,
  'builtin_interfaces/msg/Duration': `
# A signed span of time: sec may be negative, nanosec is added to it (0..999999999).
int32 sec
uint32 nanosec
`,
};

export const STD_MSGS: Readonly<Record<string, string>> = {
  'std_msgs/msg/Header': `
# When the data was acquired and in which coordinate frame.
builtin_interfaces/Time stamp
string frame_id
`,
  'std_msgs/msg/String': 'string data\n',
  'std_msgs/msg/Bool': 'bool data\n',
  'std_msgs/msg/Int32': 'int32 data\n',
  'std_msgs/msg/Int64': 'int64 data\n',
  'std_msgs/msg/UInt8': 'uint8 data\n',
  'std_msgs/msg/Float32': 'float32 data\n',
  'std_msgs/msg/Float64': 'float64 data\n',
  // No fields: on the wire ROS 2 sends one padding byte (structure_needs_at_least_one_member).
  'std_msgs/msg/Empty': '',
  'std_msgs/msg/ColorRGBA': `
# Components in 0..1.
float32 r
float32 g
float32 b
float32 a
`,
  'std_msgs/msg/MultiArrayDimension': `
string label
# Number of elements along this dimension, and the stride (elements) to the next index.
uint32 size
uint32 stride
`,
  'std_msgs/msg/MultiArrayLayout': `
MultiArrayDimension[] dim
# Elements to skip at the start of data.
uint32 data_offset
`,
  'std_msgs/msg/Float32MultiArray': `
MultiArrayLayout layout
float32[] data
`,
  'std_msgs/msg/UInt8MultiArray': `
MultiArrayLayout layout
uint8[] data
`,
};
