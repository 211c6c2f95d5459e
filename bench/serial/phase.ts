/**
 * One phase: a fresh pty pair, a fresh receiver on its gateway end, frames written to its device
 * end (traffic.ts), then the receiver's count once it has been quiet for QUIET_MS. The receiver's
 * CPU (utime + stime from /proc) is read before the first write and when its count last changed;
 * its VmRSS is sampled every RSS_EVERY_MS from before the first write to the end.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createPtyPair, type PtyPair } from '../../test/helpers/pty.js';
import { cpuSeconds } from '../ipp/gateway-rig.js';
import { procMemory } from '../mqtt-path/processes.js';
import type { Teardown } from '../mqtt-path/teardown.js';
import type { Receiver } from './receivers.js';
import { sendFrames, type TrafficOptions } from './traffic.js';

/** Time a receiver gets between opening the port and the first frame (start-up work settles). */
export const SETTLE_MS = 500;
/** The count is final once it has not changed for this long. */
export const QUIET_MS = 1000;
const POLL_MS = 200;
const FAST_POLL_MS = 20;
/** How long a receiver's idle CPU use is measured, after SETTLE_MS. */
const IDLE_MS = 1000;
/** Most time given to a receiver to work off what the ptys and socat still hold. */
const MAX_DRAIN_MS = 15_000;
const RSS_EVERY_MS = 100;

export interface PhaseRow {
  phase: string;
  receiver: Receiver['kind'];
  sent: number;
  received: number;
  /** First write -> the final count first seen. */
  seconds: number;
  /** Last write -> the final count first seen (what the ptys and socat still held). */
  drainSeconds: number;
  cpuSeconds: number;
  peakRss: number;
  /** CPU use while the port was open and nothing arrived, % of a core (measured over IDLE_MS). */
  idlePercent: number;
  /** CONTEXT_DIFFs the gateway published during the phase (the gateway only). */
  diffs?: number;
}

export interface PhaseSpec extends TrafficOptions {
  name: string;
}

/** Samples a process's VmRSS until stopped; `stop()` gives the highest sample and the last one. */
export function sampleRss(pid: number): { stop(): Promise<{ peak: number; last: number }> } {
  const seen = { peak: 0, last: 0 };
  const sample = async () => {
    try {
      seen.last = (await procMemory(pid)).rss;
      seen.peak = Math.max(seen.peak, seen.last);
    } catch {
      // the process is gone: keep what was seen
    }
  };
  void sample();
  const timer = setInterval(() => void sample(), RSS_EVERY_MS);
  return {
    stop: async () => {
      clearInterval(timer);
      await sample();
      return seen;
    },
  };
}

/** A pty pair registered with the teardown; stopping it unregisters it. */
export async function ptyPair(
  teardown: Teardown,
  name: string,
): Promise<PtyPair & { release(): Promise<void> }> {
  const pair = await createPtyPair();
  const release = teardown.add(`pty pair (${name})`, () => pair.stop());
  return Object.assign(pair, { release });
}

/**
 * Waits until `count()` has not changed for QUIET_MS; its value, and the CPU and time when it last
 * changed. Polls every FAST_POLL_MS until `expected` is reached (so the time the last frame came in
 * is not rounded up to POLL_MS), every POLL_MS after that.
 */
export async function settle(
  count: () => Promise<number>,
  pid: number,
  expected = Number.POSITIVE_INFINITY,
): Promise<{ count: number; cpu: number; at: number }> {
  let last = { count: await count(), cpu: await cpuSeconds(pid), at: performance.now() };
  const started = last.at;
  while (performance.now() - last.at < QUIET_MS && performance.now() - started < MAX_DRAIN_MS) {
    await sleep(last.count < expected ? FAST_POLL_MS : POLL_MS);
    const c = await count();
    if (c !== last.count) last = { count: c, cpu: await cpuSeconds(pid), at: performance.now() };
  }
  return last;
}

/** A receiver's CPU use while it waits for frames (port open, nothing arriving), in % of a core. */
async function idleCpu(pid: number): Promise<number> {
  const cpu0 = await cpuSeconds(pid);
  const t0 = performance.now();
  await sleep(IDLE_MS);
  return ((await cpuSeconds(pid)) - cpu0) / ((performance.now() - t0) / 1e5);
}

export async function runPhase(
  teardown: Teardown,
  spec: PhaseSpec,
  start: (tty: string) => Promise<Receiver>,
): Promise<PhaseRow> {
  const pair = await ptyPair(teardown, spec.name);
  try {
    const receiver = await start(pair.gateway);
    try {
      await sleep(SETTLE_MS);
      const idlePercent = await idleCpu(receiver.pid);
      const frames0 = await receiver.frames();
      const diffs0 = (await receiver.diffs?.()) ?? 0;
      const cpu0 = await cpuSeconds(receiver.pid);
      const rss = sampleRss(receiver.pid);
      const t0 = performance.now();
      const sent = await sendFrames(pair, spec);
      const lastWrite = t0 + sent.seconds * 1000;
      const end = await settle(() => receiver.frames(), receiver.pid, frames0 + sent.frames);
      const mem = await rss.stop();
      const diffs = receiver.diffs ? (await receiver.diffs()) - diffs0 : undefined;
      return {
        phase: spec.name,
        receiver: receiver.kind,
        sent: sent.frames,
        received: end.count - frames0,
        seconds: (end.at - t0) / 1000,
        drainSeconds: Math.max(0, end.at - lastWrite) / 1000,
        cpuSeconds: end.cpu - cpu0,
        peakRss: mem.peak,
        idlePercent,
        ...(diffs === undefined ? {} : { diffs }),
      };
    } finally {
      await receiver.stop();
    }
  } finally {
    await pair.release();
  }
}
