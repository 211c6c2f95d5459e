/**
 * The garbage phase (gateway only): random bytes flat out into the serial bridge (framing `line`,
 * `max_frame` left at its default 1024), then one good frame, which must still decode. Shows that
 * noise holds the gateway's memory flat and costs it nothing but errors counted on /metrics.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sendGarbage } from '../../test/helpers/serial-devices.js';
import type { PtyPair } from '../../test/helpers/pty.js';
import { cpuSeconds } from '../ipp/gateway-rig.js';
import { procMemory } from '../mqtt-path/processes.js';
import type { Teardown } from '../mqtt-path/teardown.js';
import { byLabel, sumOf, type Metrics } from './metrics.js';
import { ptyPair, sampleRss, settle, SETTLE_MS } from './phase.js';
import { BYTES_IN, ERRORS, FRAMES_IN, startGateway, until, type GatewayOptions } from './receivers.js';
import { sendFrames } from './traffic.js';

export interface GarbageResult {
  bytes: number;
  /** First garbage byte written -> every byte counted in by the gateway. */
  seconds: number;
  bytesRead: number;
  /** Good frames sent (flat out, 300 ms) before the garbage, so the decode path is warm. */
  warmFrames: number;
  rssBefore: number;
  peakRss: number;
  /** QUIET_MS after the last garbage byte was read. */
  rssAfter: number;
  /** V8 heap in use (cxp_edge_nodejs_heap_size_used_bytes) before the garbage and QUIET_MS after. */
  heapBefore: number;
  heapAfter: number;
  cpuSeconds: number;
  /** Errors counted during the garbage, by code. */
  errors: Map<string, number>;
  /** Frames the garbage was cut into (frames counted in, over-long ones not included). */
  garbageFrames: number;
  good: { decoded: boolean; frames: number; errors: number; versions: number };
}

const VERSION = { name: 'cxp_edge_context_version', labels: {} };
const HEAP_USED = { name: 'cxp_edge_nodejs_heap_size_used_bytes', labels: {} };
export const GOOD_FRAME = 'w=42.195 seq=777777\n';

/** Writes all of `text`, retrying while the pty is full. */
async function writeAll(pair: PtyPair, text: string): Promise<void> {
  const bytes = Buffer.from(text, 'latin1');
  for (let at = 0; at < bytes.length;) {
    const n = pair.sendSome(bytes.subarray(at));
    if (n === undefined) throw new Error('the pty pair is unplugged');
    if (n === 0) await sleep(1);
    at += n;
  }
}

const errorsByCode = (m: Metrics) => byLabel(m, ERRORS, 'code');

export async function runGarbage(
  teardown: Teardown,
  o: Omit<GatewayOptions, 'tty' | 'name'> & { bytes: number },
): Promise<GarbageResult> {
  const pair = await ptyPair(teardown, 'garbage');
  try {
    const gw = await startGateway(teardown, { ...o, tty: pair.gateway, name: 'garbage' });
    try {
      await sleep(SETTLE_MS);
      const warm = await sendFrames(pair, { mode: 'flat', baud: o.baud, durationMs: 300 });
      await settle(() => gw.frames(), gw.pid, warm.frames);
      const m0 = await gw.metrics();
      const [rssBefore, cpu0] = [(await procMemory(gw.pid)).rss, await cpuSeconds(gw.pid)];
      const rss = sampleRss(gw.pid);
      const t0 = performance.now();
      const written = await sendGarbage(pair, o.bytes);
      const bytes0 = sumOf(m0, BYTES_IN);
      const read = await settle(async () => sumOf(await gw.metrics(), BYTES_IN) - bytes0, gw.pid, written);
      const m1 = await gw.metrics();
      const mem = await rss.stop();
      const before = errorsByCode(m0);
      const errors = new Map(
        [...errorsByCode(m1)].map(([code, n]): [string, number] => [code, n - (before.get(code) ?? 0)]),
      );
      return {
        bytes: written,
        seconds: (read.at - t0) / 1000,
        bytesRead: read.count,
        warmFrames: warm.frames,
        rssBefore,
        peakRss: mem.peak,
        rssAfter: mem.last,
        heapBefore: sumOf(m0, HEAP_USED),
        heapAfter: sumOf(m1, HEAP_USED),
        cpuSeconds: read.cpu - cpu0,
        errors,
        garbageFrames: sumOf(m1, FRAMES_IN) - sumOf(m0, FRAMES_IN),
        good: await goodFrame(pair, () => gw.metrics()),
      };
    } finally {
      await gw.stop();
    }
  } finally {
    await pair.release();
  }
}

/**
 * Ends whatever partial garbage line is left with a `\n`, then sends one good frame: it decodes when
 * it is counted in and no error is counted with it (and the context store moves on).
 */
async function goodFrame(pair: PtyPair, metrics: () => Promise<Metrics>): Promise<GarbageResult['good']> {
  await writeAll(pair, '\n');
  await sleep(300);
  const m0 = await metrics();
  await writeAll(pair, GOOD_FRAME);
  const frames0 = sumOf(m0, FRAMES_IN);
  await until(async () => sumOf(await metrics(), FRAMES_IN) > frames0, 3000, 'the good frame').catch(
    () => undefined,
  );
  await sleep(200); // its values reach the store on the next turn of the gateway's event loop
  const m1 = await metrics();
  const delta = (sel: { name: string; labels: Readonly<Record<string, string>> }) =>
    sumOf(m1, sel) - sumOf(m0, sel);
  const good = { frames: delta(FRAMES_IN), errors: delta(ERRORS), versions: delta(VERSION) };
  return { ...good, decoded: good.frames === 1 && good.errors === 0 && good.versions > 0 };
}
