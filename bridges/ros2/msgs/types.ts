/**
 * Value shapes of the ROS 2 message layer. A decoded message is what @foxglove/rosmsg2-serialization's
 * MessageReader returns: plain objects per message, numbers for integers up to 32 bits and floats,
 * bigint for int64/uint64, typed arrays for numeric arrays, `{sec, nanosec}` for builtin_interfaces
 * Time and Duration. The encoder accepts the same shapes (plus plain arrays where a typed array is
 * returned), so decode -> encode is the identity on bytes.
 */

/** builtin_interfaces/msg/Time and Duration: `sec` is int32, `nanosec` uint32 (0..999999999 when normalised). */
export interface RosTime {
  sec: number;
  nanosec: number;
}

export type RosTypedArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

export type RosValue =
  boolean | number | bigint | string | RosTime | RosTypedArray | readonly RosValue[] | RosMessage;

export interface RosMessage {
  [field: string]: RosValue;
}

/** One problem with a value, as in `details.errors` of INVALID_PARAMS and MALFORMED_MESSAGE. */
export interface FieldIssue {
  /** JSON Pointer into the message (`/pose/position/x`, `/ranges/3`); `` for the whole message. */
  path: string;
  message: string;
}

/** At most this many issues are reported for one value, so error replies stay bounded. */
export const MAX_ISSUES = 16;

/** Appends `key` to a JSON Pointer path. */
export function childPath(path: string, key: string | number): string {
  return `${path}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}
