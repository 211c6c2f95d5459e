import type { Logger } from 'pino';
import type { SerialPortStream } from '@serialport/stream';
import { CxpError, type Result } from '../../src/cxp/errors.js';
import { Backoff } from '../../src/runtime/backoff.js';

/**
 * One serial port, kept open: opened exclusively, reopened with capped backoff when it fails to open
 * or goes away (a USB adapter pulled: the port closes with `disconnected`), writes queued one at a
 * time. Bytes go to `onData` as they arrive; framing and decoding are the caller's.
 */
/**
 * The serialport stream and its native binding load on the first open, not with the gateway: a
 * gateway with no serial port configured does not pay their memory (about 14 MiB of RSS).
 */
interface PortModules {
  Stream: typeof SerialPortStream;
  binding: ConstructorParameters<typeof SerialPortStream>[0]['binding'];
}
let portModules: Promise<PortModules> | undefined;
function loadPortModules(): Promise<PortModules> {
  portModules ??= Promise.all([
    import('@serialport/stream'),
    import('./binding.js'),
    import('@serialport/bindings-cpp'),
  ]).then(([stream, own, cpp]) => ({
    Stream: stream.SerialPortStream,
    // Linux gets the binding that reports a hangup; other systems the stock one.
    binding: process.platform === 'linux' ? own.hangupAwareLinuxBinding : cpp.autoDetect(),
  }));
  return portModules;
}

/** A write the OS has not taken this long after it was handed over fails (and frees the queue). */
const WRITE_TIMEOUT_BASE_MS = 5000;

export interface SerialLinkOptions {
  /**
   * The device path, or a resolver asked before every open attempt (a stable id or USB match can
   * point at another /dev/ttyUSBn after a replug); a failed resolution is retried like a failed open.
   */
  path: string | (() => Result<string>);
  baudRate: number;
  dataBits?: 5 | 6 | 7 | 8;
  stopBits?: 1 | 1.5 | 2;
  parity?: 'none' | 'even' | 'odd' | 'mark' | 'space';
  rs485?: {
    rtsOnSend?: boolean;
    rtsAfterSend?: boolean;
    delayRtsBeforeSendMs?: number;
    delayRtsAfterSendMs?: number;
  };
  reconnect: { initialMs: number; maxMs: number };
  /**
   * The serialport binding to open ports with; default the platform's (on Linux the hangup-aware
   * one of binding.ts). Tests pass a fake (@serialport/binding-mock) to run the link's contract.
   */
  binding?: PortModules['binding'];
  logger: Logger;
  onData(chunk: Buffer): void;
  /** `open` once opened; `closed` when an open port went away or an open attempt failed. */
  onState(state: 'open' | 'closed', reason?: string): void;
  /** Before every reopen attempt, with the delay about to be waited. */
  onRetry?(delayMs: number): void;
}

export class SerialLink {
  readonly #o: SerialLinkOptions;
  readonly #backoff: Backoff;
  #port: SerialPortStream | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #open = false;
  /** The path of the current or last attempt. */
  #path = '';
  /** The last failure reported through onState, so a port that keeps failing is reported once. */
  #lastFailure: string | undefined;
  #writes: Promise<unknown> = Promise.resolve();
  /** Opens since start (a reopen after an unplug counts). */
  opens = 0;

