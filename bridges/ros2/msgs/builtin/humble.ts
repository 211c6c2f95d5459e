/**
 * Where ROS 2 Humble (and the older Foxy and Galactic) differ on the wire from the Jazzy definitions
 * built in: rmw's GID was 24 bytes up to Humble and is 16 from Iron on, and sensor_msgs/Range gained
 * `variance` in Jazzy. Differences that only add constants or defaults are left out, since they do
 * not change the bytes.
 */
export const PRE_IRON_DISTROS: ReadonlySet<string> = new Set(['foxy', 'galactic', 'humble']);

export const HUMBLE_MESSAGES: Readonly<Record<string, string>> = {
  'rmw_dds_common/msg/Gid': `
char[24] data
`,
  'sensor_msgs/msg/Range': `
std_msgs/Header header
uint8 ULTRASOUND = 0
uint8 INFRARED = 1
uint8 radiation_type
float32 field_of_view
float32 min_range
float32 max_range
float32 range
`,
};
