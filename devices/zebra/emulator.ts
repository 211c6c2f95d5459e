/**
 * A Zebra ZT-series printer as seen on its raw TCP port 9100, for the gateway's tests, the benchmark
 * and `cxp-edge demo`. Built from the documented ZPL/SGD formats, not from any driver:
 *
 * - `emulator-parser.ts` splits the byte stream (formats, tilde commands, SGD lines);
 * - `emulator-state.ts` is the print engine (receive buffer, batches, faults);
 * - `emulator-status.ts` builds the answers (~HS, ~HQES, ~HI, SGD variables);
 * - `emulator-device.ts` ties those together into the printer, without I/O;
 * - `emulator-port.ts` serves the TCP sessions one at a time, with back-pressure;
 * - `emulator-session.ts` is one TCP session (delayed answers, timers).
 *
 * Like the printer, it has one command parser for the whole device: a format left half-sent by a
 * dropped connection stays partial (`h`=1 in ~HS) and continues with the next connection's bytes
 * until `^XZ`, unless `~JX` cancels it. One connection is served at a time.
 */
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:net';
import { ZebraDevice, type ZebraScript } from './emulator-device.js';
import { RawPort } from './emulator-port.js';
import { realTimers, type ZebraFaults } from './emulator-state.js';

export type { ZebraFaults } from './emulator-state.js';
export type { ZebraScript } from './emulator-device.js';

export interface ZebraEmulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** ~HI model, default 'ZT411-203dpi'. */
  model?: string;
  /** ~HI firmware and SGD appl.name, default 'V92.21.39Z'. */
  firmware?: string;
  /** Dots per millimetre, default 8. */
  dpmm?: 6 | 8 | 12 | 24;
  /** Default 8192. */
  memoryKb?: number;
  /** ~HI options field, e.g. 'C' for cutter, default ''. */
  options?: string;
  /** Default 812 (4 in at 203 dpi). */
  printWidthDots?: number;
  /** Default 1218. */
  labelLengthDots?: number;
  /** Printing time per label, default 50. */
  msPerLabel?: number;
  /** SGD device.friendly_name, default 'EMU-ZT411'. */
  friendlyName?: string;
  /** SGD device.languages, default 'hybrid_xml_zpl'. Without "zpl" in it, formats are not printed. */
  languages?: string;
  /** Receive buffer capacity in formats, default 100; when full the emulator stops reading. */
  maxBufferedFormats?: number;
  /** SGD device.unique_id, default 'EMU000000001'. */
  uniqueId?: string;
  /** Connections allowed to wait for the active one, default 16; more are reset. */
  maxWaitingConnections?: number;
}

export interface ZebraEmulatorEvents {
  printed: [formatIndex: number, labelNumber: number];
  format: [text: string];
  command: [command: string];
}

export class ZebraEmulator extends EventEmitter<ZebraEmulatorEvents> {
  /** Scripted behaviour; may be changed (or replaced) at any time. */
  script: ZebraScript = {};
  readonly #server: Server;
  readonly #device: ZebraDevice;
  readonly #raw: RawPort;
  readonly #idleWaiters = new Set<() => void>();
  readonly #host: string;
  #port = 0;
  #stopping: Promise<void> | undefined;
  #stopped = false;

