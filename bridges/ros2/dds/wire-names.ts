import { fail, ok, type Result } from '../../../src/cxp/errors.js';

/**
 * ROS 2 names on the DDS wire (what rmw_cyclonedds and rmw_fastrtps use): topic `/a/b` is DDS
 * topic `rt/a/b`; type `pkg/msg/Type` is DDS type `pkg::msg::dds_::Type_`.
 */

const TOPIC_TOKEN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TYPE = /^([A-Za-z][A-Za-z0-9_]*)\/(?:(msg|srv|action)\/)?([A-Za-z][A-Za-z0-9_]*)$/;
const WIRE_TYPE = /^([A-Za-z][A-Za-z0-9_]*)::(msg|srv|action)::dds_::([A-Za-z][A-Za-z0-9_]*)_$/;

/** `/chatter` -> `rt/chatter`; a name that is not a fully qualified ROS topic is refused. */
export function rosToDdsTopic(topic: string): Result<string> {
  const tokens = topic.split('/');
  if (!topic.startsWith('/') || topic.length < 2 || !tokens.slice(1).every((t) => TOPIC_TOKEN.test(t)))
    return fail('INVALID_PARAMS', `"${topic}" is not a fully qualified ROS topic name (like /robot/odom)`);
  return ok(`rt${topic}`);
}

/** `rt/chatter` -> `/chatter`; undefined for DDS topics that are not ROS topics. */
export function ddsToRosTopic(wire: string): string | undefined {
  return wire.startsWith('rt/') ? wire.slice(2) : undefined;
}

/** `std_msgs/msg/String` (or `std_msgs/String`) -> `std_msgs::msg::dds_::String_`. */
export function rosToDdsType(type: string): Result<string> {
  const m = TYPE.exec(type);
  if (!m) return fail('INVALID_PARAMS', `"${type}" is not a ROS type name (like std_msgs/msg/String)`);
  return ok(`${m[1] ?? ''}::${m[2] ?? 'msg'}::dds_::${m[3] ?? ''}_`);
}

/** `std_msgs::msg::dds_::String_` -> `std_msgs/msg/String`; undefined for other DDS types. */
export function ddsToRosType(wire: string): string | undefined {
  const m = WIRE_TYPE.exec(wire);
  return m ? `${m[1] ?? ''}/${m[2] ?? ''}/${m[3] ?? ''}` : undefined;
}
