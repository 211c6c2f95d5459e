import { pino } from 'pino';
import { afterEach, describe, expect, it, type TestContext } from 'vitest';
import { SerialLink } from '../../bridges/serial/link.js';
import { appendCrc } from '../../bridges/serial/modbus/crc.js';
import { RtuResponseReader } from '../../bridges/serial/modbus/rtu-reader.js';
import { encodeRequest, type RtuRequest } from '../../bridges/serial/modbus/rtu-request.js';
import type { RtuResponse } from '../../bridges/serial/modbus/rtu-response.js';
import type { Result } from '../../src/cxp/errors.js';
import { until } from './gateway-harness.js';
import { createPtyPair, hasSocat, type PtyPair } from './pty.js';
import {
  FRAME_GAP_MS,
  RequestCutter,
  sendGarbage,
  startEchoCommandDevice,
  startLineDevice,
  startModbusDevice,
  type EmulatedDevice,
} from './serial-devices.js';

/**
 * The serial device emulators on socat pty pairs, with the gateway's SerialLink on the other end:
 * Modbus RTU answers (and silence, corruption, resync, unplug), a talking device, a command device,
 * and a megabyte of garbage.
 */

const sleep = (ms: number) =>
  new Promise<undefined>((r) => {
    setTimeout(() => {
      r(undefined);
    }, ms);
  });
const ci = /^(1|true|yes)$/i.test(process.env['CI'] ?? '');

describe('RequestCutter', () => {
  const encode = (request: RtuRequest) => {
    const frame = encodeRequest(request);
    if (!frame.ok) throw frame.error;
    return frame.value;
  };
  const read = encode({ kind: 'read_holding_registers', unit: 1, address: 0, quantity: 2 });
  const write = encode({ kind: 'write_multiple_registers', unit: 1, address: 4, values: [1, 2] });
  const lengths = (frames: Uint8Array[]) => frames.map((f) => f.length);

  it('cuts requests fed a byte at a time and skips noise and bad CRCs before them', () => {
    const bad = Uint8Array.from(read);
    bad[7] = (bad[7] ?? 0) ^ 0xff;
    const stream = [0x00, 0xff, 0x13, ...bad, ...read, 0x42, 0x99, ...write];
    const cutter = new RequestCutter();
    const frames = stream.flatMap((b) => cutter.push(Uint8Array.of(b), 0));
    expect(frames.map((f) => Array.from(f))).toEqual([Array.from(read), Array.from(write)]);
    expect(cutter.skipped).toBe(3 + bad.length + 2);
  });

  it('skips a request for a function it cannot frame, and finds the next one', () => {
    const unknown = appendCrc(Uint8Array.of(1, 0x2b, 0x0e, 0x01, 0x00));
    expect(lengths(new RequestCutter().push(Uint8Array.from([...unknown, ...read]), 0))).toEqual([8]);
  });

  it('throws away an incomplete frame after FRAME_GAP_MS of silence', () => {
    // Noise that reads as the head of a write of 64 bytes would otherwise swallow the next request.
    const noise = Uint8Array.of(1, 0x10, 0, 0, 0, 32, 64);
    const quick = new RequestCutter();
    expect(lengths([...quick.push(noise, 0), ...quick.push(read, FRAME_GAP_MS)])).toEqual([]);
    const slow = new RequestCutter();
    expect(lengths([...slow.push(noise, 0), ...slow.push(read, FRAME_GAP_MS + 1)])).toEqual([8]);
    expect(slow.skipped).toBe(noise.length);
  });
});

