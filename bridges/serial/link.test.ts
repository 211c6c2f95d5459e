import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../test/helpers/gateway-harness.js';
import { createPtyPair, hasSocat, type PtyPair } from '../../test/helpers/pty.js';
import { SerialLink } from './link.js';

/** The serial link on kernel pseudo-terminals from socat: data, writes, unplug and replug. */

const ci = /^(1|true|yes)$/i.test(process.env['CI'] ?? '');

describe.skipIf(!hasSocat() && !ci)('SerialLink on a pty pair', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  function link(path: string) {
    const chunks: Buffer[] = [];
    const states: string[] = [];
    const l = new SerialLink({
      path,
      baudRate: 115200,
      reconnect: { initialMs: 50, maxMs: 200 },
      logger: pino({ level: 'silent' }),
      onData: (c) => chunks.push(c),
      onState: (s, reason) => states.push(reason === undefined ? s : `${s}:${reason}`),
    });
    cleanups.push(() => l.stop());
    return { l, chunks, states, text: () => Buffer.concat(chunks).toString() };
  }

  it('reads what the device sends and writes in order', async () => {
    const pair: PtyPair = await createPtyPair();
    cleanups.push(() => pair.stop());
    const { l, text } = link(pair.gateway);
    l.start();
    await until(() => l.isOpen, 3000, 'open');
    pair.send('weight=12.5 kg\n');
    await until(() => text() === 'weight=12.5 kg\n', 3000, 'data');
    const writes = await Promise.all([l.write(Buffer.from('T\r\n')), l.write(Buffer.from('P\r\n'))]);
    expect(writes.every((w) => w.ok)).toBe(true);
    expect((await pair.receive(6)).toString()).toBe('T\r\nP\r\n');
  });

  it('sees an unplug, reopens after the replug within its backoff, and data flows again', async () => {
    const pair = await createPtyPair();
    cleanups.push(() => pair.stop());
    const { l, states, text } = link(pair.gateway);
    l.start();
    await until(() => l.isOpen, 3000, 'open');
    await pair.unplug();
    await until(() => states.some((s) => s.startsWith('closed')), 3000, 'closed');
    const failed = await l.write(Buffer.from('x'));
    expect(failed.ok ? 'ok' : failed.error.code).toBe('DEVICE_OFFLINE');
    await pair.replug();
    const replugged = Date.now();
    await until(() => l.isOpen, 3000, 'reopened');
    expect(Date.now() - replugged).toBeLessThan(1000);
    expect(l.opens).toBe(2);
    pair.send('again\n');
    await until(() => text().endsWith('again\n'), 3000, 'data after replug');
  });

  it('sees every unplug by itself, without a write to provoke it, and spins no CPU meanwhile', async () => {
    // A hung-up tty reads 0 bytes; the stock serialport binding retries that forever (bindings-cpp
    // #162): the unplug went unseen in 4 of 6 tries before bridges/serial/binding.ts.
    const pair = await createPtyPair();
    cleanups.push(() => pair.stop());
    const { l, states } = link(pair.gateway);
    l.start();
    for (let i = 1; i <= 6; i++) {
      await until(() => l.isOpen, 3000, `open ${i}`);
      const cpu = process.cpuUsage();
      const started = Date.now();
      await pair.unplug();
      await until(() => !l.isOpen, 1500, `unplug ${i} seen`);
      expect(states.filter((s) => s === 'closed:disconnected')).toHaveLength(i);
      await new Promise((r) => setTimeout(r, 100));
      const used = process.cpuUsage(cpu);
      // a spinning read loop burns the whole interval; a quiet one a small part of it
      expect((used.user + used.system) / 1000).toBeLessThan((Date.now() - started) * 0.8);
      await pair.replug();
    }
  });

  it('keeps retrying a port that does not exist yet, and opens it once it appears', async () => {
    const pair = await createPtyPair();
    cleanups.push(() => pair.stop());
    await pair.unplug();
    const { l } = link(pair.gateway);
    l.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(l.isOpen).toBe(false);
    await pair.replug();
    await until(() => l.isOpen, 3000, 'open once present');
  });
});
