import { closeSync, constants, openSync, readSync, writeSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createPtyPair, hasSocat, type PtyPair } from '../../helpers/pty.js';

/**
 * The serial tests' cable: kernel pseudo-terminal pairs from socat carry bytes both ways, and an
 * unplug (socat killed) and replug (a new pair on the same paths) behave like a USB adapter pulled.
 */

const ci = /^(1|true|yes)$/i.test(process.env['CI'] ?? '');

describe.skipIf(!hasSocat() && !ci)('pty pairs from socat', () => {
  let pair: PtyPair | undefined;
  afterEach(async () => {
    await pair?.stop();
    pair = undefined;
  });

  const openGateway = (path: string) =>
    openSync(path, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOCTTY);
  const readAll = async (fd: number, min: number): Promise<Buffer> => {
    const buf = Buffer.alloc(4096);
    const out: Buffer[] = [];
    let size = 0;
    for (let i = 0; i < 400 && size < min; i++) {
      try {
        const n = readSync(fd, buf, 0, buf.length, null);
        out.push(Buffer.from(buf.subarray(0, n)));
        size += n;
      } catch {
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    return Buffer.concat(out);
  };

  it('carries bytes both ways unchanged (raw mode: no echo, no line discipline)', async () => {
    pair = await createPtyPair();
    const fd = openGateway(pair.gateway);
    try {
      const bytes = Buffer.from([0, 1, 2, 0x0d, 0x0a, 0x7f, 0xff, 0x03, 0x11, 0x13]);
      pair.send(bytes);
      expect(await readAll(fd, bytes.length)).toEqual(bytes);
      writeSync(fd, Buffer.from('PING\r\n'));
      expect((await pair.receive(6)).toString()).toBe('PING\r\n');
    } finally {
      closeSync(fd);
    }
  });

  it('loses the device on unplug and offers the same paths again on replug', async () => {
    pair = await createPtyPair();
    const fd = openGateway(pair.gateway);
    await pair.unplug();
    // The gateway side sees the far end gone: a read ends (0 bytes, hang-up) or fails with EIO.
    let gone: string;
    try {
      gone = `read ${readSync(fd, Buffer.alloc(16), 0, 16, null)}`;
    } catch (err) {
      gone = (err as NodeJS.ErrnoException).code ?? 'error';
    }
    expect(['read 0', 'EIO']).toContain(gone);
    closeSync(fd);
    await pair.replug();
    const again = openGateway(pair.gateway);
    try {
      pair.send('back\n');
      expect((await readAll(again, 5)).toString()).toBe('back\n');
    } finally {
      closeSync(again);
    }
  });
});