describe.skipIf(!hasSocat() && !ci)('serial device emulators on a pty pair', () => {
  const cleanups = new Map<string, (() => Promise<unknown>)[]>();
  // Per test, so the file also runs with --sequence.concurrent.
  afterEach(async ({ task }) => {
    for (const c of (cleanups.get(task.id) ?? []).reverse()) await c();
    cleanups.delete(task.id);
  });

  /** A pty pair and a SerialLink on its gateway end, both stopped after the test. */
  async function rig(ctx: TestContext) {
    const own = (c: () => Promise<unknown>) => {
      cleanups.set(ctx.task.id, [...(cleanups.get(ctx.task.id) ?? []), c]);
    };
    const pair: PtyPair = await createPtyPair();
    own(() => pair.stop());
    let received = 0;
    const chunks: Buffer[] = [];
    let reader: RtuResponseReader | undefined;
    const link = new SerialLink({
      path: pair.gateway,
      baudRate: 115200,
      reconnect: { initialMs: 20, maxMs: 100 },
      logger: pino({ level: 'silent' }),
      onData: (c) => {
        received += c.length;
        if (reader) reader.feed(c);
        else if (received <= 65536) chunks.push(c);
      },
      onState: () => undefined,
    });
    own(() => link.stop());
    link.start();
    await until(() => link.isOpen, 3000, 'link open');
    const device = <D extends EmulatedDevice>(d: D): D => {
      own(() => d.stop());
      return d;
    };
    /** One Modbus transaction: the reader's result, or 'timeout' after `timeoutMs` of silence. */
    const modbus = async (
      request: RtuRequest,
      timeoutMs = 2000,
    ): Promise<Result<RtuResponse> | 'timeout'> => {
      const frame = encodeRequest(request);
      if (!frame.ok) throw frame.error;
      const r = new RtuResponseReader(request);
      reader = r;
      const written = await Promise.race([link.write(frame.value), sleep(timeoutMs)]);
      if (!written?.ok) throw new Error(`link.write: ${written ? written.error.code : 'no callback'}`);
      const deadline = Date.now() + timeoutMs;
      while (!r.done && Date.now() < deadline) await sleep(5);
      reader = undefined;
      return r.result ?? 'timeout';
    };
    /**
     * Pulls the cable and waits for the link to see it. After a tty hang-up the gateway end's read
     * usually returns 0 bytes, which serialport 13 retries forever without reporting a disconnect;
     * a write then fails with EIO and does report it. The write waits until the link has had time to
     * see a read error, since a write racing serialport's own close never calls back.
     */
    const unplug = async () => {
      await pair.unplug();
      await until(() => !link.isOpen, 300, 'link closed').catch(() => undefined);
      if (link.isOpen) void link.write(Uint8Array.of(0));
      await until(() => !link.isOpen, 3000, 'link closed after a write');
    };
    return {
      pair,
      link,
      device,
      modbus,
      unplug,
      received: () => received,
      text: () => Buffer.concat(chunks).toString(),
    };
  }

  const readHolding = { kind: 'read_holding_registers', unit: 7, address: 10, quantity: 3 } as const;

  it('answers a read of holding registers with the server tables', async (ctx) => {
    const { pair, device, modbus } = await rig(ctx);
    const d = device(startModbusDevice(pair, { unit: 7 }));
    d.server.holdingRegisters.set([100, 0xbeef, 7], 10);
    const result = await modbus(readHolding);
    expect(result).toMatchObject({ ok: true, value: { unit: 7, address: 10, registers: [100, 0xbeef, 7] } });
    expect([d.requests, d.responses, d.errors]).toEqual([1, 1, []]);
  });

  it('applies a write single register to the server table, after responseDelayMs', async (ctx) => {
    const { pair, device, modbus } = await rig(ctx);
    const d = device(startModbusDevice(pair, { unit: 7, responseDelayMs: 80 }));
    const started = Date.now();
    const result = await modbus({ kind: 'write_single_register', unit: 7, address: 3, value: 4242 });
    expect(result).toMatchObject({ ok: true, value: { address: 3, value: 4242 } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(70);
    expect(d.server.holdingRegisters[3]).toBe(4242);
  });

  it('stays silent for another unit, and skips line noise before a request', async (ctx) => {
    const { pair, link, device, modbus } = await rig(ctx);
    const d = device(startModbusDevice(pair, { unit: 7 }));
    expect(await modbus({ ...readHolding, unit: 8 }, 300)).toBe('timeout');
    await until(() => d.requests === 1, 2000, 'the request seen');
    expect(d.responses).toBe(0);
    await link.write(Uint8Array.of(0x00, 0xff, 0x13, 0x07));
    expect(await modbus(readHolding)).toMatchObject({ ok: true });
    expect(d.skipped).toBeGreaterThanOrEqual(4);
  });

  it('corrupts or drops answers through the corrupt hook', async (ctx) => {
    const { pair, device, modbus } = await rig(ctx);
    let mode: 'flip' | 'drop' | 'pass' = 'flip';
    const d = device(
      startModbusDevice(pair, {
        unit: 7,
        corrupt: (response) => {
          if (mode === 'drop') return undefined;
          const out = Uint8Array.from(response);
          if (mode === 'flip') out[out.length - 1] = (out[out.length - 1] ?? 0) ^ 0x01;
          return out;
        },
      }),
    );
    const flipped = await modbus(readHolding);
    expect(flipped !== 'timeout' && !flipped.ok && flipped.error.code).toBe('MALFORMED_MESSAGE');
    mode = 'drop';
    expect(await modbus(readHolding, 300)).toBe('timeout');
    await until(() => d.requests === 2, 2000, 'the dropped request seen');
    mode = 'pass';
    expect(await modbus(readHolding)).toMatchObject({ ok: true });
    expect([d.requests, d.responses]).toEqual([3, 2]);
  });

  it('answers again after an unplug and replug (the link reopens by itself)', async (ctx) => {
    const { pair, link, device, modbus, unplug } = await rig(ctx);
    const d = device(startModbusDevice(pair, { unit: 7 }));
    expect(await modbus(readHolding)).toMatchObject({ ok: true });
    await unplug();
    await sleep(100);
    await pair.replug();
    await until(() => link.isOpen, 3000, 'link reopened');
    d.server.holdingRegisters[10] = 99;
    expect(await modbus(readHolding)).toMatchObject({ ok: true, value: { registers: [99, 0, 0] } });
    expect(d.errors).toEqual([]);
  });

  it('a line device sends frames, goes silent on pause(), resumes, and rides out an unplug', async (ctx) => {
    const { pair, link, device, text, unplug } = await rig(ctx);
    const frame = 'weight=12.5 kg\n';
    const d = device(startLineDevice(pair, { lines: () => frame, intervalMs: 20 }));
    const frames = () => text().split('\n').length - 1;
    await until(() => frames() >= 3, 2000, 'three frames');
    expect(text().startsWith(frame.repeat(3))).toBe(true);
    d.pause();
    await until(() => frames() === d.sent, 2000, 'frames in flight');
    const seen = frames();
    await sleep(200);
    expect([frames(), d.sent]).toEqual([seen, seen]);
    d.resume();
    await until(() => frames() > seen, 2000, 'frames after resume');
    await unplug();
    const unplugged = d.sent;
    await sleep(100);
    expect(d.sent).toBe(unplugged);
    await pair.replug();
    await until(() => link.isOpen, 3000, 'link reopened');
    const back = frames();
    await until(() => frames() > back, 2000, 'frames after replug');
    expect(d.errors).toEqual([]);
  });

  it('an echo command device answers each command and records it', async (ctx) => {
    const { pair, link, device, text } = await rig(ctx);
    const d = device(
      startEchoCommandDevice(pair, {
        delimiter: '\r\n',
        reply: (command) =>
          command.toString() === 'T' ? 'OK\r\n' : command.toString() === 'Q' ? undefined : 'ES\r\n',
      }),
    );
    await link.write(Buffer.from('T\r\nQ\r'));
    await link.write(Buffer.from('\nX\r\n'));
    await until(
      () => text() === 'OK\r\nES\r\n',
      2000,
      () => `answers, got ${JSON.stringify(text())}`,
    );
    expect(d.commands).toEqual(['T', 'Q', 'X']);
  });

  it('sendGarbage delivers a mebibyte in full to the gateway', async (ctx) => {
    const { pair, received } = await rig(ctx);
    const size = 1024 * 1024;
    expect(await sendGarbage(pair, size)).toBe(size);
    await until(
      () => received() >= size,
      3000,
      () => `${size} bytes, got ${received()}`,
    );
    await sleep(50);
    expect(received()).toBe(size);
  });

  it('sendGarbage reports how far it got when the pair is unplugged', async (ctx) => {
    const { pair } = await rig(ctx);
    await pair.unplug();
    await expect(sendGarbage(pair, 10)).rejects.toThrow(/unplugged after 0 of 10 bytes/);
  });
});
