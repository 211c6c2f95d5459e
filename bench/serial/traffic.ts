/**
 * The device side of a phase: ~20-byte frames `w=12.345 seq=123456\n` written to the device end of a
 * pty pair, either paced at a baud rate or flat out. The pty is non-blocking: a write the pty cannot
 * take now returns 0 (EAGAIN) and is retried after a short timer, so no byte is ever dropped; a phase
 * always ends on a frame boundary, so every byte written belongs to a whole frame.
 */
import { setImmediate as yieldNow, setTimeout as sleep } from 'node:timers/promises';
import type { PtyPair } from '../../test/helpers/pty.js';

/** Bytes of every frame (the seq wraps at 10^6 and w at 90, so the length never changes). */
export const FRAME_BYTES = 20;
/** Frames in the pre-built block the writer cycles through (2 MB). */
const BLOCK_FRAMES = 100_000;
/** Most bytes handed to one write call. */
const WRITE_CHUNK = 65_536;
/** Wait before retrying a write the pty refused (EAGAIN). */
const RETRY_MS = 1;
/** How often the paced writer wakes up. */
const TICK_MS = 10;
/** A phase fails when the pty takes nothing at all for this long (the receiver stopped reading). */
const STALL_MS = 5000;

/** Frame i: `w=<10.000..99.999> seq=<i mod 10^6, 6 digits>\n`. */
export function frame(i: number): string {
  const w = (10 + (i % 90_000) / 1000).toFixed(3);
  const seq = String(i % 1_000_000).padStart(6, '0');
  return `w=${w} seq=${seq}\n`;
}

let block: Buffer | undefined;

/** The frames 0..BLOCK_FRAMES-1 back to back, built once. */
function frameBlock(): Buffer {
  block ??= Buffer.from(Array.from({ length: BLOCK_FRAMES }, (_, i) => frame(i)).join(''), 'latin1');
  if (block.length !== BLOCK_FRAMES * FRAME_BYTES) throw new Error('a bench frame is not 20 bytes');
  return block;
}

export interface TrafficOptions {
  /** `paced`: `baud` bits/s at 10 bits per byte (8N1); `flat`: as fast as the pty takes it. */
  mode: 'paced' | 'flat';
  baud: number;
  durationMs: number;
}

export interface TrafficResult {
  frames: number;
  bytes: number;
  /** First write -> last byte taken by the pty. */
  seconds: number;
  /** Writes refused with EAGAIN (each one waited RETRY_MS). */
  refused: number;
}

/** Writes frames to the pair's device end for `durationMs`, then completes the last frame. */
export async function sendFrames(pair: PtyPair, o: TrafficOptions): Promise<TrafficResult> {
  const data = frameBlock();
  const state = { written: 0, refused: 0, progressAt: performance.now() };
  const t0 = performance.now();
  const bytesPerMs = o.baud / 10 / 1000;
  const totalPaced = Math.floor((o.durationMs * bytesPerMs) / FRAME_BYTES) * FRAME_BYTES;
  for (;;) {
    const elapsed = performance.now() - t0;
    const done = elapsed >= o.durationMs;
    const target =
      o.mode === 'paced'
        ? Math.min(totalPaced, Math.floor((elapsed * bytesPerMs) / FRAME_BYTES) * FRAME_BYTES)
        : done
          ? Math.ceil(state.written / FRAME_BYTES) * FRAME_BYTES
          : Number.POSITIVE_INFINITY;
    const full = writeUpTo(pair, data, target, state);
    if (done && state.written >= target) break;
    if (performance.now() - state.progressAt > STALL_MS)
      throw new Error(`the pty took nothing for ${STALL_MS} ms after ${state.written} bytes`);
    if (full) await sleep(RETRY_MS);
    else if (o.mode === 'paced') await sleep(TICK_MS);
    else await yieldNow(); // the pty took all it was given: let timers and I/O run, then go on
  }
  return {
    frames: state.written / FRAME_BYTES,
    bytes: state.written,
    seconds: (state.progressAt - t0) / 1000,
    refused: state.refused,
  };
}

/**
 * Writes from the cyclic block until `target` bytes are written in all, or the pty refuses
 * (returns true then). A bounded number of writes per call, so the event loop keeps turning.
 */
function writeUpTo(
  pair: PtyPair,
  data: Buffer,
  target: number,
  state: { written: number; refused: number; progressAt: number },
): boolean {
  for (let calls = 0; calls < 64 && state.written < target; calls++) {
    const at = state.written % data.length;
    const size = Math.min(data.length - at, target - state.written, WRITE_CHUNK);
    const n = pair.sendSome(data.subarray(at, at + size));
    if (n === undefined) throw new Error('the pty pair is unplugged');
    if (n === 0) {
      state.refused += 1;
      return true;
    }
    state.written += n;
    state.progressAt = performance.now();
  }
  return false;
}
