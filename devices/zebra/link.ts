import { connect, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { CxpError } from '../../src/cxp/errors.js';
import { FrameReader, sgdValue } from './status.js';

/**
 * The one raw TCP session to a printer's port 9100. Operations run one at a time (a print server
 * serves one raw session and reads nothing else meanwhile); the socket is opened on demand, reused
 * while operations keep coming, and closed after `idleCloseMs` without one (print servers drop idle
 * sessions anyway). A read that times out leaves the stream in an unknown state (a late answer
 * would be taken for the next one), so the socket is closed and the next operation opens a new one.
 * No half-close while answers are expected: some print servers end the whole session on FIN.
 */
export interface LinkOptions {
  host: string;
  port: number;
  connectTimeoutMs: number;
  readTimeoutMs: number;
  /** A write the printer does not take in this long (it stopped reading) closes the session. */
  writeTimeoutMs: number;
  idleCloseMs: number;
  logger: Logger;
}

/** A read that got no (complete) answer in time: the printer may be in an error state (see ~HS). */
export class ReadTimeout extends CxpError {
  constructor(what: string, ms: number) {
    super('DEVICE_OFFLINE', `no answer to ${what} within ${ms} ms`, { details: { timeout_ms: ms } });
  }
}

export interface LinkIO {
  write(data: string | Uint8Array): Promise<void>;
  /** Sends `command` and reads `count` STX/ETX frames. */
  frames(command: string, count: number, timeoutMs?: number): Promise<string[]>;
  /** Sends an SGD command and reads its quoted value. */
  sgd(command: string, timeoutMs?: number): Promise<string>;
}

/** Text kept while waiting for an answer; more than this is garbage, not an answer. */
const MAX_PENDING_TEXT = 64 * 1024;

export class ZebraLink {
  readonly #o: LinkOptions;
  #socket: Socket | undefined;
  #tail: Promise<unknown> = Promise.resolve();
  #idle: NodeJS.Timeout | undefined;
  #closed = false;
  /** Bytes arrived, handed to the reader waiting now (none waiting: dropped). */
  #onData: ((chunk: Buffer) => void) | undefined;
  #onGone: ((err: CxpError) => void) | undefined;

  constructor(options: LinkOptions) {
    this.#o = options;
  }

  /** Runs `op` alone on the session (opening it if needed). Rejects with a coded CxpError. */
  run<T>(op: (io: LinkIO) => Promise<T>): Promise<T> {
    const result = this.#tail.then(() => this.#runNow(op));
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /** Closes the session now; later operations open a new one (unless `shutdown`). */
  close(): void {
    clearTimeout(this.#idle);
    const s = this.#socket;
    this.#socket = undefined;
    if (s) s.destroy();
  }

  shutdown(): void {
    this.#closed = true;
    this.close();
  }

  async #runNow<T>(op: (io: LinkIO) => Promise<T>): Promise<T> {
    if (this.#closed) throw new CxpError('DEVICE_OFFLINE', 'the printer link is shut down');
    clearTimeout(this.#idle);
    const socket = this.#socket ?? (await this.#open());
    try {
      return await op(this.#io(socket));
    } catch (err) {
      // Unknown stream state after a timeout or a lost connection: start afresh next time.
      if (socket === this.#socket) this.close();
      throw err instanceof CxpError
        ? err
        : new CxpError('CONNECTION_LOST', 'printer connection failed', { cause: err });
    } finally {
      this.#onData = undefined;
      this.#onGone = undefined;
      if (this.#socket === socket) {
        this.#idle = setTimeout(() => {
          this.close();
        }, this.#o.idleCloseMs);
        this.#idle.unref();
      }
    }
  }

  #open(): Promise<Socket> {
    const { host, port, connectTimeoutMs } = this.#o;
    return new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          new CxpError(
            'DEVICE_OFFLINE',
            `no TCP connection to ${host}:${port} within ${connectTimeoutMs} ms`,
          ),
        );
      }, connectTimeoutMs);
      socket.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(
          new CxpError('DEVICE_OFFLINE', `cannot connect to ${host}:${port}: ${err.code ?? err.message}`, {
            details: { errno: err.code },
          }),
        );
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.setKeepAlive(true, 10_000);
        this.#socket = socket;
        // Only the current socket feeds the operation running now: a socket closed earlier (after a
        // timeout) may still report its close while the next operation runs on a new one.
        socket.on('data', (chunk: Buffer) => {
          if (this.#socket === socket) this.#onData?.(chunk);
        });
        const gone = (why: string) => {
          if (this.#socket !== socket) return;
          this.#socket = undefined;
          this.#onGone?.(new CxpError('CONNECTION_LOST', `printer connection ${why}`));
        };
        socket.on('error', (err) => {
          this.#o.logger.debug({ err: err.message }, 'printer socket error');
          gone(`failed: ${err.message}`);
        });
        socket.on('end', () => {
          socket.end();
        });
        socket.on('close', () => {
          gone('closed by the printer');
        });
        resolve(socket);
      });
    });
  }

  #io(socket: Socket): LinkIO {
    const write = (data: string | Uint8Array) =>
      new Promise<void>((resolve, reject) => {
        const ms = this.#o.writeTimeoutMs;
        const timer = setTimeout(() => {
          reject(
            new CxpError('CONNECTION_LOST', `the printer took no data for ${ms} ms (it stopped reading)`, {
              details: { write_timeout_ms: ms },
            }),
          );
        }, ms);
        this.#onGone = (err) => {
          clearTimeout(timer);
          reject(err);
        };
        socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, (err) => {
          clearTimeout(timer);
          if (err) reject(new CxpError('CONNECTION_LOST', `write failed: ${err.message}`));
          else resolve();
        });
      });
    const read = <T>(command: string, timeoutMs: number, take: (chunk: Buffer) => T | undefined) =>
      new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new ReadTimeout(command.trim(), timeoutMs));
        }, timeoutMs);
        const finish = (f: () => void) => {
          clearTimeout(timer);
          this.#onData = undefined;
          f();
        };
        this.#onGone = (err) => {
          finish(() => {
            reject(err);
          });
        };
        this.#onData = (chunk) => {
          const got = take(chunk);
          if (got !== undefined)
            finish(() => {
              resolve(got);
            });
        };
        socket.write(Buffer.from(command, 'latin1'));
      });
    return {
      write,
      frames: (command, count, timeoutMs = this.#o.readTimeoutMs) => {
        const reader = new FrameReader();
        const frames: string[] = [];
        return read(command, timeoutMs, (chunk) => {
          frames.push(...reader.push(chunk));
          return frames.length >= count ? frames.slice(0, count) : undefined;
        });
      },
      sgd: (command, timeoutMs = this.#o.readTimeoutMs) => {
        let text = '';
        return read(command, timeoutMs, (chunk) => {
          text = (text + chunk.toString('latin1')).slice(-MAX_PENDING_TEXT);
          return sgdValue(text);
        });
      },
    };
  }
}
