import { Buffer } from 'node:buffer';
import {
  checkMaxFrame,
  frameError,
  isStale,
  EXCERPT_BYTES,
  type FrameEvent,
  type Framer,
} from './frame-events.js';

/** Delimited lines and fixed-length records (framing.ts gathers every framer). */

const CR = 0x0d;
export const MAX_DELIMITER_BYTES = 16;

export interface LineFramerOptions {
  /** Ends a frame; a string is UTF-8 encoded. Default `\n`. */
  delimiter?: string | Uint8Array;
  /** Keep the delimiter at the end of each frame. Default false. */
  includeDelimiter?: boolean;
  /** Largest frame, delimiter excluded. */
  maxFrame: number;
  /** Drop one trailing `\r` (CRLF devices with a `\n` delimiter). Default true; not with includeDelimiter. */
  stripCR?: boolean;
  /** Drop a partial frame idle this long at `flush(now)`. Default: only at `flush(Infinity)`. */
  timeoutMs?: number;
}

export function lineFramer(options: LineFramerOptions): Framer {
  return new LineFramer(options);
}

class LineFramer implements Framer {
  readonly #delim: Buffer;
  readonly #lastByte: number;
  readonly #buf: Buffer;
  readonly #maxFrame: number;
  readonly #include: boolean;
  readonly #stripCR: boolean;
  readonly #timeoutMs: number | undefined;
  #len = 0;
  /** Inside an oversized frame: bytes are dropped until the next delimiter. */
  #discarding = false;
  #lastAt = 0;

  constructor(options: LineFramerOptions) {
    checkMaxFrame(options.maxFrame);
    const d = options.delimiter ?? '\n';
    this.#delim = typeof d === 'string' ? Buffer.from(d, 'utf8') : Buffer.from(d);
    if (this.#delim.length === 0 || this.#delim.length > MAX_DELIMITER_BYTES)
      throw new RangeError(`a delimiter has 1 to ${MAX_DELIMITER_BYTES} bytes`);
    this.#lastByte = this.#delim[this.#delim.length - 1] ?? 0;
    this.#maxFrame = options.maxFrame;
    this.#buf = Buffer.alloc(options.maxFrame + this.#delim.length);
    this.#include = options.includeDelimiter ?? false;
    this.#stripCR = (options.stripCR ?? true) && !this.#include;
    this.#timeoutMs = options.timeoutMs;
  }

  get retained(): number {
    return this.#len;
  }

  push(chunk: Uint8Array, now: number): FrameEvent[] {
    const out: FrameEvent[] = [];
    if (chunk.byteLength > 0) this.#lastAt = now;
    const dl = this.#delim.length;
    for (const b of chunk) {
      this.#buf[this.#len++] = b;
      if (b === this.#lastByte && this.#endsWithDelimiter()) {
        if (this.#discarding) this.#discarding = false;
        else out.push({ frame: this.#frame() });
        this.#len = 0;
      } else if (this.#discarding) {
        if (this.#len >= dl) this.#keepTail(dl - 1);
      } else if (this.#len >= this.#maxFrame + dl) {
        out.push(frameError('FRAME_TOO_LARGE', this.#len, this.#head()));
        this.#discarding = true;
        this.#keepTail(dl - 1);
      }
    }
    return out;
  }

  flush(now: number): FrameEvent[] {
    if (this.#len === 0 && !this.#discarding) return [];
    if (!isStale(this.#lastAt, now, this.#timeoutMs)) return [];
    const out: FrameEvent[] = this.#discarding ? [] : [frameError('FRAME_TIMEOUT', this.#len, this.#head())];
    this.reset();
    return out;
  }

  reset(): void {
    this.#len = 0;
    this.#discarding = false;
  }

  #head(): Buffer {
    return this.#buf.subarray(0, Math.min(this.#len, EXCERPT_BYTES));
  }

  #endsWithDelimiter(): boolean {
    const dl = this.#delim.length;
    if (this.#len < dl) return false;
    return this.#buf.compare(this.#delim, 0, dl, this.#len - dl, this.#len) === 0;
  }

  /** Keeps the last `n` bytes (a delimiter may be split across chunks). */
  #keepTail(n: number): void {
    this.#buf.copyWithin(0, this.#len - n, this.#len);
    this.#len = n;
  }

  #frame(): Buffer {
    let end = this.#include ? this.#len : this.#len - this.#delim.length;
    if (this.#stripCR && end > 0 && this.#buf[end - 1] === CR) end--;
    return Buffer.from(this.#buf.subarray(0, end));
  }
}

export interface FixedFramerOptions {
  /** Bytes in every frame. */
  length: number;
  /** Must be at least `length`. */
  maxFrame: number;
  /** Drop a partial frame idle this long at `flush(now)`. Default: only at `flush(Infinity)`. */
  timeoutMs?: number;
}

/** Fixed-length records. Without a sync marker a lost byte shifts every later frame: use a timeout. */
export function fixedFramer(options: FixedFramerOptions): Framer {
  checkMaxFrame(options.maxFrame);
  if (!Number.isInteger(options.length) || options.length < 1 || options.length > options.maxFrame)
    throw new RangeError('length must be an integer in 1..maxFrame');
  const buf = Buffer.alloc(options.length);
  let len = 0;
  let lastAt = 0;
  return {
    get retained() {
      return len;
    },
    push(chunk, now) {
      const out: FrameEvent[] = [];
      if (chunk.byteLength > 0) lastAt = now;
      let i = 0;
      while (i < chunk.byteLength) {
        const n = Math.min(buf.length - len, chunk.byteLength - i);
        buf.set(chunk.subarray(i, i + n), len);
        len += n;
        i += n;
        if (len === buf.length) {
          out.push({ frame: Buffer.from(buf) });
          len = 0;
        }
      }
      return out;
    },
    flush(now) {
      if (len === 0 || !isStale(lastAt, now, options.timeoutMs)) return [];
      const error = frameError('FRAME_TIMEOUT', len, buf.subarray(0, Math.min(len, EXCERPT_BYTES)));
      len = 0;
      return [error];
    },
    reset() {
      len = 0;
    },
  };
}
