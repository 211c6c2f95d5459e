import { Buffer } from 'node:buffer';

/**
 * What a framer hands back: a whole frame, or a coded problem with the bytes that were dropped.
 * Framers are pure state machines: bytes and a timestamp in, events out; no timers, no I/O.
 */

export type FrameErrorCode =
  /** The frame grew past maxFrame; its bytes are dropped up to the next delimiter, gap or resync. */
  | 'FRAME_TOO_LARGE'
  /** A partial frame saw no byte for timeoutMs (or the stream ended, `flush(Infinity)`). */
  | 'FRAME_TIMEOUT'
  /** A length prefix that cannot be right (shorter than its own header); bytes skipped to resync. */
  | 'FRAME_BAD_LENGTH';

export interface FrameError {
  code: FrameErrorCode;
  /** Bytes of the abandoned frame seen when the error was raised. */
  bytes: number;
  /** Hex of its first EXCERPT_BYTES bytes. */
  excerpt: string;
  /** The length a length prefix announced, when that was the problem. */
  declared?: number;
}

export type FrameEvent = { frame: Buffer } | { error: FrameError };

export interface Framer {
  /** Feeds bytes received at `now` (ms); returns the frames and errors they complete. */
  push(chunk: Uint8Array, now: number): FrameEvent[];
  /**
   * Called by a timer (and with `Infinity` when the stream ends): completes a gap frame, or drops a
   * partial frame that has been idle for the framer's timeout.
   */
  flush(now: number): FrameEvent[];
  /** Forgets any partial frame (after a reopen). */
  reset(): void;
  /** Bytes currently held; never more than maxFrame plus the delimiter length. */
  readonly retained: number;
}

export const EXCERPT_BYTES = 32;

/** Lowercase hex of the first `max` bytes, with `…` when there were more. */
export function hexExcerpt(bytes: Uint8Array, max = EXCERPT_BYTES): string {
  const shown = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, max));
  return shown.toString('hex') + (bytes.byteLength > max ? '…' : '');
}

export function frameError(code: FrameErrorCode, bytes: number, head: Uint8Array): { error: FrameError } {
  return { error: { code, bytes, excerpt: hexExcerpt(head) } };
}

/** Common option checks; factories throw RangeError on options the config schema would refuse. */
export function checkMaxFrame(maxFrame: number): void {
  if (!Number.isInteger(maxFrame) || maxFrame < 1 || maxFrame > MAX_FRAME_LIMIT)
    throw new RangeError(`maxFrame must be an integer in 1..${MAX_FRAME_LIMIT}`);
}

/** The largest maxFrame accepted: one frame never holds more than this. */
export const MAX_FRAME_LIMIT = 1_048_576;

/** Whether a partial frame last fed at `last` has been idle for `timeoutMs` at `now`. */
export function isStale(last: number, now: number, timeoutMs: number | undefined): boolean {
  return now - last >= (timeoutMs ?? Number.POSITIVE_INFINITY);
}
