import type { MessageDefinitionField } from '@foxglove/message-definition';
import { isPlainObject } from '../../../src/cxp/data-model.js';
import { fail, ok, type Result } from '../../../src/cxp/errors.js';
import type { EncodeOptions, RosCodec } from './codec.js';
import { fieldsOf, type Schema } from './schema.js';
import { childPath, MAX_ISSUES, type FieldIssue, type RosMessage, type RosTime } from './types.js';

/**
 * Decoded ROS values <-> the gateway's data model (I-JSON: finite doubles, no bigint, well-formed
 * strings). The mapping (docs/ros2-messages.md):
 *
 * - int64/uint64: a number when |v| <= 2^53-1, else a decimal string (back: either).
 * - float NaN/+Inf/-Inf: the strings "NaN", "Infinity", "-Infinity" (back: the same); -0 becomes 0.
 * - uint8[]/byte[]/char[]: a base64 string, or the Uint8Array itself with `binary: 'bytes'` (for
 *   MessagePack, which carries bytes as they are); back: base64 string, Uint8Array or number array.
 * - other numeric arrays: plain arrays; Time and Duration: `{sec, nanosec}` as they are.
 *
 * Going back needs the definition (a "NaN" is a float only in a float field), so fromJson takes the
 * schema; toJson does not.
 */

export type JsonValue = null | boolean | number | string | Uint8Array | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export interface ToJsonOptions {
  /** uint8/byte/char arrays as base64 strings (default) or kept as Uint8Array for MessagePack. */
  binary?: 'base64' | 'bytes';
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const DECIMAL = /^-?(?:0|[1-9][0-9]*)$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const SPECIAL_FLOATS: Readonly<Record<string, number>> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
};

/** A decoded message as JSON data (see the mapping above). */
export function toJson(message: RosMessage, options: ToJsonOptions = {}): JsonObject {
  return valueToJson(message, options.binary ?? 'base64') as JsonObject;
}

function valueToJson(value: unknown, binary: 'base64' | 'bytes'): JsonValue {
  switch (typeof value) {
    case 'number':
      return numberToJson(value);
    case 'bigint':
      return bigintToJson(value);
    case 'string':
    case 'boolean':
      return value;
    default:
      break;
  }
  if (value instanceof Uint8Array) {
    return binary === 'bytes'
      ? value
      : Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  }
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    const items = value as ArrayLike<unknown>;
    const out = new Array<JsonValue>(items.length);
    for (let i = 0; i < items.length; i++) out[i] = valueToJson(items[i], binary);
    return out;
  }
  if (isPlainObject(value)) {
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value)) out[key] = valueToJson(item, binary);
    return out;
  }
  // MessageReader produces nothing else.
  return null;
}

function numberToJson(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  return value === 0 ? 0 : value;
}

function bigintToJson(value: bigint): number | string {
  return value <= MAX_SAFE && value >= -MAX_SAFE ? Number(value) : value.toString();
}

/**
 * JSON data back to a value the encoder takes: decimal strings in int64 fields become bigint, the
 * float names become NaN and infinities, base64 in byte arrays becomes a Uint8Array. Anything else
 * is passed on as it is, for the encoder's validation to accept or report with its path.
 */
export function fromJson(schema: Schema, json: unknown): Result<RosMessage> {
  const issues: FieldIssue[] = [];
  const value = structFromJson(schema, schema.root, json, '', issues);
  if (issues.length > 0) {
    return fail(
      'INVALID_PARAMS',
      `value is not a ${schema.type}: ${issues[0]?.path ?? ''} ${issues[0]?.message ?? ''}`,
      {
        details: { ros_type: schema.type, errors: issues },
      },
    );
  }
  return ok(value as RosMessage);
}

