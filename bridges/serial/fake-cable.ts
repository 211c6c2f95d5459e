import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
// binding-mock's package exports name no types for `import`; its CommonJS entry has them.
import type { MockBindingInterface, MockPortBinding } from '@serialport/binding-mock' with {
  'resolution-mode': 'require',
};
import type { Cable, SerialBinding } from './link-contract.js';

const { MockBinding } = createRequire(import.meta.url)('@serialport/binding-mock') as {
  MockBinding: MockBindingInterface;
};

/**
 * A scriptable serial cable for tests (never imported by production code), over serialport's
 * binding-mock: the link opens `path` through `binding`, the test plays the device with `send` and
 * `receive`, and `unplug`/`replug` pull the cable and put it back, as the pty pair of
 * test/helpers/pty.ts does with socat. It behaves like a tty where the contract needs it:
 *
 * - a path that is not plugged fails to open with the kernel's "No such file or directory";
 * - an unplug fails the open port's pending read and write with EIO (not `canceled`), so the stream
 *   reports a disconnect by itself, and every later call on that port fails the same way;
 * - the device end holds `capacity` unread bytes; beyond that a write waits (a pty's buffers full)
 *   until `receive` takes some, the port closes (canceled) or the cable is unplugged (EIO);
 * - bytes sent while nothing has the port open wait in the port's input queue; an unplug drops them;
 * - a close completes after an I/O round trip, as the native binding's does on libuv's thread pool:
 *   the stream's 'close' comes after anything its other handlers queue with process.nextTick.
 *
 * MockBinding keeps one registry per module instance (this file loads the CommonJS one): each cable has its own path and only ever creates
 * its own port there. `MockBinding.reset()` is never called (it would remove the ports of every other
 * cable in the file); the registry has no way to remove one port, so a stopped cable's entry stays
 * behind, under a path nothing else uses, and its binding refuses to open it.
 */

export interface FakeCableOptions {
  /** Unread bytes the device end holds before writes wait; default 64 KiB. */
  capacity?: number;
}

export interface FakeCable extends Cable {
  readonly binding: SerialBinding;
  /** Whether the cable is plugged in (between `unplug()` and `replug()` it is not). */
  readonly plugged: boolean;
  /** Whether the link has the port open now. */
  readonly portOpen: boolean;
}

type OpenOptions = Parameters<SerialBinding['open']>[0];
type PortHandle = Awaited<ReturnType<SerialBinding['open']>>;

let cables = 0;

export function createFakeCable(options: FakeCableOptions = {}): FakeCable {
  return new FakeSerialCable(options.capacity ?? 64 * 1024);
}

class FakeSerialCable implements FakeCable {
  readonly path = `/dev/fake-cable/${process.pid}-${++cables}-${randomUUID().slice(0, 8)}`;
  readonly binding: SerialBinding;
  readonly #capacity: number;
  #plugged = true;
  /** Unplugs so far: an open that spans one fails. */
  #unplugs = 0;
  #stopped = false;
  #port: FakePort | undefined;
  /** Sent while nothing had the port open: delivered on the next open. */
  #held: Buffer[] = [];
  /** Woken whenever the link writes (receive waits on it). */
  readonly #written = new Signal();

  constructor(capacity: number) {
    this.#capacity = capacity;
    MockBinding.createPort(this.path, { echo: false, record: true });
    this.binding = {
      list: () => Promise.resolve(this.#plugged ? [portInfo(this.path)] : []),
      open: (o) => this.#open(o),
    };
  }

  get plugged(): boolean {
    return this.#plugged;
  }

  get portOpen(): boolean {
    return this.#port?.isOpen ?? false;
  }

  send(bytes: Uint8Array | string): void {
    if (!this.#plugged) throw new Error('unplugged');
    const b = Buffer.from(bytes);
    if (this.#port?.isOpen) this.#port.emit(b);
    else this.#held.push(b);
  }

  async receive(min: number, timeoutMs = 2000): Promise<Buffer> {
    const out: Buffer[] = [];
    let size = 0;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const chunk = this.#port?.take();
      if (chunk && chunk.length > 0) {
        out.push(chunk);
        size += chunk.length;
      }
      const left = deadline - Date.now();
      if (size >= min || left <= 0) return Buffer.concat(out);
      await this.#written.wait(left);
    }
  }

  unplug(): Promise<void> {
    if (this.#plugged) {
      this.#plugged = false;
      this.#unplugs++;
      this.#held = [];
      this.#port?.unplug();
      this.#port = undefined;
    }
    return Promise.resolve();
  }

  replug(): Promise<void> {
    if (this.#stopped) return Promise.reject(new Error('the cable is stopped'));
    if (!this.#plugged) {
      // A fresh port under the same path: a device plugged back in (the old port stays gone).
      MockBinding.createPort(this.path, { echo: false, record: true });
      this.#plugged = true;
    }
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.unplug();
  }

  async #open(options: OpenOptions): Promise<PortHandle> {
    const { path } = options;
    if (path !== this.path || !this.#plugged) throw noSuchFile(path);
    const unplugs = this.#unplugs;
    const inner = await MockBinding.open(options);
    if (unplugs !== this.#unplugs) {
      // Pulled while opening.
      await inner.close();
      throw noSuchFile(path);
    }
    const port = new FakePort(inner, this.#capacity, {
      written: () => {
        this.#written.wake();
      },
      closed: () => {
        if (this.#port === port) this.#port = undefined;
      },
    });
    this.#port = port;
    for (const b of this.#held.splice(0)) port.emit(b);
    return port;
  }
}

interface FakePortHooks {
  written(): void;
  closed(): void;
}

/** The port the link holds open: binding-mock's, with a device that can go away and fill up. */
class FakePort implements PortHandle {
  readonly #inner: MockPortBinding;
  readonly #capacity: number;
  readonly #hooks: FakePortHooks;
  #gone = false;
  /** Rejects with EIO on unplug: pending reads and writes race it. */
  readonly #unplugged: Promise<never>;
  #rejectUnplugged: (err: Error) => void = () => undefined;
  /** Rejects with a canceled error on close: pending writes race it. */
  readonly #closing: Promise<never>;
  #rejectClosing: (err: Error) => void = () => undefined;
  /** Woken when the device takes bytes (a write waiting for room retries). */
  readonly #room = new Signal();

  constructor(inner: MockPortBinding, capacity: number, hooks: FakePortHooks) {
    this.#inner = inner;
    this.#capacity = capacity;
    this.#hooks = hooks;
    this.#unplugged = new Promise<never>((_, reject) => {
      this.#rejectUnplugged = reject;
    });
    this.#closing = new Promise<never>((_, reject) => {
      this.#rejectClosing = reject;
    });
    // Nobody may be waiting when they reject.
    this.#unplugged.catch(() => undefined);
    this.#closing.catch(() => undefined);
  }

