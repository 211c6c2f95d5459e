import { utf8Length } from '../../../src/cxp/data-model.js';

/**
 * A growable little-endian XCDR1 byte writer, the form ROS 2 peers publish (encapsulation CDR_LE,
 * 8-byte values aligned to 8, alignment counted from after the 4-byte encapsulation header).
 *
 * The gateway writes its own bytes instead of using @foxglove/cdr's CdrWriter because that writer
 * sizes a string by its UTF-16 length, so any non-ASCII text is cut short on the wire.
 */

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HEADER = [0x00, 0x01, 0x00, 0x00] as const;
const ORIGIN = 4;
const utf8 = new TextEncoder();

/** Thrown when a message grows past the writer's limit; the codec turns it into MESSAGE_TOO_LARGE. */
export class CdrTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the encoded message exceeds ${limit} bytes`);
  }
}

export interface CdrByteWriterOptions {
  initialCapacity?: number;
  /** The writer refuses to grow past this many bytes (default: unlimited). */
  maxBytes?: number;
}

export class CdrByteWriter {
  #bytes: Uint8Array;
  #view: DataView;
  #offset = ORIGIN;
  readonly #maxBytes: number;

  constructor(options: CdrByteWriterOptions = {}) {
    this.#maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    this.#bytes = new Uint8Array(Math.max(options.initialCapacity ?? 256, 16));
    this.#bytes.set(HEADER);
    this.#view = new DataView(this.#bytes.buffer);
  }

  get size(): number {
    return this.#offset;
  }

  /** Grows to hold `n` more bytes. New bytes are zero, so skipped padding is zero as peers expect. */
  #ensure(n: number): void {
    const needed = this.#offset + n;
    if (needed > this.#maxBytes) throw new CdrTooLargeError(this.#maxBytes);
    if (needed > this.#bytes.length) this.#grow(needed);
  }

  #grow(needed: number): void {
    let capacity = this.#bytes.length * 2;
    while (capacity < needed) capacity *= 2;
    // Never reserve much past the limit (the final padding may add up to 3 bytes).
    capacity = Math.max(needed, Math.min(capacity, this.#maxBytes + 3));
    const next = new Uint8Array(capacity);
    next.set(this.#bytes.subarray(0, this.#offset));
    this.#bytes = next;
    this.#view = new DataView(next.buffer);
  }

  align(size: number): void {
    const rest = (this.#offset - ORIGIN) % size;
    if (rest === 0) return;
    this.#ensure(size - rest);
    this.#offset += size - rest;
  }

  uint8(value: number): void {
    this.#ensure(1);
    this.#view.setUint8(this.#offset, value);
    this.#offset += 1;
  }

  int8(value: number): void {
    this.#ensure(1);
    this.#view.setInt8(this.#offset, value);
    this.#offset += 1;
  }

  int16(value: number): void {
    // The offset first: reserving may replace the buffer and its view.
    const at = this.#reserve(2);
    this.#view.setInt16(at, value, true);
  }

  uint16(value: number): void {
    const at = this.#reserve(2);
    this.#view.setUint16(at, value, true);
  }

  int32(value: number): void {
    const at = this.#reserve(4);
    this.#view.setInt32(at, value, true);
  }

  uint32(value: number): void {
    const at = this.#reserve(4);
    this.#view.setUint32(at, value, true);
  }

  int64(value: bigint): void {
    const at = this.#reserve(8);
    this.#view.setBigInt64(at, value, true);
  }

  uint64(value: bigint): void {
    const at = this.#reserve(8);
    this.#view.setBigUint64(at, value, true);
  }

  float32(value: number): void {
    const at = this.#reserve(4);
    this.#view.setFloat32(at, value, true);
  }

  float64(value: number): void {
    const at = this.#reserve(8);
    this.#view.setFloat64(at, value, true);
  }

  /** Aligns for a value of `size` bytes, makes room for it and returns where it goes. */
  #reserve(size: number): number {
    this.align(size);
    this.#ensure(size);
    const at = this.#offset;
    this.#offset += size;
    return at;
  }

  /**
   * A typed array of the wire's element type, copied as bytes when the host is little endian
   * (every platform the gateway runs on); element by element otherwise.
   */
  typedArray(value: ArrayBufferView & { length: number }, elementSize: number, each: () => void): void {
    if (value.length === 0) return;
    this.align(elementSize);
    if (!HOST_LITTLE_ENDIAN) {
      each();
      return;
    }
    this.#ensure(value.byteLength);
    this.#bytes.set(new Uint8Array(value.buffer, value.byteOffset, value.byteLength), this.#offset);
    this.#offset += value.byteLength;
  }

  /** A CDR string: uint32 length including the NUL, the UTF-8 bytes, then NUL. */
  string(value: string): void {
    // Room for the worst case (3 bytes per UTF-16 unit) unless that would pass the limit, where
    // the exact length decides; encodeInto then reports what it wrote.
    this.align(4);
    const worst = value.length * 3;
    this.#ensure(4 + (this.#offset + 5 + worst > this.#maxBytes ? utf8Length(value) : worst) + 1);
    const { written } = utf8.encodeInto(value, this.#bytes.subarray(this.#offset + 4));
    this.#view.setUint32(this.#offset, written + 1, true);
    this.#offset += 4 + written;
    this.#bytes[this.#offset] = 0;
    this.#offset += 1;
  }

  /**
   * The finished payload, padded with zeros to a multiple of 4 bytes and the pad count put in the
   * last options byte of the encapsulation header, as Cyclone DDS does (XTypes 7.6.3.1.2).
   */
  finish(): Uint8Array {
    const pad = (4 - (this.#offset % 4)) % 4;
    if (this.#offset + pad > this.#bytes.length) this.#grow(this.#offset + pad);
    this.#offset += pad;
    this.#bytes[3] = pad;
    return this.#bytes.slice(0, this.#offset);
  }
}
