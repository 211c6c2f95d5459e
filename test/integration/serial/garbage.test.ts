import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../helpers/gateway-harness.js';
import { createPtyPair, hasSocat, type PtyPair } from '../../helpers/pty.js';
import { sendGarbage } from '../../helpers/serial-devices.js';
import { zebraRig, type ZebraRig } from '../../helpers/zebra.js';

/**
 * Bad input on a real pty: a megabyte of random bytes and frames longer than max_frame. What the
 * port holds stays within max_frame whatever arrives (sampled all along), every error is counted,
 * the port turns noisy, and the next good frame still decodes.
 */

const ci = /^(1|true|yes)$/i.test(process.env['CI'] ?? '');
const MAX_FRAME = 256;

describe.skipIf(!hasSocat() && !ci)('serial garbage and oversize frames', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(framing: Record<string, unknown>) {
    const pair: PtyPair = await createPtyPair();
    cleanups.push(() => pair.stop());
    const rig: ZebraRig = zebraRig();
    cleanups.push(() => rig.stop());
    const port = await rig.addSerial({
      id: 'scale-1',
      port: { path: pair.gateway },
      baud_rate: 115200,
      framing: { max_frame: MAX_FRAME, ...framing },
      decode: {
        parse: { type: 'kv', pair_separator: ' ' },
        signals: [{ ref: 'world/{port}/w', field: 'w' }],
      },
      liveness: { error_burst: { count: 5, window_ms: 60_000 } },
    });
    await until(() => port.isOpen, 5000, 'open');
    let peak = 0;
    const sampler = setInterval(() => {
      const b = port.buffered;
      peak = Math.max(peak, b.frameBytes);
    }, 1);
    cleanups.push(() => {
      clearInterval(sampler);
    });
    const errors = async () => {
      const values = (await rig.metrics.errors.get()).values.filter(
        (v) => v.labels.route === 'serial:scale-1',
      );
      return Object.fromEntries(values.map((v) => [String(v.labels.code), v.value]));
    };
    const bytesIn = async () => {
      rig.metrics.flush(); // hot-path counters reach prom-client on flush (as on every scrape)
      return (await rig.metrics.serialBytes.get()).values[0]?.value ?? 0;
    };
    return { pair, rig, port, peak: () => peak, errors, bytesIn };
  }

  // A flood without a pause is one endless gap frame: dropped once (FRAME_TOO_LARGE), not a burst.
  for (const { framing, minErrors } of [
    { framing: { type: 'line' }, minErrors: 10 },
    { framing: { type: 'length_prefixed', length_bytes: 2 }, minErrors: 10 },
    { framing: { type: 'gap', gap_ms: 5 }, minErrors: 1 },
  ]) {
    it(`holds at most max_frame through 1 MiB of random bytes (${framing.type})`, async () => {
      const { pair, rig, port, peak, errors, bytesIn } = await setup(framing);
      const heapBefore = process.memoryUsage().heapUsed;
      const sent = await sendGarbage(pair, 1024 * 1024);
      expect(sent).toBe(1024 * 1024);
      const deadline = Date.now() + 10_000;
      while ((await bytesIn()) < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(await bytesIn()).toBe(sent);
      expect(peak()).toBeLessThanOrEqual(MAX_FRAME + 4);
      expect(port.buffered.contributions).toBe(0);
      const counted = await errors();
      const total = Object.values(counted).reduce((a, b) => a + b, 0);
      expect(total).toBeGreaterThanOrEqual(minErrors);
      if (minErrors >= 5) expect(port.liveness().state).toBe('noisy');
      // a process-level sanity bound: nothing near the megabyte is kept
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
      if (framing.type === 'line') {
        pair.send('\nw=42\n');
        await until(() => rig.store.value('world/scale-1/w') === 42, 3000, 'a good frame after the noise');
      }
    });
  }

  it('drops each oversize line once, counted, and keeps the next', async () => {
    const { pair, rig, errors, peak } = await setup({ type: 'line' });
    const long = `w=${'9'.repeat(5000)}\n`;
    for (let i = 0; i < 3; i++) await pair.sendAll(long);
    await pair.sendAll('w=1\n');
    await until(() => rig.store.value('world/scale-1/w') === 1, 5000, 'the short frame');
    expect((await errors())['FRAME_TOO_LARGE']).toBe(3);
    expect(peak()).toBeLessThanOrEqual(MAX_FRAME + 1);
  });
});
