import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  constants,
  existsSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A pair of kernel pseudo-terminals joined by socat, the stand-in for a serial cable: the gateway
 * opens `gateway`, the test plays the device on `device`. Both are stable symlinks (socat `link=`),
 * so `unplug()` (socat killed: both ends vanish) and `replug()` (a new pair on the same paths) look
 * like a USB adapter pulled and put back. Every process is stopped by `stop()`.
 */
export interface PtyPair {
  /** Path the gateway opens. */
  readonly gateway: string;
  /** Path the emulated device uses (the test reads and writes it). */
  readonly device: string;
  unplug(): Promise<void>;
  replug(): Promise<void>;
  /** Writes bytes as the device. */
  send(bytes: Uint8Array | string): void;
  /** Writes as the device, waiting while the pty's small buffer is full (for writes of kilobytes). */
  sendAll(bytes: Uint8Array | string, timeoutMs?: number): Promise<void>;
  /** Reads what the gateway wrote, waiting up to `timeoutMs` for at least `min` bytes. */
  receive(min: number, timeoutMs?: number): Promise<Buffer>;
  /** Whether the device end is open (between `unplug()` and `replug()` it is not). */
  readonly plugged: boolean;
  /**
   * Writes as the device without waiting: returns how many bytes the pty took (0 while its small
   * buffer is full: wait and retry), or `undefined` while unplugged. Never throws for either.
   */
  sendSome(bytes: Uint8Array): number | undefined;
  /**
   * Hands what the gateway writes to `listener` as it arrives, polling the device end every
   * POLL_MS. Follows `unplug()`/`replug()` (the pair reopens the device end itself; nothing arrives
   * in between). Consumes the bytes, so do not mix with `receive()`. Returns the unsubscribe
   * function; `stop()` ends every subscription. The listener must not throw (it runs in a timer).
   */
  onData(listener: (chunk: Buffer) => void): () => void;
  stop(): Promise<void>;
}

/** How often `onData` polls the device end. */
export const POLL_MS = 2;

export function hasSocat(): boolean {
  return spawnSync('socat', ['-V']).error === undefined;
}

export async function createPtyPair(): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), 'cxp-pty-'));
  const gateway = join(dir, 'gateway');
  const device = join(dir, 'device');
  let child: ChildProcess | undefined;
  let fd: number | undefined;
  const listeners = new Set<(chunk: Buffer) => void>();
  let poller: NodeJS.Timeout | undefined;
  const readBuf = Buffer.alloc(65536);
  /** One non-blocking read: bytes, or undefined for nothing now (EAGAIN; EIO while the far end goes). */
  const readSome = (): Buffer | undefined => {
    if (fd === undefined) return undefined;
    try {
      const n = readSync(fd, readBuf, 0, readBuf.length, null);
      return n > 0 ? Buffer.from(readBuf.subarray(0, n)) : undefined;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' || code === 'EIO') return undefined;
      throw err;
    }
  };
  const poll = () => {
    for (let i = 0; i < 16; i++) {
      const chunk = readSome();
      if (!chunk) return;
      for (const listener of [...listeners]) listener(chunk);
    }
  };

  const start = async () => {
    const c = spawn(
      'socat',
      ['-d', '-d', `pty,raw,echo=0,link=${gateway}`, `pty,raw,echo=0,link=${device}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    c.stderr.resume();
    child = c;
    for (let i = 0; i < 200 && !(existsSync(gateway) && existsSync(device)); i++)
      await new Promise((r) => setTimeout(r, 10));
    if (!existsSync(gateway) || !existsSync(device)) throw new Error('socat did not create the pty pair');
    // Non-blocking, so a read with nothing waiting returns EAGAIN instead of blocking the test.
    fd = openSync(device, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOCTTY);
  };
  const kill = async () => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => {
        resolve();
      });
      c.kill('SIGKILL');
    });
    // socat killed cannot remove its links; udev removes a pulled adapter's names. Without this a
    // dangling link could lead to a /dev/pts number already reused by another pair.
    rmSync(gateway, { force: true });
    rmSync(device, { force: true });
  };
  await start();
  const pair: PtyPair = {
    gateway,
    device,
    unplug: kill,
    replug: start,
    get plugged() {
      return fd !== undefined;
    },
    async sendAll(bytes, timeoutMs = 5000) {
      const b = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
      const deadline = Date.now() + timeoutMs;
      for (let at = 0; at < b.length;) {
        const n = pair.sendSome(b.subarray(at));
        if (n === undefined) throw new Error('unplugged');
        at += n;
        if (n > 0) continue;
        if (Date.now() > deadline) throw new Error(`the pty took nothing for ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 1));
      }
    },
    sendSome(bytes) {
      if (fd === undefined) return undefined;
      try {
        return writeSync(fd, bytes);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EIO') return 0;
        throw err;
      }
    },
    onData(listener) {
      // A copy of the function: the same listener subscribed twice still gets two subscriptions.
      const entry = (chunk: Buffer) => {
        listener(chunk);
      };
      listeners.add(entry);
      poller ??= setInterval(poll, POLL_MS);
      return () => {
        listeners.delete(entry);
        if (listeners.size === 0) {
          clearInterval(poller);
          poller = undefined;
        }
      };
    },
    send(bytes) {
      if (fd === undefined) throw new Error('unplugged');
      const b = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
      for (let at = 0; at < b.length;) at += writeSync(fd, b, at);
    },
    async receive(min, timeoutMs = 2000) {
      const out: Buffer[] = [];
      let size = 0;
      const deadline = Date.now() + timeoutMs;
      const buf = Buffer.alloc(65536);
      while (size < min && Date.now() < deadline) {
        if (fd === undefined) break;
        let n = 0;
        try {
          n = readSync(fd, buf, 0, buf.length, null);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
        }
        if (n > 0) {
          out.push(Buffer.from(buf.subarray(0, n)));
          size += n;
        } else await new Promise((r) => setTimeout(r, 5));
      }
      return Buffer.concat(out);
    },
    async stop() {
      listeners.clear();
      clearInterval(poller);
      poller = undefined;
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return pair;
}
