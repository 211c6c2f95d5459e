/**
 * The on-disk record of the store-and-forward queue. Pure: bytes in, bytes out.
 *
 * A record is `u32 body length | u32 CRC-32 of the body | body`, big-endian. The body is
 * `u8 version (1) | u8 flags (bits 0-1 qos, bit 2 retain) | u16 topic length | f64 seq |
 * f64 enqueuedAt | u32 properties length | topic (UTF-8) | properties (JSON, UTF-8) | payload`.
 * The CRC covers the whole body, so a torn or overwritten record never decodes.
 */
import { fail, ok, type Result } from '../../src/cxp/errors.js';
import { crc32 } from './crc32.js';

/** An outbound MQTT message waiting for the broker to acknowledge it. */
export interface QueuedMessage {
  topic: string;
  payload: Uint8Array;
  qos: 1 | 2;
  retain: boolean;
  /** JSON-safe MQTT 5 properties, e.g. contentType, correlationData as a base64 string. */
  properties?: Record<string, unknown>;
}

export type QueuedEntry = QueuedMessage & { seq: number; enqueuedAt: number };

export const RECORD_HEADER_BYTES = 8;
const BODY_FIXED_BYTES = 24;
const RECORD_VERSION = 1;
const MAX_TOPIC_BYTES = 0xffff;
/** A length field above this is damage, not data. */
const MAX_BODY_BYTES = 0x7fff_ffff;

/** Where a record sits and what the index keeps of it. */
export interface RecordInfo {
  readonly seq: number;
  readonly enqueuedAt: number;
  /** Header and body together. */
  readonly length: number;
}

/** Encodes one entry; refuses a topic over 65535 UTF-8 bytes or properties that are not JSON data. */
export function encodeRecord(entry: QueuedEntry): Result<Buffer> {
  const topic = Buffer.from(entry.topic, 'utf8');
  if (topic.length > MAX_TOPIC_BYTES) {
    return fail('MESSAGE_TOO_LARGE', 'the topic is longer than 65535 bytes', {
      details: { limit: MAX_TOPIC_BYTES, size: topic.length },
    });
  }
  const props = encodeProperties(entry.properties);
  if (!props.ok) return props;
  const bodyLength = BODY_FIXED_BYTES + topic.length + props.value.length + entry.payload.length;
  const record = Buffer.alloc(RECORD_HEADER_BYTES + bodyLength);
  let at = RECORD_HEADER_BYTES;
  at = record.writeUInt8(RECORD_VERSION, at);
  at = record.writeUInt8(entry.qos | (entry.retain ? 4 : 0), at);
  at = record.writeUInt16BE(topic.length, at);
  at = record.writeDoubleBE(entry.seq, at);
  at = record.writeDoubleBE(entry.enqueuedAt, at);
  at = record.writeUInt32BE(props.value.length, at);
  at += topic.copy(record, at);
  at += props.value.copy(record, at);
  record.set(entry.payload, at);
  record.writeUInt32BE(bodyLength, 0);
  record.writeUInt32BE(crc32(record, RECORD_HEADER_BYTES), 4);
  return ok(record);
}

function encodeProperties(properties: Record<string, unknown> | undefined): Result<Buffer> {
  if (properties === undefined) return ok(Buffer.alloc(0));
  try {
    return ok(Buffer.from(JSON.stringify(properties), 'utf8'));
  } catch (err) {
    return fail('INTERNAL_ERROR', 'message properties are not JSON data', { cause: err, retryable: false });
  }
}

/**
 * Checks the record at `offset`: `undefined` at the exact end of the data, `'bad'` for a partial
 * (torn) or damaged record, else what the index needs. Only the fixed part of the body is decoded.
 */
export function checkRecord(data: Uint8Array, offset: number): RecordInfo | 'bad' | undefined {
  if (offset === data.length) return undefined;
  if (offset + RECORD_HEADER_BYTES > data.length) return 'bad';
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const bodyLength = view.readUInt32BE(offset);
  if (bodyLength < BODY_FIXED_BYTES || bodyLength > MAX_BODY_BYTES) return 'bad';
  const end = offset + RECORD_HEADER_BYTES + bodyLength;
  if (end > data.length) return 'bad';
  if (crc32(view, offset + RECORD_HEADER_BYTES, end) !== view.readUInt32BE(offset + 4)) return 'bad';
  const body = offset + RECORD_HEADER_BYTES;
  if (view.readUInt8(body) !== RECORD_VERSION) return 'bad';
  const seq = view.readDoubleBE(body + 4);
  const enqueuedAt = view.readDoubleBE(body + 12);
  if (!Number.isSafeInteger(seq) || seq < 1 || !Number.isFinite(enqueuedAt)) return 'bad';
  return { seq, enqueuedAt, length: RECORD_HEADER_BYTES + bodyLength };
}

/** Decodes one whole record (header included); `undefined` when it is damaged. */
export function decodeRecord(record: Uint8Array): QueuedEntry | undefined {
  const info = checkRecord(record, 0);
  if (info === undefined || info === 'bad' || info.length !== record.length) return undefined;
  const view = Buffer.from(record.buffer, record.byteOffset, record.byteLength);
  const body = RECORD_HEADER_BYTES;
  const flags = view.readUInt8(body + 1);
  const topicLength = view.readUInt16BE(body + 2);
  const propsLength = view.readUInt32BE(body + 20);
  const topicStart = body + BODY_FIXED_BYTES;
  const payloadStart = topicStart + topicLength + propsLength;
  const qos = flags & 3;
  if (payloadStart > record.length || (qos !== 1 && qos !== 2)) return undefined;
  const properties = decodeProperties(view.subarray(topicStart + topicLength, payloadStart));
  if (properties === null) return undefined;
  const entry: QueuedEntry = {
    topic: view.toString('utf8', topicStart, topicStart + topicLength),
    payload: new Uint8Array(view.subarray(payloadStart)), // a copy, not a view of the read buffer
    qos: qos === 1 ? 1 : 2,
    retain: (flags & 4) !== 0,
    seq: info.seq,
    enqueuedAt: info.enqueuedAt,
  };
  if (properties !== undefined) entry.properties = properties;
  return entry;
}

/** `undefined` for no properties, `null` when they do not parse as a JSON object. */
function decodeProperties(bytes: Buffer): Record<string, unknown> | undefined | null {
  if (bytes.length === 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
