/** The Markdown tables bench/serial prints. */
import { table } from '../harness.js';
import type { StageCost } from './decode-cost.js';
import type { GarbageResult } from './garbage.js';
import type { PhaseRow } from './phase.js';

const MIB = 2 ** 20;

export const rate = (r: PhaseRow): number => (r.seconds > 0 ? r.received / r.seconds : 0);
/** Receiver CPU ms per 1 000 frames received. */
export const cpuPer1k = (r: PhaseRow): number => (r.received > 0 ? (r.cpuSeconds * 1e6) / r.received : 0);

const mib = (bytes: number): string => (bytes / MIB).toFixed(1);

export function phaseTable(rows: readonly PhaseRow[]): string {
  return table(
    [
      'phase',
      'receiver',
      'frames sent',
      'frames received',
      'frames/s',
      'lost',
      'CPU s',
      '% of a core',
      'idle % of a core',
      'CPU ms / 1k frames',
      'peak RSS MiB',
      'drain s',
      'DIFFs / frame',
    ],
    rows.map((r) => [
      r.phase,
      r.receiver,
      r.sent,
      r.received,
      rate(r).toFixed(0),
      r.sent - r.received,
      r.cpuSeconds.toFixed(2),
      ((100 * r.cpuSeconds) / r.seconds).toFixed(1),
      r.idlePercent.toFixed(1),
      cpuPer1k(r).toFixed(1),
      mib(r.peakRss),
      r.drainSeconds.toFixed(1),
      r.diffs === undefined || r.received === 0 ? '-' : (r.diffs / r.received).toFixed(3),
    ]),
  );
}

const ratio = (a: number, b: number): string => (b > 0 ? `**${(a / b).toFixed(2)}**` : '-');

/** Per phase: gateway over baseline for frames/s and for CPU per 1k frames. */
export function ratioTable(rows: readonly PhaseRow[]): string {
  const phases = [...new Set(rows.map((r) => r.phase))];
  return table(
    ['phase', 'frames/s gateway / baseline', 'CPU ms per 1k frames gateway / baseline'],
    phases.flatMap((phase) => {
      const gw = rows.find((r) => r.phase === phase && r.receiver === 'gateway');
      const base = rows.find((r) => r.phase === phase && r.receiver === 'baseline');
      if (!gw || !base) return [];
      return [
        [
          phase,
          `${rate(gw).toFixed(0)} / ${rate(base).toFixed(0)} = ${ratio(rate(gw), rate(base))}`,
          `${cpuPer1k(gw).toFixed(1)} / ${cpuPer1k(base).toFixed(1)} = ${ratio(cpuPer1k(gw), cpuPer1k(base))}`,
        ],
      ];
    }),
  );
}

export function garbageTable(g: GarbageResult): string {
  const errors = [...g.errors]
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  const good = `${g.good.decoded ? 'yes' : '**NO**'} (frames +${g.good.frames}, errors +${g.good.errors}, context version +${g.good.versions})`;
  return table(
    [
      'random bytes',
      'read by the gateway',
      'MB/s',
      'frames cut',
      'errors counted',
      'CPU s',
      'RSS before MiB',
      'peak RSS MiB',
      'RSS after MiB',
      'heap used before / after MiB',
      'good frame decoded after',
    ],
    [
      [
        g.bytes,
        g.bytesRead,
        (g.bytesRead / 1e6 / g.seconds).toFixed(2),
        g.garbageFrames,
        errors || 'none',
        g.cpuSeconds.toFixed(2),
        mib(g.rssBefore),
        mib(g.peakRss),
        mib(g.rssAfter),
        `${mib(g.heapBefore)} / ${mib(g.heapAfter)}`,
        good,
      ],
    ],
  );
}

export function stageTable(stages: readonly StageCost[]): string {
  return table(
    ['stage', 'µs / frame'],
    stages.map((s) => [s.stage, s.usPerFrame.toFixed(2)]),
  );
}