  get openOptions(): PortHandle['openOptions'] {
    return this.#inner.openOptions;
  }

  get isOpen(): boolean {
    return this.#inner.isOpen;
  }

  /** The device sends. */
  emit(bytes: Buffer): void {
    this.#inner.emitData(bytes);
  }

  /** The device reads everything the link wrote so far. */
  take(): Buffer {
    const bytes = this.#inner.recording;
    this.#inner.recording = Buffer.alloc(0);
    if (bytes.length > 0) this.#room.wake();
    return bytes;
  }

  unplug(): void {
    this.#gone = true;
    this.#rejectUnplugged(io('the device went away'));
  }

  async close(): Promise<void> {
    this.#rejectClosing(canceled('port is closed'));
    try {
      await this.#inner.close();
      // The native binding closes the descriptor on libuv's thread pool: the close completes after
      // an I/O round trip, later than anything queued with process.nextTick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      this.#hooks.closed();
    }
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    this.#check('read');
    return Promise.race([this.#inner.read(buffer, offset, length), this.#unplugged]);
  }

  async write(buffer: Buffer): Promise<void> {
    this.#check('write');
    for (let at = 0; at < buffer.length;) {
      const room = this.#capacity - this.#inner.recording.length;
      if (room <= 0) {
        await Promise.race([this.#room.wait(), this.#unplugged, this.#closing]);
        this.#check('write');
        continue;
      }
      const n = Math.min(room, buffer.length - at);
      await Promise.race([this.#inner.write(buffer.subarray(at, at + n)), this.#unplugged]);
      at += n;
      this.#hooks.written();
    }
  }

  async update(options: Parameters<PortHandle['update']>[0]): Promise<void> {
    this.#check('update');
    await this.#inner.update(options);
  }

  async set(options: Parameters<PortHandle['set']>[0]): Promise<void> {
    this.#check('set');
    await this.#inner.set(options);
  }

  async get(): ReturnType<PortHandle['get']> {
    this.#check('get');
    return await this.#inner.get();
  }

  async getBaudRate(): Promise<{ baudRate: number }> {
    this.#check('getBaudRate');
    return await this.#inner.getBaudRate();
  }

  async flush(): Promise<void> {
    this.#check('flush');
    await this.#inner.flush();
  }

  async drain(): Promise<void> {
    this.#check('drain');
    await Promise.race([this.#inner.drain(), this.#unplugged]);
  }

  /** Every call on a port whose device went away fails as a hung-up tty's do. */
  #check(op: string): void {
    if (this.#gone) throw io(op);
  }
}

/** Wakes everyone waiting; a wait also ends after its timeout. */
class Signal {
  readonly #waiters: (() => void)[] = [];

  wait(timeoutMs?: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(done, timeoutMs);
      const waiters = this.#waiters;
      function done() {
        clearTimeout(timer);
        const i = waiters.indexOf(done);
        if (i >= 0) waiters.splice(i, 1);
        resolve();
      }
      waiters.push(done);
    });
  }

  wake(): void {
    for (const done of this.#waiters.slice()) done();
  }
}

function portInfo(path: string) {
  return {
    path,
    manufacturer: 'cxp-edge fake cable',
    serialNumber: undefined,
    pnpId: undefined,
    locationId: undefined,
    productId: undefined,
    vendorId: undefined,
  };
}

/** What the platform binding reports for a path that does not exist. */
function noSuchFile(path: string): Error {
  return Object.assign(new Error(`Error: No such file or directory, cannot open ${path}`), {
    code: 'ENOENT',
  });
}

/** A tty whose device went away fails reads and writes with EIO; not canceled, so a disconnect. */
function io(what: string): Error {
  return Object.assign(new Error(`EIO: i/o error, ${what}`), { code: 'EIO', errno: -5 });
}

/** How a binding fails the operations a close interrupts (the stream ignores these). */
function canceled(message: string): Error {
  return Object.assign(new Error(message), { canceled: true });
}
