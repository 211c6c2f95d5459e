/**
 * The gateway path: phases of print.submit requests run on one rig (see requests.ts), and what the
 * emulator saw during each: when each job reached the printer and when its last label came off. That
 * splits each job's time into printing, the printer waiting for the next job, and the gateway
 * noticing that a job was done.
 */
import { readFile } from 'node:fs/promises';
import { procMemory } from '../mqtt-path/processes.js';
import type { Teardown } from '../mqtt-path/teardown.js';
import { grown, counters, startRig, untilPrinterOnline, type Rig, type RigOptions } from './gateway-rig.js';
import { renderLabel } from './label.js';
import { watchPrinter, type PrinterWatch } from './printer-watch.js';
import { percentiles, type Percentiles, type Row } from './report.js';
import { RequestLoop, type RequestTimes } from './requests.js';

/** One run of requests against a running rig. */
export interface Phase {
  /** The row's path column, e.g. "gateway, batch of 30". */
  label: string;
  requests: number;
  copies: number;
  /** Requests outstanding at once (requests = all at once, 1 = the next sent when one is final). */
  inflight: number;
  timeoutMs: number;
}

export interface Breakdown {
  /** First request published -> its format complete at the printer. */
  firstToPrinter: number;
  /** Format complete at the printer -> its last label printed. */
  printing: Percentiles | undefined;
  /** Last label of one job printed -> the next job's format complete at the printer. */
  printerIdle: Percentiles | undefined;
  /** Last label printed -> `succeeded` received here. */
  doneToSucceeded: Percentiles | undefined;
}

export interface GatewayResult {
  row: Row;
  /** Where each job's time went (ms, p50 / p99 over the jobs). */
  breakdown: Breakdown;
  /** Status queries the printer answered during the phase, per job. */
  queriesPerJob: [string, number][];
  /** The printer received exactly the bytes the baseline writes, one format per request. */
  sameZpl: boolean;
  rss: { rss: number; hwm: number };
  /** CXP messages the gateway sent during the phase, per job, by route and kind (from /metrics). */
  messagesPerJob: [string, number][];
  /** The gateway's CPU seconds per second while idle (online, no job), measured on the same rig. */
  idleCpu: number;
  errors: string[];
}

const OUT = 'cxp_edge_messages_out_total{';

/** How long the idle gateway's CPU use is measured, before the phases. */
const IDLE_MS = 2000;

/** Starts a rig, runs the phases one after the other on it, stops it. */
export async function runGatewayPath(
  teardown: Teardown,
  rigOptions: Omit<RigOptions, 'queueCapacity'>,
  phases: readonly Phase[],
): Promise<GatewayResult[]> {
  const most = Math.max(...phases.map((p) => p.requests));
  const rig = await startRig(teardown, { ...rigOptions, queueCapacity: Math.max(100, most) });
  try {
    await untilPrinterOnline(rig, 20_000);
    await warmUp(rig);
    const startup = await counters(rig);
    const idle0 = await cpuSeconds(rig.pid);
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const idleCpu = ((await cpuSeconds(rig.pid)) - idle0) / (IDLE_MS / 1000);
    const results: GatewayResult[] = [];
    for (const [n, phase] of phases.entries()) {
      results.push({ ...(await runPhase(rig, `p${n}`, rigOptions.scenario, phase)), idleCpu });
    }
    // Counted while the phases ran (the start-up's own, e.g. the MQTT 5 -> 3.1.1 fallback, are not).
    const problems = grown(startup, await counters(rig));
    if (problems.length > 0) results.at(-1)?.errors.push(`gateway counters: ${problems.join('; ')}`);
    return results;
  } finally {
    await rig.stop();
  }
}

/** One job through the whole path before measuring, so no phase pays for the first JIT compiles. */
async function warmUp(rig: Rig): Promise<void> {
  const loop = new RequestLoop(rig, { tag: 'warm', requests: 1, copies: 1, inflight: 1, timeoutMs: 20_000 });
  await loop.run();
  const t = loop.times[0];
  if (t?.status !== 'succeeded')
    throw new Error(`the warm-up job did not succeed: ${t?.error ?? 'no answer'}`);
}

