import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LinuxPortBinding } from '@serialport/bindings-cpp';
import { afterEach, describe, expect, it } from 'vitest';
import { readOrHangup } from './binding.js';

/**
 * The hangup-aware read on a FIFO, which behaves like a hung-up tty once its writer is gone: reads
 * return 0 bytes (end of file). The stock binding retries that forever; this one reports it.
 */

const fds: number[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const fd of fds.splice(0)) closeSync(fd);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function fifo() {
  const dir = mkdtempSync(join(tmpdir(), 'cxp-fifo-'));
  dirs.push(dir);
  const path = join(dir, 'f');
  expect(spawnSync('mkfifo', [path]).status).toBe(0);
  const reader = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(path, constants.O_WRONLY);
  fds.push(reader);
  const poller = new EventEmitter();
  const port = {
    fd: reader as number | null,
    poller,
    get isOpen() {
      return this.fd !== null;
    },
  };
  return { port: port as unknown as LinuxPortBinding & { fd: number | null }, poller, writer };
}

describe('readOrHangup', () => {
  it('returns what is there, waits for readable on EAGAIN, and reports end of file as a hangup', async () => {
    const { port, poller, writer } = fifo();
    writeSync(writer, 'abc');
    const buf = Buffer.alloc(16);
    expect((await readOrHangup(port, buf, 0, 16)).bytesRead).toBe(3);
    const waiting = readOrHangup(port, buf, 0, 16); // nothing there: EAGAIN, then the poller
    await new Promise((r) => setTimeout(r, 20));
    expect(poller.listenerCount('readable')).toBe(1);
    writeSync(writer, 'de');
    poller.emit('readable', null);
    expect((await waiting).bytesRead).toBe(2);
    closeSync(writer); // the device is gone
    await expect(readOrHangup(port, buf, 0, 16)).rejects.toMatchObject({ code: 'EHANGUP' });
  });

  it('passes a poller error on, and cancels when the port closed meanwhile', async () => {
    const { port, poller, writer } = fifo();
    const buf = Buffer.alloc(4);
    const failing = readOrHangup(port, buf, 0, 4);
    await new Promise((r) => setTimeout(r, 20));
    poller.emit('readable', new Error('poll failed'));
    await expect(failing).rejects.toThrow('poll failed');
    closeSync(writer);
    port.fd = null;
    await expect(readOrHangup(port, buf, 0, 4)).rejects.toMatchObject({ canceled: true });
  });

  it('passes other read errors on (the stream then reports a disconnect)', async () => {
    const { port } = fifo();
    port.fd = 987_654; // not open: EBADF
    await expect(readOrHangup(port, Buffer.alloc(4), 0, 4)).rejects.toMatchObject({ code: 'EBADF' });
  });
});
