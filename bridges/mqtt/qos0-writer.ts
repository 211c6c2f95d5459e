import type { Writable } from 'node:stream';

/**
 * QoS 0 PUBLISH packets encoded here and written to the socket once per tick.
 *
 * MQTT.js writes each packet as five or six separate chunks through a corked stream and builds a
 * packet object, an options object and a debug trace per publish: under a flood of small messages
 * that was about a third of the gateway's CPU. A QoS 0 packet needs no packet id, no store and no
 * acknowledgement, so it is encoded here straight into a shared slab (small packets) or as a header
 * plus the caller's payload (large ones, never copied), and the tick's packets leave in one corked
 * burst. Everything stateful (QoS 1/2, subscriptions, keep-alive) stays with MQTT.js; the connection
 * flushes this writer before handing MQTT.js a packet, so packets leave in the order they were given.
 */

/** MQTT 5 publish properties the gateway sets (MQTT 3.1.1 packets carry none). */
export interface Qos0Properties {
  contentType?: string;
  responseTopic?: string;
  /** base64, as in QueuedMessage */
  correlationData?: string;
}

export type EncodeError = 'invalid_topic' | 'too_large';

/** The part of a socket the writer uses. */
export type PacketSink = Pick<Writable, 'write' | 'cork' | 'uncork' | 'destroyed' | 'writable'>;

const SLAB_BYTES = 64 * 1024;
/** Packets up to this size are copied into the slab; larger ones keep their payload buffer. */
const SMALL_PACKET = 8 * 1024;
/** MQTT's remaining-length field tops out at 268,435,455 bytes. */
const MAX_REMAINING = 268_435_455;
const TOPIC_CACHE_MAX = 1024;

const PROP_CONTENT_TYPE = 0x03;
const PROP_RESPONSE_TOPIC = 0x08;
const PROP_CORRELATION_DATA = 0x09;

/** Bytes a variable byte integer takes. */
function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x20_0000 ? 3 : 4;
}

function writeVarint(buf: Buffer, at: number, n: number): number {
  let v = n;
  do {
    let byte = v % 0x80;
    v = Math.floor(v / 0x80);
    if (v > 0) byte |= 0x80;
    buf[at++] = byte;
  } while (v > 0);
  return at;
}

