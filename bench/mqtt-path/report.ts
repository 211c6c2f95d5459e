/** Markdown tables of one run: every phase, gateway against baseline with the targets, RSS. */
import { fmt, table } from '../harness.js';
import type { Row, RssRow } from './results.js';
import { FIXED_RATE } from './scenarios.js';

/** Targets from the issue. 90 MB is read as 90 000 000 bytes (the stricter reading; 85.8 MiB). */
export const TARGETS = { throughputRatio: 0.5, addedP50Ms: 2, addedP99Ms: 10, idleRssBytes: 90e6 };

const MIB = 1024 * 1024;
const mib = (bytes: number) => (bytes / MIB).toFixed(1);
const ms = (v: number) => (Number.isFinite(v) ? (v < 10 ? v.toFixed(2) : v.toFixed(1)) : '-');
const offered = (o: number | 'max') => (o === 'max' ? 'max' : fmt(o));
const verdict = (pass: boolean) => (pass ? 'PASS' : 'MISS');
const signed = (v: number) => `${v >= 0 ? '+' : ''}${ms(v)}`;

export function phaseTable(rows: readonly Row[]): string {
  return table(
    [
      'broker',
      'path',
      'offered msg/s',
      'sent',
      'delivered',
      'lost',
      'bridge in / dropped (incl. warm-up)',
      'delivered msg/s',
      'p50 ms',
      'p99 ms',
      'max ms',
      'peak RSS MiB',
    ],
    rows.map(({ broker, path, offered: o, result: r, peakRssBytes, bridge }) => [
      broker,
      path,
      offered(o),
      r.sent,
      r.delivered,
      r.sent - r.delivered,
      bridge ? `${bridge.received} / ${bridge.dropped}` : '-',
      fmt(r.rate),
      ms(r.p50Ms),
      ms(r.p99Ms),
      ms(r.maxMs),
      mib(peakRssBytes),
    ]),
  );
}

export function comparisonTable(rows: readonly Row[]): string {
  const out: (string | number)[][] = [];
  for (const gw of rows.filter((r) => r.path !== 'baseline')) {
    const base = rows.find(
      (r) => r.path === 'baseline' && r.broker === gw.broker && r.offered === gw.offered,
    );
    if (!base) continue;
    const ratio = gw.result.rate / base.result.rate;
    const fixed = gw.offered === FIXED_RATE;
    const addedP50 = gw.result.p50Ms - base.result.p50Ms;
    const addedP99 = gw.result.p99Ms - base.result.p99Ms;
    out.push([
      gw.broker,
      gw.path,
      offered(gw.offered),
      `${fmt(gw.result.rate)} / ${fmt(base.result.rate)}`,
      `${ratio.toFixed(2)} ${verdict(ratio >= TARGETS.throughputRatio)}`,
      fixed ? `${signed(addedP50)} ${verdict(addedP50 <= TARGETS.addedP50Ms)}` : signed(addedP50),
      fixed ? `${signed(addedP99)} ${verdict(addedP99 <= TARGETS.addedP99Ms)}` : signed(addedP99),
    ]);
  }
  return table(
    [
      'broker',
      'path',
      'offered msg/s',
      'msg/s gateway / baseline',
      'ratio (target >= 0.50)',
      `added p50 ms (target <= ${TARGETS.addedP50Ms} at ${fmt(FIXED_RATE)})`,
      `added p99 ms (target <= ${TARGETS.addedP99Ms} at ${fmt(FIXED_RATE)})`,
    ],
    out,
  );
}

export function rssTable(rows: readonly RssRow[], startBytes: number): string {
  const peak = (r: RssRow, rate: number | 'max') => {
    const v = r.peaks.get(rate);
    return v === undefined ? '-' : mib(v);
  };
  return table(
    [
      'process',
      'idle MiB (MB)',
      `peak at ${fmt(FIXED_RATE)} msg/s MiB`,
      'peak at max MiB',
      'VmHWM MiB',
      'target: idle <= 90 MB',
    ],
    [
      ['this process at start: bench code loaded, no broker or gateway', mib(startBytes), '-', '-', '-', '-'],
      ...rows.map((r) => [
        r.what,
        `${mib(r.idleBytes)} (${(r.idleBytes / 1e6).toFixed(1)})`,
        peak(r, FIXED_RATE),
        peak(r, 'max'),
        r.hwm === undefined ? '-' : mib(r.hwm),
        r.what.startsWith('own process') ? verdict(r.idleBytes <= TARGETS.idleRssBytes) : '-',
      ]),
    ],
  );
}
