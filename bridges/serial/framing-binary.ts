import { Buffer } from 'node:buffer';
import {
  checkMaxFrame,
  EXCERPT_BYTES,
  frameError,
  isStale,
  type FrameEvent,
  type Framer,
} from './frame-events.js';

/** Length-prefixed and inter-byte-gap framing, for binary protocols (framing.ts gathers every framer). */

export interface LengthPrefixedFramerOptions {
  lengthBytes: 1 | 2 | 4;
  /** Byte order of the length field. Default `be`. */
  endian?: 'be' | 'le';
  /** Header bytes before the length field (address, command...). Default 0. */
  offset?: number;
  /** The length counts the header (offset and length field) too. Default false: payload only. */
  lengthIncludesHeader?: boolean;
  /** Emit the whole frame, header included. Default false: the payload only. */
  includeHeader?: boolean;
  /** Largest whole frame, header included. */
  maxFrame: number;
  /** Drop a partial frame idle this long at `flush(now)`. Default: only at `flush(Infinity)`. */
  timeoutMs?: number;
}

/**
 * Frames announced by a length field. A length past maxFrame (or shorter than its own header) is
 * reported once and the framer resynchronises by sliding one byte at a time until a plausible header
 * appears. Without a sync marker, noise can still give a plausible length: the decoder must check.
 */
export function lengthPrefixedFramer(options: LengthPrefixedFramerOptions): Framer {
  return new LengthPrefixedFramer(options);
}

class LengthPrefixedFramer implements Framer {
  readonly #o: Required<Omit<LengthPrefixedFramerOptions, 'timeoutMs'>>;
  readonly #timeoutMs: number | undefined;
  readonly #header: number;
  readonly #buf: Buffer;
  #len = 0;
  /** Total bytes of the frame being read, once its header is in. */
  #need: number | undefined;
  /** An error was reported for the bad run being skipped: no more until a good frame. */
  #resyncing = false;
  #lastAt = 0;

  constructor(options: LengthPrefixedFramerOptions) {
    checkMaxFrame(options.maxFrame);
    this.#o = { endian: 'be', offset: 0, lengthIncludesHeader: false, includeHeader: false, ...options };
    if (![1, 2, 4].includes(this.#o.lengthBytes)) throw new RangeError('lengthBytes is 1, 2 or 4');
    if (!Number.isInteger(this.#o.offset) || this.#o.offset < 0)
      throw new RangeError('offset is a non-negative integer');
    this.#header = this.#o.offset + this.#o.lengthBytes;
    if (this.#header > options.maxFrame) throw new RangeError('the header does not fit in maxFrame');
    this.#timeoutMs = options.timeoutMs;
    this.#buf = Buffer.alloc(options.maxFrame);
  }

  get retained(): number {
    return this.#len;
  }

  push(chunk: Uint8Array, now: number): FrameEvent[] {
    const out: FrameEvent[] = [];
    if (chunk.byteLength > 0) this.#lastAt = now;
    let i = 0;
    while (i < chunk.byteLength) {
      const want = this.#need ?? this.#header;
      const n = Math.min(want - this.#len, chunk.byteLength - i);
      this.#buf.set(chunk.subarray(i, i + n), this.#len);
      this.#len += n;
      i += n;
      if (this.#len < want) break;
      if (this.#need === undefined) this.#readHeader(out);
      else this.#emit(out);
    }
    return out;
  }

  flush(now: number): FrameEvent[] {
    if (this.#len === 0 || !isStale(this.#lastAt, now, this.#timeoutMs)) return [];
    const error = frameError('FRAME_TIMEOUT', this.#len, this.#head());
    this.reset();
    return [error];
  }

  reset(): void {
    this.#len = 0;
    this.#need = undefined;
    this.#resyncing = false;
  }

  #readHeader(out: FrameEvent[]): void {
    const declared = this.#declaredLength();
    const total = this.#o.lengthIncludesHeader ? declared : this.#header + declared;
    const code =
      total > this.#buf.length ? 'FRAME_TOO_LARGE' : total < this.#header ? 'FRAME_BAD_LENGTH' : undefined;
    if (code === undefined) {
      this.#need = total;
      if (total === this.#header) this.#emit(out);
      return;
    }
    if (!this.#resyncing)
      out.push({ error: { ...frameError(code, this.#len, this.#head()).error, declared } });
    this.#resyncing = true;
    this.#buf.copyWithin(0, 1, this.#len);
    this.#len--;
  }

  #declaredLength(): number {
    const at = this.#o.offset;
    const le = this.#o.endian === 'le';
    switch (this.#o.lengthBytes) {
      case 1:
        return this.#buf.readUInt8(at);
      case 2:
        return le ? this.#buf.readUInt16LE(at) : this.#buf.readUInt16BE(at);
      case 4:
        return le ? this.#buf.readUInt32LE(at) : this.#buf.readUInt32BE(at);
    }
  }

  #emit(out: FrameEvent[]): void {
    const from = this.#o.includeHeader ? 0 : this.#header;
    out.push({ frame: Buffer.from(this.#buf.subarray(from, this.#len)) });
    this.#len = 0;
    this.#need = undefined;
    this.#resyncing = false;
  }

  #head(): Buffer {
    return this.#buf.subarray(0, Math.min(this.#len, EXCERPT_BYTES));
  }
}

export interface InterByteTimeoutFramerOptions {
  /** A frame ends when no byte arrives for this long. */
  gapMs: number;
  maxFrame: number;
}

/**
 * A frame is whatever arrives between silences of gapMs (Modbus RTU style). Push bytes with their
 * arrival time; a timer calls `flush(now)` about gapMs after the last byte. A frame that outgrows
 * maxFrame is reported once and dropped up to the next gap.
 */
export function interByteTimeoutFramer(options: InterByteTimeoutFramerOptions): Framer {
  checkMaxFrame(options.maxFrame);
  if (!(options.gapMs > 0)) throw new RangeError('gapMs must be positive');
  const buf = Buffer.alloc(options.maxFrame);
  let len = 0;
  let discarding = false;
  let lastAt = 0;
  const complete = (now: number): FrameEvent[] => {
    if ((len === 0 && !discarding) || now - lastAt < options.gapMs) return [];
    const out: FrameEvent[] = discarding ? [] : [{ frame: Buffer.from(buf.subarray(0, len)) }];
    len = 0;
    discarding = false;
    return out;
  };
  return {
    get retained() {
      return len;
    },
    push(chunk, now) {
      const out = complete(now);
      if (chunk.byteLength === 0) return out;
      lastAt = now;
      if (discarding) return out;
      const n = Math.min(buf.length - len, chunk.byteLength);
      buf.set(chunk.subarray(0, n), len);
      len += n;
      if (n < chunk.byteLength) {
        out.push(
          frameError(
            'FRAME_TOO_LARGE',
            len + chunk.byteLength - n,
            buf.subarray(0, Math.min(len, EXCERPT_BYTES)),
          ),
        );
        discarding = true;
        len = 0;
      }
      return out;
    },
    flush: complete,
    reset() {
      len = 0;
      discarding = false;
    },
  };
}