/** A topic name a PUBLISH may carry: non-empty, no wildcards or NUL, at most 65,535 UTF-8 bytes. */
function encodeTopic(topic: string): Buffer | undefined {
  if (topic.length === 0 || /[+#]/.test(topic) || topic.includes('\u0000')) return undefined;
  const bytes = Buffer.from(topic, 'utf8');
  // A lone surrogate would have been replaced by U+FFFD: the broker would see another topic.
  if (bytes.length > 0xffff || bytes.toString('utf8') !== topic) return undefined;
  return bytes;
}

interface PropertyBytes {
  contentType?: Buffer;
  responseTopic?: Buffer;
  correlationData?: Buffer;
  size: number;
}

function propertyBytes(p: Qos0Properties | undefined): PropertyBytes {
  const out: PropertyBytes = { size: 0 };
  if (!p) return out;
  if (typeof p.contentType === 'string') {
    out.contentType = Buffer.from(p.contentType, 'utf8');
    out.size += 3 + out.contentType.length;
  }
  if (typeof p.responseTopic === 'string') {
    out.responseTopic = Buffer.from(p.responseTopic, 'utf8');
    out.size += 3 + out.responseTopic.length;
  }
  if (typeof p.correlationData === 'string') {
    out.correlationData = Buffer.from(p.correlationData, 'base64');
    out.size += 3 + out.correlationData.length;
  }
  return out;
}

function writeProperty(buf: Buffer, at: number, id: number, bytes: Buffer | undefined): number {
  if (!bytes) return at;
  buf[at] = id;
  buf.writeUInt16BE(bytes.length, at + 1);
  bytes.copy(buf, at + 3);
  return at + 3 + bytes.length;
}

/**
 * Encodes one QoS 0 PUBLISH packet's fixed and variable header (everything before the payload) into
 * `buf` at `at`; returns the offset after it. `size` must come from `headerSize`.
 */
function writeHeader(
  buf: Buffer,
  at: number,
  topic: Buffer,
  props: PropertyBytes | undefined,
  payloadLength: number,
  retain: boolean,
): number {
  const propsSize = props ? props.size : 0;
  const remaining = 2 + topic.length + (props ? varintSize(propsSize) + propsSize : 0) + payloadLength;
  buf[at++] = 0x30 | (retain ? 1 : 0);
  at = writeVarint(buf, at, remaining);
  buf.writeUInt16BE(topic.length, at);
  topic.copy(buf, at + 2);
  at += 2 + topic.length;
  if (props) {
    at = writeVarint(buf, at, propsSize);
    at = writeProperty(buf, at, PROP_CONTENT_TYPE, props.contentType);
    at = writeProperty(buf, at, PROP_RESPONSE_TOPIC, props.responseTopic);
    at = writeProperty(buf, at, PROP_CORRELATION_DATA, props.correlationData);
  }
  return at;
}

/** Sizes of a packet: its header (before the payload) and the whole packet. */
function packetSizes(
  topic: Buffer,
  props: PropertyBytes | undefined,
  payloadLength: number,
): { header: number; total: number; remaining: number } {
  const propsSize = props ? props.size : 0;
  const remaining = 2 + topic.length + (props ? varintSize(propsSize) + propsSize : 0) + payloadLength;
  const header = 1 + varintSize(remaining) + remaining - payloadLength;
  return { header, total: header + payloadLength, remaining };
}

/** One whole QoS 0 PUBLISH packet (for tests and one-off use; the writer encodes in place). */
export function encodeQos0Publish(
  version: 4 | 5,
  topic: string,
  payload: Uint8Array,
  retain = false,
  properties?: Qos0Properties,
): Buffer | EncodeError {
  const t = encodeTopic(topic);
  if (!t) return 'invalid_topic';
  const props = version === 5 ? propertyBytes(properties) : undefined;
  const sizes = packetSizes(t, props, payload.length);
  if (sizes.remaining > MAX_REMAINING) return 'too_large';
  const buf = Buffer.allocUnsafe(sizes.total);
  const at = writeHeader(buf, 0, t, props, payload.length, retain);
  buf.set(payload, at);
  return buf;
}

/**
 * Collects a tick's QoS 0 packets for one socket and writes them in one corked burst. `pending` bytes
 * count toward the connection's buffered total, so the congestion limits see them.
 */
export class Qos0Writer {
  readonly #topics = new Map<string, Buffer | undefined>();
  /** Property bytes by content type, for the common case of a content type alone. */
  readonly #contentTypes = new Map<string, PropertyBytes>();
  #chunks: Buffer[] = [];
  #slab: Buffer = Buffer.allocUnsafe(SLAB_BYTES);
  #slabStart = 0;
  #slabAt = 0;
  #pending = 0;
  #packets = 0;
  #scheduled = false;
  #stream: PacketSink | undefined;
  /** Called with the number of packets that could not be written (the socket went away). */
  readonly #onLost: (packets: number) => void;

  constructor(onLost: (packets: number) => void) {
    this.#onLost = onLost;
  }

  /** Bytes encoded and not yet handed to the socket. */
  get pending(): number {
    return this.#pending;
  }

  /** The socket packets go to; pending packets for a previous one are discarded as lost. */
  attach(stream: PacketSink | undefined): void {
    if (stream === this.#stream) return;
    this.#discard();
    this.#stream = stream;
  }

  /** Encodes a packet for the attached socket; it is written at the end of this tick (or by `flush`). */
  write(
    version: 4 | 5,
    topic: string,
    payload: Uint8Array,
    retain: boolean,
    properties: Qos0Properties | undefined,
  ): EncodeError | undefined {
    const t = this.#topic(topic);
    if (!t) return 'invalid_topic';
    const props = version === 5 ? this.#properties(properties) : undefined;
    const sizes = packetSizes(t, props, payload.length);
    if (sizes.remaining > MAX_REMAINING) return 'too_large';
    if (sizes.total <= SMALL_PACKET) {
      if (this.#slabAt + sizes.total > this.#slab.length) this.#newSlab();
      const at = writeHeader(this.#slab, this.#slabAt, t, props, payload.length, retain);
      this.#slab.set(payload, at);
      this.#slabAt = at + payload.length;
    } else {
      this.#sealSlab();
      const header = Buffer.allocUnsafe(sizes.header);
      writeHeader(header, 0, t, props, payload.length, retain);
      this.#chunks.push(
        header,
        Buffer.isBuffer(payload)
          ? payload
          : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
      );
    }
    this.#pending += sizes.total;
    this.#packets += 1;
    if (!this.#scheduled) {
      this.#scheduled = true;
      process.nextTick(() => {
        this.flush();
      });
    }
    return undefined;
  }

  /** Hands every pending packet to the socket now, in order. */
  flush(): void {
    this.#scheduled = false;
    if (this.#packets === 0) return;
    this.#sealSlab();
    const stream = this.#stream;
    if (!stream || stream.destroyed || !stream.writable) {
      this.#discard();
      return;
    }
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#pending = 0;
    this.#packets = 0;
    if (chunks.length === 1) {
      stream.write(chunks[0]);
      return;
    }
    stream.cork();
    for (const c of chunks) stream.write(c);
    stream.uncork();
  }

  #discard(): void {
    const lost = this.#packets;
    this.#chunks = [];
    this.#slabStart = this.#slabAt;
    this.#pending = 0;
    this.#packets = 0;
    if (lost > 0) this.#onLost(lost);
  }

  /** Moves the slab's filled part into the chunk list (the slab itself is reused after it). */
  #sealSlab(): void {
    if (this.#slabAt > this.#slabStart) this.#chunks.push(this.#slab.subarray(this.#slabStart, this.#slabAt));
    this.#slabStart = this.#slabAt;
  }

  #newSlab(): void {
    this.#sealSlab();
    // The old slab's bytes may still sit in the socket's queue: never overwrite them.
    this.#slab = Buffer.allocUnsafe(SLAB_BYTES);
    this.#slabStart = 0;
    this.#slabAt = 0;
  }

  #topic(topic: string): Buffer | undefined {
    if (this.#topics.has(topic)) return this.#topics.get(topic);
    if (this.#topics.size >= TOPIC_CACHE_MAX) this.#topics.clear();
    const bytes = encodeTopic(topic);
    this.#topics.set(topic, bytes);
    return bytes;
  }

  #properties(p: Qos0Properties | undefined): PropertyBytes {
    if (!p) return { size: 0 };
    const ct = p.contentType;
    if (typeof ct !== 'string' || p.responseTopic !== undefined || p.correlationData !== undefined)
      return propertyBytes(p);
    let bytes = this.#contentTypes.get(ct);
    if (!bytes) {
      if (this.#contentTypes.size >= TOPIC_CACHE_MAX) this.#contentTypes.clear();
      bytes = propertyBytes(p);
      this.#contentTypes.set(ct, bytes);
    }
    return bytes;
  }
}
