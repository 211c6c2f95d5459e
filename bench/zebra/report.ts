/** Rows of the results table, percentiles, and the markdown the bench prints. */
import { percentile } from '../mqtt-path/load.js';
import type { GatewayResult } from './gateway-path.js';

export interface Row {
  scenario: string;
  /** 'baseline (raw socket)', or how the gateway path was driven. */
  path: string;
  requests: number;
  /** Labels the requests ask for (requests x copies). */
  labels: number;
  /** Labels the emulator printed. */
  printed: number;
  /** Labels counted as done: printed (baseline), or of the requests answered `succeeded` (gateway). */
  confirmed: number;
  /** Requests without `succeeded` (failed, rejected or never answered). */
  failed: number;
  /** First byte written / first request published -> last label printed / last `succeeded`. */
  seconds: number;
  /** request -> accepted, ms */
  accepted?: Percentiles;
  /** request -> succeeded, ms */
  succeeded?: Percentiles;
  cpu?: number;
}

export interface Percentiles {
  p50: number;
  p99: number;
}

export function percentiles(values: readonly number[]): Percentiles | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}

/** Labels per second: confirmed labels over the row's time span. */
export function rate(r: Row): number {
  return r.seconds > 0 ? r.confirmed / r.seconds : 0;
}

const ms = (p: Percentiles | undefined): string => (p ? `${fmt(p.p50)} / ${fmt(p.p99)}` : '-');

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n.toFixed(1);
}

export function resultsTable(rows: readonly Row[]): string[] {
  const out = [
    '| scenario | path | requests | labels | printed | lost / failed | labels/s | accepted p50 / p99 ms | succeeded p50 / p99 ms | gateway CPU s |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    out.push(
      `| ${r.scenario} | ${r.path} | ${r.requests} | ${r.labels} | ${r.printed} | ${r.labels - r.printed} / ${r.failed} | ${rate(r).toFixed(2)} | ${ms(r.accepted)} | ${ms(r.succeeded)} | ${r.cpu?.toFixed(2) ?? '-'} |`,
    );
  }
  return out;
}

export const BASELINE = 'baseline (raw socket)';

/** One line per gateway row: its labels/s over its scenario's baseline. */
export function ratioLines(rows: readonly Row[]): string[] {
  const out: string[] = [];
  for (const gw of rows.filter((r) => r.path !== BASELINE)) {
    const base = rows.find((r) => r.scenario === gw.scenario && r.path === BASELINE);
    if (!base) continue;
    const ratio = rate(base) > 0 ? rate(gw) / rate(base) : 0;
    out.push(
      `- ${gw.scenario}, ${gw.path}: ${rate(gw).toFixed(2)} / ${rate(base).toFixed(2)} labels/s = **${ratio.toFixed(3)}**`,
    );
  }
  return out;
}

const pair = (p: Percentiles | undefined): string => (p ? `${p.p50.toFixed(0)} / ${p.p99.toFixed(0)}` : '-');

/** Where each gateway row's job time went, from the emulator's own event times. */
export function breakdownTable(results: readonly GatewayResult[]): string[] {
  const out = [
    '| scenario | path | first request -> on printer | printing | printer idle between jobs | last label -> succeeded | status queries per job | CXP messages out per job | ZPL = baseline | CPU ms per job (idle-corrected) | RSS MiB (peak) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const g of results) {
    const messages = [...g.messagesPerJob]
      .sort((a, b) => a[0].localeCompare(b[0]))
      .filter(([, n]) => n > 0)
      .map(([kind, n]) => `${kind} ${n.toFixed(1)}`)
      .join(', ');
    const queries = [...g.queriesPerJob]
      .sort((a, b) => b[1] - a[1])
      .map(([name, n]) => `${name} ${n.toFixed(1)}`)
      .join(', ');
    const b = g.breakdown;
    const r = g.row;
    const perJob =
      r.cpu === undefined ? '-' : (((r.cpu - g.idleCpu * r.seconds) / r.requests) * 1000).toFixed(1);
    out.push(
      `| ${g.row.scenario} | ${g.row.path} | ${b.firstToPrinter.toFixed(0)} | ${pair(b.printing)} | ${pair(b.printerIdle)} | ${pair(b.doneToSucceeded)} | ${queries} | ${messages} | ${g.sameZpl ? 'yes' : 'NO'} | ${perJob} | ${(g.rss.rss / 2 ** 20).toFixed(0)} (${(g.rss.hwm / 2 ** 20).toFixed(0)}) |`,
    );
  }
  return out;
}
