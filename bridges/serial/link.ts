import type { Logger } from 'pino';
import { SerialPort } from 'serialport';
import { CxpError, type Result } from '../../src/cxp/errors.js';
import { Backoff } from '../../src/runtime/backoff.js';

/**
 * One serial port, kept open: opened exclusively, reopened with capped backoff when it fails to open
 * or goes away (a USB adapter pulled: the port closes with `disconnected`), writes queued one at a
 * time. Bytes go to `onData` as they arrive; framing and decoding are the caller's.
 */
export interface SerialLinkOptions {
  path: string;
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
  logger: Logger;
  onData(chunk: Buffer): void;
  onState(state: 'open' | 'closed', reason?: string): void;
}

export class SerialLink {
  readonly #o: SerialLinkOptions;
  readonly #backoff: Backoff;
  #port: SerialPort | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #open = false;
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
          if (!port || !this.#open) {
            resolve({ ok: false, error: new CxpError('DEVICE_OFFLINE', `${this.#o.path} is not open`) });
            return;
          }
          port.write(Buffer.from(bytes), (err) => {
            if (err) {
              resolve({
                ok: false,
                error: new CxpError('CONNECTION_LOST', `write to ${this.#o.path} failed: ${err.message}`),
              });
              return;
            }
            port.drain(() => {
              resolve({ ok: true, value: undefined });
            });
          });
        }),
    );
    this.#writes = run;
    return run;
  }

  #tryOpen(): void {
    if (!this.#running) return;
    const o = this.#o;
    const port = new SerialPort({
      path: o.path,
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
        this.#retry(`cannot open: ${err.message}`);
        return;
      }
      if (!this.#running || this.#port !== port) {
        port.close();
        return;
      }
      this.#open = true;
      this.opens += 1;
      this.#backoff.reset();
      o.logger.info({ path: o.path, baudRate: o.baudRate }, 'serial port open');
      o.onState('open');
    });
    port.on('data', (chunk: Buffer) => {
      o.onData(chunk);
    });
    port.on('error', (err) => {
      o.logger.debug({ err: err.message, path: o.path }, 'serial port error');
    });
    port.on('close', (err?: Error & { disconnected?: boolean }) => {
      if (this.#port !== port) return;
      const was = this.#open;
      this.#open = false;
      if (was) {
        const reason = err?.disconnected === true ? 'disconnected' : (err?.message ?? 'closed');
        o.logger.warn({ path: o.path, reason }, 'serial port lost');
        o.onState('closed', reason);
      }
      this.#retry('closed');
    });
  }

  #retry(reason: string): void {
    if (!this.#running) return;
    clearTimeout(this.#timer);
    const delay = this.#backoff.next();
    this.#o.logger.debug({ path: this.#o.path, reason, delay }, 'serial port retry');
    this.#timer = setTimeout(() => {
      this.#tryOpen();
    }, delay);
  }
}
