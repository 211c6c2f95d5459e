import { randomFillSync } from 'node:crypto';
import { hasValidCrc } from '../../bridges/serial/modbus/crc.js';
import { FakeRtuServer } from '../../bridges/serial/modbus/fake-rtu-server.js';
import { RTU_LIMITS } from '../../bridges/serial/modbus/rtu-request.js';
import type { PtyPair } from './pty.js';

/**
 * Serial field devices on the device end of a pty pair, for integration tests and the serial bench: a
 * Modbus RTU server, a device that talks by itself, one that answers commands, a garbage source. They
 * read through `pair.onData` (the pair's own device fd, polled), not a second fd or a SerialPort: the
 * pair closes and reopens that fd in unplug/replug, so emulators follow the cable without reopen loops,
 * never touch a closed or reused fd number, and never race the pair for bytes.
 */

/** What every emulator has; `stop()` (idempotent) releases its every timer and subscription. */
export interface EmulatedDevice {
  /** Errors thrown by callbacks (`lines`, `reply`, `corrupt`): kept here, never thrown from a timer. */
  readonly errors: readonly Error[];
  /** Bytes the device meant to send but lost: unplugged with bytes queued, or its queue full. */
  readonly dropped: number;
  stop(): Promise<void>;
}

/** Most a device holds unsent while the gateway does not read (policy: drop-newest, counted). */
export const DEVICE_QUEUE_BYTES = 65536;
/** sendGarbage gives up when the pty has taken nothing for this long (the gateway is not reading). */
export const GARBAGE_STALL_MS = 5000;
const RETRY_MS = 1;

/**
 * What every emulator shares: the data subscription (`listen`, then `onChunk`), a bounded outgoing
 * queue written as fast as the pty takes it (unplugging loses what is queued, as pulling a cable
 * does), tracked timers, and callbacks run under `guard` so nothing throws out of a timer.
 */
class DeviceBase implements EmulatedDevice {
  readonly errors: Error[] = [];
  dropped = 0;
  protected readonly pair: PtyPair;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #queue: Buffer[] = [];
  #queued = 0;
  #pumping = false;
  #unsubscribe: (() => void) | undefined;
  #stopped = false;

  constructor(pair: PtyPair) {
    this.pair = pair;
  }

  stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#queue.length = 0;
    this.#queued = 0;
    return Promise.resolve();
  }

  /** Starts handing what the gateway writes to `onChunk`. */
  protected listen(): void {
    this.#unsubscribe ??= this.pair.onData((chunk) => {
      this.guard(() => {
        this.onChunk(chunk);
      });
    });
  }

  protected onChunk(_chunk: Buffer): void {
    // Devices that only talk ignore what they hear.
  }

  /** Queues bytes for the gateway; false when they are dropped (stopped, unplugged, queue full). */
  protected send(bytes: Uint8Array): boolean {
    const full = this.#queued + bytes.length > DEVICE_QUEUE_BYTES;
    if (this.#stopped || !this.pair.plugged || full) {
      this.dropped += bytes.length;
      return false;
    }
    if (bytes.length === 0) return true;
    this.#queue.push(Buffer.from(bytes));
    this.#queued += bytes.length;
    if (!this.#pumping) this.#pump();
    return true;
  }

  /** Runs `fn` now (ms 0) or later, tracked so `stop()` cancels it; errors go to `errors`. */
  protected after(ms: number, fn: () => void): void {
    if (ms <= 0) {
      this.guard(fn);
      return;
    }
    if (this.#stopped) return;
    const t = setTimeout(() => {
      this.#timers.delete(t);
      this.guard(fn);
    }, ms);
    this.#timers.add(t);
  }

  protected guard(fn: () => void): void {
    if (this.#stopped) return;
    try {
      fn();
    } catch (err) {
      this.errors.push(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #pump(): void {
    this.#pumping = false;
    for (let head = this.#queue[0]; head !== undefined; head = this.#queue[0]) {
      const n = this.pair.sendSome(head);
      if (n === undefined) {
        this.dropped += this.#queued;
        this.#queue.length = 0;
        this.#queued = 0;
        return;
      }
      if (n === 0) {
        this.#pumping = true;
        this.after(RETRY_MS, () => {
          this.#pump();
        });
        return;
      }
      this.#queued -= n;
      if (n === head.length) this.#queue.shift();
      else this.#queue[0] = head.subarray(n);
    }
  }
}

export interface ModbusDeviceOptions {
  unit: number;
  /** The tables it serves; a new FakeRtuServer for `unit` by default. Its unit must be `unit`. */
  server?: FakeRtuServer;
  /** Time between a complete request and the response going out. Default 0. */
  responseDelayMs?: number;
  /** Rewrites each response (flip a byte, truncate it) or returns undefined to stay silent. */
  corrupt?: (response: Uint8Array) => Uint8Array | undefined;
}

export interface ModbusDevice extends EmulatedDevice {
  readonly server: FakeRtuServer;
  /** Complete request frames with a valid CRC seen on the line, for any unit. */
  readonly requests: number;
  /** Responses queued for the pty, after `corrupt` (not those refused because it was unplugged). */
  readonly responses: number;
  /** Bytes skipped to find a request frame (noise, a bad CRC, an unknown function). */
  readonly skipped: number;
}

/**
 * The length of the request at the start of `buf[0..len)` (functions 1-6: 8; 15, 16: 9 + byte count),
 * `undefined` while more bytes are needed, `null` for an unknown function or an impossible length.
 */
export function requestLength(buf: Uint8Array, len: number): number | null | undefined {
  if (len < 2) return undefined;
  const fn = buf[1] ?? 0;
  if (fn >= 0x01 && fn <= 0x06) return 8;
  if (fn !== 0x0f && fn !== 0x10) return null;
  if (len < 7) return undefined;
  const length = 9 + (buf[6] ?? 0);
  return length <= RTU_LIMITS.maxFrame ? length : null;
}

/** Silence after which an incomplete request is thrown away (RTU's t3.5, widened for pty timing). */
export const FRAME_GAP_MS = 20;

/**
 * Cuts a request byte stream into frames, resynchronising by dropping one byte whenever no frame with
 * a valid CRC starts at the front, and dropping an incomplete frame when FRAME_GAP_MS of silence
 * follows it (else noise that looks like the head of a long request would swallow the next ones).
 * Holds at most 256 bytes. Pure: the caller passes the time.
 */
export class RequestCutter {
  readonly #buf = new Uint8Array(RTU_LIMITS.maxFrame);
  #len = 0;
  #lastAt = -Infinity;
  /** Bytes dropped to resynchronise. */
  skipped = 0;

  /** Adds bytes that arrived at `nowMs`; returns the request frames they completed (copies). */
  push(chunk: Uint8Array, nowMs: number): Uint8Array[] {
    if (nowMs - this.#lastAt > FRAME_GAP_MS) {
      this.skipped += this.#len;
      this.#len = 0;
    }
    this.#lastAt = nowMs;
    const frames: Uint8Array[] = [];
    let at = 0;
    while (at < chunk.length) {
      const take = Math.min(chunk.length - at, this.#buf.length - this.#len);
      this.#buf.set(chunk.subarray(at, at + take), this.#len);
      this.#len += take;
      at += take;
      this.#cut(frames);
    }
    return frames;
  }

  #cut(frames: Uint8Array[]): void {
    for (;;) {
      const length = requestLength(this.#buf, this.#len);
      if (length === undefined || (length !== null && this.#len < length)) return;
      if (length !== null && hasValidCrc(this.#buf, 0, length)) {
        frames.push(this.#buf.slice(0, length));
        this.#consume(length);
      } else {
        this.skipped += 1;
        this.#consume(1);
      }
    }
  }

  #consume(n: number): void {
    this.#buf.copyWithin(0, n, this.#len);
    this.#len -= n;
  }
}

class ModbusDeviceEmulator extends DeviceBase implements ModbusDevice {
  readonly server: FakeRtuServer;
  requests = 0;
  responses = 0;
  readonly #cutter = new RequestCutter();
  readonly #o: ModbusDeviceOptions;

  constructor(pair: PtyPair, options: ModbusDeviceOptions) {
    super(pair);
    this.#o = options;
    this.server = options.server ?? new FakeRtuServer({ unit: options.unit });
    this.listen();
  }

  protected override onChunk(chunk: Buffer): void {
    for (const frame of this.#cutter.push(chunk, Date.now())) this.#answer(frame);
  }

  get skipped(): number {
    return this.#cutter.skipped;
  }

  #answer(frame: Uint8Array): void {
    this.requests += 1;
    const response = this.server.respond(frame);
    if (response === undefined) return;
    const bytes = this.#o.corrupt ? this.#o.corrupt(response) : response;
    if (bytes === undefined) return;
    this.after(this.#o.responseDelayMs ?? 0, () => {
      if (this.send(bytes)) this.responses += 1;
    });
  }
}

/** A Modbus RTU server on the device end: answers the gateway's requests from a FakeRtuServer. */
export function startModbusDevice(pair: PtyPair, options: ModbusDeviceOptions): ModbusDevice {
  if (options.server && options.server.unit !== options.unit)
    throw new Error(`server unit ${options.server.unit} is not unit ${options.unit}`);
  return new ModbusDeviceEmulator(pair, options);
}

export interface LineDeviceOptions {
  /** The next frame to send, e.g. `weight=12.5 kg\n` (the delimiter is the caller's). */
  lines: () => string | Buffer;
  intervalMs: number;
}

export interface LineDevice extends EmulatedDevice {
  /** Frames handed to the pty (none while paused or unplugged). */
  readonly sent: number;
  /** Goes silent (a "silent device"); the interval keeps running. */
  pause(): void;
  resume(): void;
}

class LineDeviceEmulator extends DeviceBase implements LineDevice {
  sent = 0;
  #paused = false;
  readonly #timer: NodeJS.Timeout;

  constructor(pair: PtyPair, options: LineDeviceOptions) {
    super(pair);
    const tick = () => {
      if (!this.#paused && this.pair.plugged && this.send(Buffer.from(options.lines()))) this.sent += 1;
    };
    this.#timer = setInterval(() => {
      this.guard(tick);
    }, options.intervalMs);
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
  }

  override stop(): Promise<void> {
    clearInterval(this.#timer);
    return super.stop();
  }
}

/** Sends `lines()` every `intervalMs`, skipping while paused or unplugged. */
export function startLineDevice(pair: PtyPair, options: LineDeviceOptions): LineDevice {
  return new LineDeviceEmulator(pair, options);
}

export interface EchoCommandDeviceOptions {
  /** The answer to one command (without its delimiter), or undefined for none. */
  reply: (command: Buffer) => string | Buffer | undefined;
  /** Ends a command. Default '\n'. */
  delimiter?: string;
}

export interface EchoCommandDevice extends EmulatedDevice {
  /** Every command received, without its delimiter, as UTF-8. */
  readonly commands: readonly string[];
  /** Bytes dropped because no delimiter came within COMMAND_BUFFER_BYTES. */
  readonly skipped: number;
}

/** Most bytes held waiting for a delimiter; beyond it the oldest go (counted in `skipped`). */
export const COMMAND_BUFFER_BYTES = 4096;

class EchoCommandDeviceEmulator extends DeviceBase implements EchoCommandDevice {
  readonly commands: string[] = [];
  skipped = 0;
  #pending: Buffer = Buffer.alloc(0);
  readonly #delimiter: Buffer;
  readonly #reply: EchoCommandDeviceOptions['reply'];

  constructor(pair: PtyPair, options: EchoCommandDeviceOptions) {
    super(pair);
    this.#delimiter = Buffer.from(options.delimiter ?? '\n');
    if (this.#delimiter.length === 0) throw new Error('the delimiter is empty');
    this.#reply = options.reply;
    this.listen();
  }

  protected override onChunk(chunk: Buffer): void {
    let pending = Buffer.concat([this.#pending, chunk]);
    for (let end = pending.indexOf(this.#delimiter); end >= 0; end = pending.indexOf(this.#delimiter)) {
      const command = Buffer.from(pending.subarray(0, end));
      pending = pending.subarray(end + this.#delimiter.length);
      this.commands.push(command.toString());
      this.guard(() => {
        const answer = this.#reply(command);
        if (answer !== undefined) this.send(Buffer.from(answer));
      });
    }
    const excess = pending.length - COMMAND_BUFFER_BYTES;
    if (excess > 0) this.skipped += excess;
    this.#pending = Buffer.from(excess > 0 ? pending.subarray(excess) : pending);
  }
}

/** Answers each delimited command from the gateway with `reply(command)`. */
export function startEchoCommandDevice(pair: PtyPair, options: EchoCommandDeviceOptions): EchoCommandDevice {
  return new EchoCommandDeviceEmulator(pair, options);
}

/**
 * Writes `bytes` random bytes as the device, `chunk` at a time, waiting whenever the pty is full, so
 * nothing is dropped. Resolves with the bytes written (all of them); rejects, saying how many were
 * written, when the pair is unplugged or the pty takes nothing for GARBAGE_STALL_MS.
 */
export async function sendGarbage(pair: PtyPair, bytes: number, chunk = 4096): Promise<number> {
  if (!Number.isInteger(bytes) || bytes < 0) throw new Error(`bytes must be a count, got ${bytes}`);
  if (!Number.isInteger(chunk) || chunk < 1) throw new Error(`chunk must be positive, got ${chunk}`);
  const data = Buffer.alloc(Math.min(chunk, Math.max(bytes, 1)));
  let written = 0;
  let progressAt = Date.now();
  while (written < bytes) {
    const size = Math.min(data.length, bytes - written);
    randomFillSync(data, 0, size);
    for (let at = 0; at < size;) {
      const n = pair.sendSome(data.subarray(at, size));
      const where = `after ${written + at} of ${bytes} bytes`;
      if (n === undefined) throw new Error(`sendGarbage: unplugged ${where}`);
      if (n === 0 && Date.now() - progressAt > GARBAGE_STALL_MS)
        throw new Error(`sendGarbage: the pty took nothing for ${GARBAGE_STALL_MS} ms ${where}`);
      if (n === 0) await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      else [at, progressAt] = [at + n, Date.now()];
    }
    written += size;
  }
  return written;
}