  private constructor(options: ZebraEmulatorOptions) {
    super();
    this.#host = options.host ?? '127.0.0.1';
    this.#device = new ZebraDevice({
      identity: {
        model: options.model ?? 'ZT411-203dpi',
        firmware: options.firmware ?? 'V92.21.39Z',
        dpmm: options.dpmm ?? 8,
        memoryKb: options.memoryKb ?? 8192,
        options: options.options ?? '',
        uniqueId: options.uniqueId ?? 'EMU000000001',
      },
      settings: {
        friendlyName: options.friendlyName ?? 'EMU-ZT411',
        languages: options.languages ?? 'hybrid_xml_zpl',
        printWidthDots: options.printWidthDots ?? 812,
        labelLengthDots: options.labelLengthDots ?? 1218,
        printMode: 'tear off',
        printMethod: 'direct thermal',
        mediaTracking: 'gap/notch',
      },
      msPerLabel: options.msPerLabel ?? 50,
      maxBufferedFormats: Math.max(1, options.maxBufferedFormats ?? 100),
      timers: realTimers,
      script: () => this.script,
      onPrinted: (formatIndex, labelNumber) => this.emit('printed', formatIndex, labelNumber),
      onFormat: (text) => this.emit('format', text),
      onCommand: (command) => this.emit('command', command),
      onRoom: () => {
        this.#raw.pump();
      },
    });
    this.#raw = new RawPort({
      device: this.#device,
      script: () => this.script,
      maxWaitingConnections: options.maxWaitingConnections ?? 16,
      onParsed: () => {
        this.#wakeIdleWaiters();
      },
    });
    this.#server = createServer({ pauseOnConnect: true, allowHalfOpen: true }, (socket) => {
      this.#raw.accept(socket);
    });
  }

  static async start(options: ZebraEmulatorOptions = {}): Promise<ZebraEmulator> {
    const emulator = new ZebraEmulator(options);
    await emulator.#listen(options.port ?? 0);
    return emulator;
  }

  get port(): number {
    return this.#port;
  }

  get host(): string {
    return this.#host;
  }

  /** Every complete ^XA…^XZ format received, as text, in order (the last 1000, at most 64 Mi chars). */
  get formats(): readonly string[] {
    return this.#device.formats;
  }

  /** Labels printed since start (odometer). */
  get printed(): number {
    return this.#device.engine.printed;
  }

  /** Formats waiting or printing. */
  get formatsInBuffer(): number {
    return this.#device.engine.formatsInBuffer;
  }

  /** Labels still to print in the current batch. */
  get labelsRemaining(): number {
    return this.#device.engine.labelsRemaining;
  }

  /** Open connections now (the active one and those waiting). */
  get connections(): number {
    return this.#raw.connections;
  }

  get acceptedConnections(): number {
    return this.#raw.accepted;
  }

  /** Complete formats received since start (`formats` keeps only the last 1000). */
  get formatsReceived(): number {
    return this.#device.formatsReceived;
  }

  /** Formats dropped for growing past 1 MiB without ^XZ. */
  get discardedFormats(): number {
    return this.#device.discardedFormats;
  }

  /** A copy of the fault flags. */
  get faults(): Readonly<ZebraFaults> {
    return this.#device.engine.faults;
  }

  /** Operator actions and fault injection, e.g. set({ paperOut: false }) reloads media. */
  set(faults: Partial<ZebraFaults>): void {
    this.#device.engine.setFaults(faults);
  }

  /** Resolves when nothing is left to print, or rejects after timeoutMs. */
  idle(timeoutMs = 30_000): Promise<void> {
    if (this.#stopped) return Promise.reject(new Error('zebra emulator stopped'));
    if (this.#isIdle()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#idleWaiters.delete(done);
        if (!this.#stopped) resolve();
        else reject(new Error('zebra emulator stopped'));
      };
      const timer = setTimeout(() => {
        this.#idleWaiters.delete(done);
        reject(new Error(`zebra emulator not idle after ${timeoutMs} ms`));
      }, timeoutMs);
      this.#idleWaiters.add(done);
    });
  }

  /** Closes the server and every socket and clears every timer. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= this.#shutdown();
    return this.#stopping;
  }

  async #listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, this.#host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#server.on('error', () => undefined); // e.g. EMFILE on accept: the printer just does not answer
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('zebra emulator has no TCP port');
    this.#port = address.port;
  }

  async #shutdown(): Promise<void> {
    this.#stopped = true;
    this.#device.engine.stop();
    this.#raw.close();
    for (const waiter of [...this.#idleWaiters]) waiter();
    await new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
  }

  #isIdle(): boolean {
    return this.#device.engine.idle && !this.#raw.inputPending;
  }

  #wakeIdleWaiters(): void {
    if (this.#isIdle()) for (const waiter of [...this.#idleWaiters]) waiter();
  }
}
