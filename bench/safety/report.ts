/** The bench's Markdown tables: detection latency, where it goes, cost, the broker's baseline. */
import { table } from '../harness.js';
import { percentile } from '../mqtt-path/load.js';
import type { DetectionResult } from './detect.js';
import { CORES, type Usage } from './usage.js';

/** The issue's target: reported within the deadline + 50 ms at p99. */
export const TARGET_P99_MS = 50;

export interface DetectionPhase {
  name: string;
  result: DetectionResult;
  usage: Usage;
  /** Publish -> subscriber latency of every heartbeat during the phase (ms). */
  echo: number[];
  /** What the load generator achieved, msg/s (none: no load). */
  loadRate: number | undefined;
}

export interface BaselinePhase {
  name: string;
  echo: number[];
  usage: Usage;
  loadRate: number | undefined;
}

interface Stats {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

function stats(values: readonly (number | undefined)[]): Stats {
  const sorted = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

const f = (n: number | undefined, digits = 1) =>
  n === undefined || Number.isNaN(n) ? '-' : n.toFixed(Math.abs(n) >= 100 ? 0 : digits);
const three = (s: Stats, digits = 1) => `${f(s.p50, digits)} / ${f(s.p99, digits)} / ${f(s.max, digits)}`;
const pct = (x: number | undefined) => (x === undefined ? '-' : `${(x * 100).toFixed(0)} %`);
const share = (k: number, n: number) => `${k} (${n > 0 ? ((100 * k) / n).toFixed(0) : '-'} %)`;
const rate = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(0));

export function verdict(p: DetectionPhase): string {
  const e2e = stats(p.result.samples.map((s) => s.e2eMs));
  const ok = e2e.p99 <= TARGET_P99_MS && p.result.early === 0 && p.result.missed === 0;
  return `${ok ? 'PASS' : 'FAIL'} (p99 ${f(e2e.p99)} ms${p.result.early + p.result.missed > 0 ? `, ${p.result.early} early, ${p.result.missed} missed` : ''})`;
}

export function detectionTable(phases: readonly DetectionPhase[]): string {
  return table(
    [
      'phase',
      'samples',
      'end to end, ms p50 / p99 / max',
      'gateway: age - timeout',
      'detection_latency_ms',
      'early',
      'missed',
      'false alarms',
      'sources silenced by a stall here',
      `target: p99 <= ${TARGET_P99_MS} ms`,
    ],
    phases.map((p) => [
      p.name,
      p.result.samples.length,
      three(stats(p.result.samples.map((s) => s.e2eMs))),
      three(stats(p.result.samples.map((s) => s.gatewayLateMs)), 0),
      three(stats(p.result.samples.map((s) => s.field)), 3),
      p.result.early,
      p.result.missed,
      p.result.spurious.length,
      p.result.benchSilences.length,
      verdict(p),
    ]),
  );
}

/** End to end = the last heartbeat's way in + the gateway's lateness + the event's way out. */
export function breakdownTable(phases: readonly DetectionPhase[]): string {
  return table(
    [
      'phase (ms, p50 / p99 / max)',
      'last heartbeat -> gateway (rest)',
      'gateway late (age - timeout)',
      'gateway late > 2 ms',
      'event out (gateway -> here)',
      'heartbeat echo (broker only)',
      'resume -> CLEARED',
    ],
    phases.map((p) => {
      const s = p.result.samples;
      const rest = s.map((x) =>
        x.gatewayLateMs === undefined || x.outMs === undefined
          ? undefined
          : x.e2eMs - x.gatewayLateMs - x.outMs,
      );
      return [
        p.name,
        three(stats(rest)),
        three(stats(s.map((x) => x.gatewayLateMs)), 0),
        share(s.filter((x) => (x.gatewayLateMs ?? 0) > 2).length, s.length),
        three(stats(s.map((x) => x.outMs))),
        three(stats(p.echo), 2),
        three(stats(p.result.clears)),
      ];
    }),
  );
}

const usageHeaders = [
  'seconds',
  'load msg/s (achieved)',
  'gateway ingest msg/s',
  'dropped',
  'gateway CPU (of 1 core)',
  'load generator CPU',
  'bench CPU',
  `host busy (of ${CORES} cores)`,
  'host steal',
  'longest loop delay: gateway / bench, ms',
];

const usageCells = (u: Usage, loadRate: number | undefined) => [
  u.seconds.toFixed(1),
  rate(loadRate),
  rate(u.ingestRate),
  u.dropped ?? '-',
  pct(u.gatewayCpu),
  pct(u.loadCpu),
  pct(u.benchCpu),
  pct(u.hostBusy),
  pct(u.hostSteal),
  `${f(u.gatewayLoopMaxMs, 0)} / ${f(u.benchLoopMaxMs, 0)}`,
];

export function usageTable(phases: readonly (DetectionPhase | BaselinePhase)[]): string {
  return table(
    ['phase', ...usageHeaders],
    phases.map((p) => [p.name, ...usageCells(p.usage, p.loadRate)]),
  );
}

export function baselineTable(phases: readonly BaselinePhase[]): string {
  return table(
    ['broker only (no gateway)', 'heartbeats', 'publish -> subscriber, ms p50 / p99 / max'],
    phases.map((p) => [p.name, p.echo.length, three(stats(p.echo), 2)]),
  );
}

/** False alarms and unexpected events, listed (at most 10 of each). */
export function problemLines(phases: readonly DetectionPhase[]): string[] {
  return phases.flatMap((p) => [
    ...p.result.spurious.slice(0, 10).map((s) => `- ${p.name}: false alarm: ${s}`),
    ...p.result.benchSilences.slice(0, 5).map((s) => `- ${p.name}: this process stalled: ${s}`),
    ...p.result.other.slice(0, 10).map((s) => `- ${p.name}: unexpected event: ${s}`),
  ]);
}
