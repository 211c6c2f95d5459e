/** The rows of the jobs/min phases, what is derived from them, and the markdown tables. */
import { table } from '../harness.js';
import { percentile } from '../mqtt-path/load.js';
import type { EngineJob, PrinterCheck } from './lab.js';

export interface Percentiles {
  p50: number;
  p99: number;
}

export function percentiles(values: readonly number[]): Percentiles | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}

/** One job as its client saw it (performance.now() of this process). */
export interface JobTimes {
  /** ipptool: its Print-Job test began; gateway: the print.submit request was published. */
  sent: number;
  /** ipptool: Print-Job answered successful-ok; gateway: the `accepted` ACTION_RESULT arrived. */
  accepted?: number;
  /** ipptool: Get-Job-Attributes saw job-state 9 (completed); gateway: `succeeded` arrived. */
  done?: number;
  printerJobId?: number;
  /** Why the job did not end with `done` (FAIL, failed/rejected with its code). */
  error?: string;
}

export interface GatewayUsage {
  /** CPU seconds during the phase (utime + stime, 10 ms ticks). */
  cpu: number;
  /** CPU seconds per second while idle (online, no job), measured before the phase. */
  idleCpu: number;
  rss: number;
  hwm: number;
}

export interface Row {
  path: string;
  jobs: number;
  times: JobTimes[];
  check: PrinterCheck;
  /** The lab's engine record, by printer job id. */
  engine: ReadonlyMap<number, EngineJob>;
  /** IPP operations the printer answered during the phase, per job. */
  operations: [string, number][];
  /** ippeveprinter's CPU seconds during the phase (the fake engine's processes not included). */
  printerCpu: number;
  gateway?: GatewayUsage;
  problems: string[];
}

const completed = (r: Row) => r.times.filter((t) => t.done !== undefined && t.error === undefined);

/** Completed jobs, the first request, and the first and last completion. */
export function span(r: Row): { done: number; firstSent: number; firstDone: number; lastDone: number } {
  const done = completed(r).map((t) => t.done ?? 0);
  return {
    done: done.length,
    firstSent: Math.min(...r.times.map((t) => t.sent)),
    firstDone: Math.min(...done),
    lastDone: Math.max(...done),
  };
}

/** Jobs per minute between the first and the last completion (done - 1 intervals). */
export function perMinute(r: Row): number {
  const s = span(r);
  return s.done >= 2 && s.lastDone > s.firstDone ? ((s.done - 1) / (s.lastDone - s.firstDone)) * 60_000 : 0;
}

/** Jobs per minute from the first request to the last completion. */
export function wallPerMinute(r: Row): number {
  const s = span(r);
  return s.done >= 1 ? (s.done / (s.lastDone - s.firstSent)) * 60_000 : 0;
}

const ms = (p: Percentiles | undefined): string =>
  p ? `${p.p50.toFixed(p.p50 >= 100 ? 0 : 1)} / ${p.p99.toFixed(p.p99 >= 100 ? 0 : 1)}` : '-';

export function resultsTable(rows: readonly Row[]): string {
  return table(
    [
      'path',
      'jobs',
      'completed (client)',
      'verified on printer',
      'failed',
      'jobs/min (first -> last completion)',
      'jobs/min (first request -> last completion)',
      'request -> completed p50 / p99 ms',
      'accepted p50 / p99 ms',
      'gateway CPU s',
      'gateway RSS MiB (peak)',
    ],
    rows.map((r) => {
      const done = completed(r);
      const g = r.gateway;
      return [
        r.path,
        r.jobs,
        done.length,
        r.check.verified,
        r.jobs - done.length,
        perMinute(r).toFixed(1),
        wallPerMinute(r).toFixed(1),
        ms(percentiles(done.map((t) => (t.done ?? 0) - t.sent))),
        ms(percentiles(r.times.flatMap((t) => (t.accepted === undefined ? [] : [t.accepted - t.sent])))),
        g ? g.cpu.toFixed(2) : '-',
        g ? `${(g.rss / 2 ** 20).toFixed(0)} (${(g.hwm / 2 ** 20).toFixed(0)})` : '-',
      ];
    }),
  );
}

/** Each gateway row's jobs/min over each baseline's, both ways of counting. */
export function ratioLines(rows: readonly Row[]): string[] {
  const baselines = rows.filter((r) => r.gateway === undefined);
  const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : '-');
  return rows
    .filter((r) => r.gateway !== undefined)
    .flatMap((g) =>
      baselines.map(
        (b) =>
          `- ${g.path} / ${b.path}: ${perMinute(g).toFixed(1)} / ${perMinute(b).toFixed(1)} = **${ratio(perMinute(g), perMinute(b))}**; ${wallPerMinute(g).toFixed(1)} / ${wallPerMinute(b).toFixed(1)} = **${ratio(wallPerMinute(g), wallPerMinute(b))}**`,
      ),
    );
}

/** Per job, in request order: the engine's record of it, and the one before. */
function engineSteps(r: Row) {
  const steps: { toEngine?: number; engineMs?: number; idle?: number; seen?: number }[] = [];
  let previous: { doneAt?: number } | undefined;
  for (const t of r.times) {
    const e = t.printerJobId === undefined ? undefined : r.engine.get(t.printerJobId);
    if (!e) continue;
    steps.push({
      ...(e.startAt === undefined ? {} : { toEngine: e.startAt - t.sent }),
      ...(e.seconds === undefined ? {} : { engineMs: e.seconds * 1000 }),
      ...(e.startAt === undefined || previous?.doneAt === undefined
        ? {}
        : { idle: e.startAt - previous.doneAt }),
      ...(e.doneAt === undefined || t.done === undefined ? {} : { seen: t.done - e.doneAt }),
    });
    previous = e;
  }
  const of = (k: 'toEngine' | 'engineMs' | 'idle' | 'seen') =>
    percentiles(steps.flatMap((s) => (s[k] === undefined ? [] : [s[k]])));
  const engineTotal = steps.reduce((sum, s) => sum + (s.engineMs ?? 0), 0);
  return {
    toEngine: of('toEngine'),
    engine: of('engineMs'),
    idle: of('idle'),
    seen: of('seen'),
    engineTotal,
  };
}

export function breakdownTable(rows: readonly Row[]): string {
  return table(
    [
      'path',
      'request -> on engine',
      'engine (ippeveprinter processing time)',
      'engine idle between jobs',
      'engine done -> client knows',
      'engine busy share',
      'IPP operations per job (printer log)',
      'printer CPU ms per job',
      'gateway CPU ms per job (idle-corrected)',
    ],
    rows.map((r) => {
      const b = engineSteps(r);
      const s = span(r);
      const wall = s.lastDone - s.firstSent;
      const g = r.gateway;
      const gatewayMs = g
        ? ((Math.max(0, g.cpu - g.idleCpu * (wall / 1000)) / Math.max(1, s.done)) * 1000).toFixed(1)
        : '-';
      return [
        r.path,
        ms(b.toEngine),
        ms(b.engine),
        ms(b.idle),
        ms(b.seen),
        wall > 0 ? `${((b.engineTotal / wall) * 100).toFixed(0)} %` : '-',
        r.operations.map(([op, n]) => `${op} ${n.toFixed(1)}`).join(', '),
        ((r.printerCpu / Math.max(1, s.done)) * 1000).toFixed(1),
        gatewayMs,
      ];
    }),
  );
}
