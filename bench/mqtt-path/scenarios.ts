/**
 * The measured scenarios: per broker, the baseline (publisher -> broker -> subscriber) and the
 * gateway path (publisher -> broker -> bridge ingest -> context -> DIFF -> broker -> subscriber), each
 * at a fixed offered rate and at max rate; then a standalone gateway process for its RSS.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectClients, diffValues, payloadStamp, probePipeline } from './clients.js';
import { benchConfigText, parseConfig, spawnStandalone, startAedes, startInProcess } from './gateways.js';
import { runPhase, type PhaseResult } from './load.js';
import { procMemory } from './processes.js';
import type { Teardown } from './teardown.js';

export const FIXED_RATE = 2000;
export const WARMUP_MS = 500;
export const DURATION_MS = 5000;
export const IDLE_MS = 5000;
const SENSORS = 16;
const RATES = [FIXED_RATE, 'max'] as const;

export type BrokerKind = 'aedes' | 'mosquitto';
export type PathKind = 'baseline' | 'gateway' | 'gateway (own process)';

export interface Row {
  broker: BrokerKind;
  path: PathKind;
  offered: number | 'max';
  result: PhaseResult;
  /** Peak RSS of the measuring process (or of the standalone gateway) during the phase. */
  peakRssBytes: number;
}

export interface RssRow {
  what: string;
  idleBytes: number;
  loadBytes: number;
  load: string;
  /** VmHWM: the highest RSS over the process's life (start-up included). */
  lifetimePeakBytes?: number;
}

export interface Context {
  teardown: Teardown;
  dir: string;
  rows: Row[];
  rss: RssRow[];
}

const gc = (globalThis as { gc?: () => void }).gc;

export function rssAfterGc(): number {
  gc?.();
  gc?.();
  return process.memoryUsage.rss();
}

export const hasGc = gc !== undefined;

const topics = (prefix: string) => Array.from({ length: SENSORS }, (_, i) => `${prefix}/s${i}/value`);

/** Publisher and subscriber through the broker alone. */
export async function baseline(ctx: Context, broker: BrokerKind, url: string): Promise<void> {
  const clients = await connectClients(ctx.teardown, url, broker === 'aedes' ? 4 : 5, 'base/+/value');
  try {
    for (const rate of RATES) {
      const peak = rssPeak();
      const result = await runPhase({
        ...clients,
        topics: topics('base'),
        listens: (t) => t.startsWith('base/'),
        extract: payloadStamp,
        rate,
        warmupMs: WARMUP_MS,
        durationMs: DURATION_MS,
        sample: peak.sample,
      });
      ctx.rows.push({ broker, path: 'baseline', offered: rate, result, peakRssBytes: peak.value() });
    }
  } finally {
    await clients.close();
  }
}

/** The aedes baseline: the broker class the gateway embeds, with the same config section. */
export async function aedesBaseline(ctx: Context): Promise<void> {
  const config = parseConfig(benchConfigText({ stateDir: join(ctx.dir, 'state-aedes-base') }));
  const broker = await startAedes(ctx.teardown, config);
  try {
    await baseline(ctx, 'aedes', broker.url);
  } finally {
    await broker.stop();
  }
}

/** The gateway in this process: idle RSS, then both rates through bridge ingest and DIFF. */
export async function gatewayPath(ctx: Context, broker: BrokerKind, externalUrl?: string): Promise<void> {
  const stateDir = join(ctx.dir, `state-${broker}`);
  const config = parseConfig(benchConfigText({ stateDir, ...(externalUrl ? { url: externalUrl } : {}) }));
  const gw = await startInProcess(ctx.teardown, config);
  try {
    const clients = await connectClients(ctx.teardown, gw.url, broker === 'aedes' ? 4 : 5, gw.diffTopic);
    try {
      await probePipeline(clients, gw.diffTopic, 15_000);
      await sleep(IDLE_MS);
      const idle = rssAfterGc();
      let maxPeak = 0;
      for (const rate of RATES) {
        const peak = rssPeak();
        const result = await runPhase({
          ...clients,
          topics: topics('bench'),
          listens: (t) => t === gw.diffTopic,
          extract: diffValues,
          rate,
          warmupMs: WARMUP_MS,
          durationMs: DURATION_MS,
          sample: peak.sample,
        });
        ctx.rows.push({ broker, path: 'gateway', offered: rate, result, peakRssBytes: peak.value() });
        if (rate === 'max') maxPeak = peak.value();
      }
      ctx.rss.push({
        what: `bench process: gateway (${broker}) + clients${broker === 'aedes' ? ' + broker' : ''}`,
        idleBytes: idle,
        loadBytes: maxPeak,
        load: 'peak, max rate',
      });
    } finally {
      await clients.close();
    }
  } finally {
    await gw.stop();
  }
}

/** `cxp-edge start` as its own process on mosquitto: VmRSS idle after 5 s, and peak at the fixed rate. */
export async function standalone(ctx: Context, url: string): Promise<void> {
  const child = await spawnStandalone(ctx.teardown, ctx.dir, url);
  try {
    const clients = await connectClients(ctx.teardown, url, 5, child.diffTopic);
    try {
      await probePipeline(clients, child.diffTopic, 30_000).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\n${child.stderr()}`);
      });
      await sleep(IDLE_MS);
      const idle = (await procMemory(child.pid)).rss;
      let peak = 0;
      const sample = () => {
        procMemory(child.pid).then(
          (m) => (peak = Math.max(peak, m.rss)),
          () => undefined,
        );
      };
      const result = await runPhase({
        ...clients,
        topics: topics('bench'),
        listens: (t) => t === child.diffTopic,
        extract: diffValues,
        rate: FIXED_RATE,
        warmupMs: WARMUP_MS,
        durationMs: DURATION_MS,
        sample,
      });
      const hwm = (await procMemory(child.pid)).hwm;
      const row = { broker: 'mosquitto', path: 'gateway (own process)', offered: FIXED_RATE } as const;
      ctx.rows.push({ ...row, result, peakRssBytes: peak });
      ctx.rss.push({
        what: 'standalone gateway process (node --import tsx src/runtime/cli.ts start)',
        idleBytes: idle,
        loadBytes: peak,
        load: `peak, ${FIXED_RATE} msg/s`,
        lifetimePeakBytes: hwm,
      });
    } finally {
      await clients.close();
    }
  } finally {
    await child.stop();
  }
}

function rssPeak(): { sample: () => void; value: () => number } {
  let peak = process.memoryUsage.rss();
  return {
    sample: () => {
      peak = Math.max(peak, process.memoryUsage.rss());
    },
    value: () => Math.max(peak, process.memoryUsage.rss()),
  };
}