async function runPhase(
  rig: Rig,
  tag: string,
  scenario: string,
  o: Phase,
): Promise<Omit<GatewayResult, 'idleCpu'>> {
  const watch = watchPrinter(rig.emulator);
  try {
    const loop = new RequestLoop(rig, { ...o, tag });
    const out0 = await counters(rig, [OUT]);
    const cpu0 = await cpuSeconds(rig.pid);
    await loop.run();
    const cpu = (await cpuSeconds(rig.pid)) - cpu0;
    const out = await counters(rig, [OUT]);
    // Labels of jobs that failed or were never answered may still come off: give them a moment.
    if (loop.finals < o.requests) await new Promise((r) => setTimeout(r, 1000));
    const rss = await procMemory(rig.pid);
    const result = {
      ...summarize({ ...o, scenario }, loop.times, watch, cpu, rss),
      messagesPerJob: [...out].map(([series, n]): [string, number] => [
        series.slice(OUT.length, -1).replace(/route="([^"]*)",kind="([^"]*)"/, '$2'),
        (n - (out0.get(series) ?? 0)) / o.requests,
      ]),
    };
    if (rig.stderr().trim() !== '') result.errors.push(`gateway stderr: ${rig.stderr().trim().slice(-600)}`);
    return result;
  } finally {
    watch.stop();
  }
}

function summarize(
  o: Phase & { scenario: string },
  times: readonly (RequestTimes | undefined)[],
  watch: PrinterWatch,
  cpu: number,
  rss: { rss: number; hwm: number },
): Omit<GatewayResult, 'idleCpu' | 'messagesPerJob'> {
  const all = Array.from({ length: o.requests }, (_, i) => times[i]);
  const succeeded = all.filter((t) => t?.status === 'succeeded') as RequestTimes[];
  const first = all[0]?.sent ?? 0;
  const last = Math.max(first, ...succeeded.map((t) => t.final ?? 0));
  // Job i's format, found by its text (unique per label): also proves the bytes are the baseline's.
  const formatOf = all.map((_, i) => watch.formats.findIndex((f) => f.text === renderLabel(i, o.copies)));
  const errors = [...new Set(all.flatMap((t) => (t?.error === undefined ? [] : [t.error])))];
  const unanswered = all.filter((t) => t?.final === undefined).length;
  if (unanswered > 0) errors.push(`${unanswered} requests without a final answer within ${o.timeoutMs} ms`);
  return {
    row: {
      scenario: o.scenario,
      path: o.label,
      requests: o.requests,
      labels: o.requests * o.copies,
      printed: watch.printed(),
      confirmed: succeeded.length * o.copies,
      failed: o.requests - succeeded.length,
      seconds: (last - first) / 1000,
      accepted: percentiles(
        succeeded.flatMap((t) => (t.accepted === undefined ? [] : [t.accepted - t.sent])),
      ),
      succeeded: percentiles(succeeded.map((t) => (t.final ?? 0) - t.sent)),
      cpu,
    },
    breakdown: breakdown(all, formatOf, watch),
    queriesPerJob: [...watch.queries].map(([name, count]) => [name, count / o.requests]),
    sameZpl: formatOf.every((k) => k >= 0) && watch.formats.length === o.requests,
    rss,
    errors,
  };
}

function breakdown(
  times: readonly (RequestTimes | undefined)[],
  formatOf: readonly number[],
  watch: PrinterWatch,
): Breakdown {
  const printing: number[] = [];
  const idle: number[] = [];
  const lag: number[] = [];
  formatOf.forEach((k, i) => {
    const format = watch.formats[k];
    const doneAt = watch.doneAt[k];
    if (!format || doneAt === undefined) return;
    printing.push(doneAt - format.at);
    const previousDone = watch.doneAt[k - 1];
    if (previousDone !== undefined) idle.push(format.at - previousDone);
    const t = times[i];
    if (t?.status === 'succeeded' && t.final !== undefined) lag.push(t.final - doneAt);
  });
  return {
    firstToPrinter: (watch.formats[formatOf[0] ?? -1]?.at ?? NaN) - (times[0]?.sent ?? NaN),
    printing: percentiles(printing),
    printerIdle: percentiles(idle),
    doneToSucceeded: percentiles(lag),
  };
}

/** utime + stime of a process, in seconds (clock ticks of 10 ms), from /proc/<pid>/stat. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