  constructor(options: SerialLinkOptions) {
    this.#o = options;
    this.#backoff = new Backoff({ ...options.reconnect, jitter: 0.1 });
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** The device path of the current or last open attempt ('' before the first). */
  get path(): string {
    return this.#path;
  }

  start(): void {
    this.#running = true;
    this.#tryOpen();
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    const port = this.#port;
    this.#port = undefined;
    if (port?.isOpen)
      await new Promise<void>((resolve) => {
        port.close(() => {
          resolve();
        });
      });
    this.#open = false;
  }

  /** Queues a write; resolves once the bytes are handed to the OS (drained), or with a coded error. */
  write(bytes: Uint8Array): Promise<Result<void>> {
    const run = this.#writes.then(
      () =>
        new Promise<Result<void>>((resolve) => {
          const port = this.#port;
          // A port that is closing holds writes until an open that never comes: refuse them here.
          if (!port || !this.#open || !port.isOpen) {
            resolve({
              ok: false,
              error: new CxpError('DEVICE_OFFLINE', `${this.#path || 'the port'} is not open`),
            });
            return;
          }
          const limit = WRITE_TIMEOUT_BASE_MS + this.#transferMs(bytes.length);
          const timer = setTimeout(() => {
            resolve({
              ok: false,
              error: new CxpError('CONNECTION_LOST', `write to ${this.#path} not taken within ${limit} ms`),
            });
          }, limit);
          port.write(Buffer.from(bytes), (err) => {
            if (err) {
              clearTimeout(timer);
              resolve({
                ok: false,
                error: new CxpError('CONNECTION_LOST', `write to ${this.#path} failed: ${err.message}`),
              });
              return;
            }
            port.drain(() => {
              clearTimeout(timer);
              resolve({ ok: true, value: undefined });
            });
          });
        }),
    );
    this.#writes = run;
    return run;
  }

  /** Time the bytes take on the wire at the port's rate, at a generous 12 bits per character. */
  #transferMs(bytes: number): number {
    return Math.ceil((bytes * 12 * 1000) / this.#o.baudRate);
  }

  #tryOpen(): void {
    if (!this.#running) return;
    const o = this.#o;
    const resolved = typeof o.path === 'string' ? { ok: true as const, value: o.path } : o.path();
    if (!resolved.ok) {
      this.#fail(resolved.error.message);
      return;
    }
    this.#path = resolved.value;
    loadPortModules().then(
      (m) => {
        this.#openWith(m, resolved.value);
      },
      (err: unknown) => {
        this.#fail(`serialport cannot load: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
  }

  #openWith(m: PortModules, path: string): void {
    if (!this.#running) return;
    const o = this.#o;
    const port = new m.Stream({
      binding: o.binding ?? m.binding,
      path,
      baudRate: o.baudRate,
      dataBits: o.dataBits ?? 8,
      stopBits: o.stopBits ?? 1,
      parity: o.parity ?? 'none',
      autoOpen: false,
      lock: true,
      ...(o.rs485 ? { rs485: o.rs485 } : {}),
    });
    this.#port = port;
    port.open((err) => {
      if (err) {
        this.#fail(`cannot open ${path}: ${err.message}`);
        return;
      }
      if (!this.#running || this.#port !== port) {
        port.close();
        return;
      }
      this.#open = true;
      this.opens += 1;
      this.#backoff.reset();
      this.#lastFailure = undefined;
      o.logger.info({ path, baudRate: o.baudRate }, 'serial port open');
      o.onState('open');
    });
    port.on('data', (chunk: Buffer) => {
      o.onData(chunk);
    });
    port.on('error', (err) => {
      o.logger.debug({ err: err.message, path }, 'serial port error');
    });
    port.on('close', (err?: Error & { disconnected?: boolean }) => {
      // A failed write also destroys the stream (autoDestroy), which emits a bare 'close' while the
      // binding is still closing; the stream's own 'close', with the reason, follows. Handle once.
      if (this.#port !== port || (err === undefined && port.closing)) return;
      this.#port = undefined;
      const was = this.#open;
      this.#open = false;
      if (was) {
        const reason = err?.disconnected === true ? 'disconnected' : (err?.message ?? 'closed');
        o.logger.warn({ path, reason }, 'serial port lost');
        o.onState('closed', reason);
      }
      this.#retry('closed');
    });
  }

  /** An open attempt failed: reported once per distinct reason, then retried. */
  #fail(reason: string): void {
    if (!this.#running) return;
    if (reason !== this.#lastFailure) {
      this.#lastFailure = reason;
      this.#o.logger.warn({ reason }, 'serial port not available');
      this.#o.onState('closed', reason);
    }
    this.#retry(reason);
  }

  #retry(reason: string): void {
    if (!this.#running) return;
    clearTimeout(this.#timer);
    const delay = this.#backoff.next();
    this.#o.logger.debug({ path: this.#path, reason, delay }, 'serial port retry');
    this.#o.onRetry?.(delay);
    this.#timer = setTimeout(() => {
      this.#tryOpen();
    }, delay);
  }
}