function structFromJson(
  schema: Schema,
  fields: readonly MessageDefinitionField[],
  json: unknown,
  path: string,
  issues: FieldIssue[],
): unknown {
  if (!isPlainObject(json)) return json;
  const out: Record<string, unknown> = { ...json };
  for (const field of fields) {
    if (!Object.hasOwn(json, field.name)) continue;
    const fieldPath = childPath(path, field.name);
    const v = json[field.name];
    out[field.name] =
      field.isArray === true
        ? arrayFromJson(schema, field, v, fieldPath, issues)
        : oneFromJson(schema, field, v, fieldPath, issues);
  }
  return out;
}

function arrayFromJson(
  schema: Schema,
  field: MessageDefinitionField,
  json: unknown,
  path: string,
  issues: FieldIssue[],
): unknown {
  if (field.type === 'uint8' && typeof json === 'string') {
    if (!BASE64.test(json)) {
      issue(issues, path, 'a byte array is given as a base64 string, and this is not base64');
      return json;
    }
    const buffer = Buffer.from(json, 'base64');
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }
  if (!Array.isArray(json)) return json;
  return json.map((item, i) => oneFromJson(schema, field, item, childPath(path, i), issues));
}

function oneFromJson(
  schema: Schema,
  field: MessageDefinitionField,
  json: unknown,
  path: string,
  issues: FieldIssue[],
): unknown {
  if (field.isComplex === true)
    return structFromJson(schema, fieldsOf(schema, field.type), json, path, issues);
  if (typeof json !== 'string') return json;
  switch (field.type) {
    case 'int64':
    case 'uint64':
      if (DECIMAL.test(json)) return BigInt(json);
      issue(issues, path, `expected an integer or a decimal string, got "${json.slice(0, 40)}"`);
      return json;
    case 'float32':
    case 'float64':
      return Object.hasOwn(SPECIAL_FLOATS, json) ? SPECIAL_FLOATS[json] : json;
    default:
      return json;
  }
}

function issue(issues: FieldIssue[], path: string, message: string): void {
  if (issues.length < MAX_ISSUES) issues.push({ path, message });
}

/** Decodes CDR straight to JSON data. */
export function decodeJson(
  codec: RosCodec,
  type: string,
  bytes: Uint8Array,
  options: ToJsonOptions = {},
): Result<JsonObject> {
  const decoded = codec.decode(type, bytes);
  return decoded.ok ? ok(toJson(decoded.value, options)) : decoded;
}

/** Encodes JSON data (as toJson gives it, or as a client writes it) to CDR. */
export function encodeJson(
  codec: RosCodec,
  type: string,
  json: unknown,
  options: EncodeOptions = {},
): Result<Uint8Array> {
  const schema = codec.schema(type);
  if (!schema.ok) return schema;
  const value = fromJson(schema.value, json);
  return value.ok ? codec.encode(type, value.value, options) : value;
}

const NS_PER_MS = 1_000_000;
const NS_PER_S = 1_000_000_000;

/** Milliseconds since the epoch of a ROS time (header.stamp), truncated to whole milliseconds. */
export function timeToMs(time: RosTime): number {
  return time.sec * 1000 + Math.floor(time.nanosec / NS_PER_MS);
}

/** A ROS time as RFC 3339 UTC with nanoseconds: `2026-11-21T05:38:00.123456789Z`. */
export function timeToRfc3339(time: RosTime): string {
  // nanosec is below 1e9 in a normalised time; carry any excess into the seconds.
  const sec = time.sec + Math.floor(time.nanosec / NS_PER_S);
  const nanosec = time.nanosec % NS_PER_S;
  const iso = new Date(sec * 1000).toISOString();
  return `${iso.slice(0, 19)}.${String(nanosec).padStart(9, '0')}Z`;
}

/** A ROS time from milliseconds since the epoch (for stamping messages the gateway publishes). */
export function timeFromMs(ms: number): RosTime {
  const sec = Math.floor(ms / 1000);
  const nanosec = Math.round((ms - sec * 1000) * NS_PER_MS);
  // Rounding can reach a full second (ms = 999.9999999...): carry it.
  return nanosec >= NS_PER_S ? { sec: sec + 1, nanosec: nanosec - NS_PER_S } : { sec, nanosec };
}
