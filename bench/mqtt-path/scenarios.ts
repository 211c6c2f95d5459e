/**
 * The measured scenarios: per broker, the baseline (publisher -> broker -> subscriber) and the
 * gateway path (publisher -> broker -> bridge ingest -> context -> DIFF -> broker -> subscriber), each
 * at a fixed offered rate and at max rate; then the gateway as its own process (RSS, and the same
 * load from outside it).
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectClients, diffValues, payloadStamp, probePipeline, type Clients } from './clients.js';
import {
  benchConfigText,
  bridgeCounts,
  type BridgeCounts,
  parseConfig,
  spawnStandalone,
  startAedes,
  startInProcess,
  type Standalone,
  type StandaloneForm,
} from './gateways.js';
import { runPhase, type Extract } from './load.js';
import { procMemory } from './processes.js';
import type { BrokerKind, Context, Rate, Row } from './results.js';

export const FIXED_RATE = 2000;
export const DURATION_MS = 5000;
export const IDLE_MS = 5000;
/** Warm-up before each measured phase: longer at the fixed rate, where it is only 2 000 messages. */
export const warmupMs = (rate: Rate): number => (rate === 'max' ? 500 : 1000);
const SENSORS = 16;
const RATES: readonly Rate[] = [FIXED_RATE, 'max'];

const gc = (globalThis as { gc?: () => void }).gc;
export const hasGc = gc !== undefined;

export function rssAfterGc(): number {
  gc?.();
  gc?.();
  return process.memoryUsage.rss();
}

const topics = (prefix: string) => Array.from({ length: SENSORS }, (_, i) => `${prefix}/s${i}/value`);
const version = (broker: BrokerKind) => (broker === 'aedes' ? 4 : 5);

interface Load {
  clients: Clients;
  prefix: string;
  listens: (topic: string) => boolean;
  extract: Extract;
  /** Reads the RSS being watched (this process, or a child's). */
  rss: () => Promise<number>;
  /** Reads the gateway's bridge counters, when it runs in this process. */
  bridge?: () => Promise<BridgeCounts>;
}

/** One phase per rate; returns the peak RSS seen during each. */
async function phases(
  ctx: Context,
  load: Load,
  row: (rate: Rate) => Pick<Row, 'broker' | 'path' | 'offered'>,
): Promise<Map<Rate, number>> {
  const peaks = new Map<Rate, number>();
  for (const rate of RATES) {
    let peak = await load.rss();
    const before = await load.bridge?.();
    const sample = () => {
      load.rss().then(
        (v) => (peak = Math.max(peak, v)),
        () => undefined,
      );
    };
    const result = await runPhase({
      ...load.clients,
      topics: topics(load.prefix),
      listens: load.listens,
      extract: load.extract,
      rate,
      warmupMs: warmupMs(rate),
      durationMs: DURATION_MS,
      sample,
    });
    peak = Math.max(peak, await load.rss());
    peaks.set(rate, peak);
    const after = await load.bridge?.();
    const bridge =
      before && after
        ? { received: after.received - before.received, dropped: after.dropped - before.dropped }
        : undefined;
    ctx.rows.push({ ...row(rate), result, peakRssBytes: peak, ...(bridge ? { bridge } : {}) });
  }
  return peaks;
}

const selfRss = () => Promise.resolve(process.memoryUsage.rss());

/** Publisher and subscriber through the broker alone. */
export async function baseline(ctx: Context, broker: BrokerKind, url: string): Promise<void> {
  const clients = await connectClients(ctx.teardown, url, version(broker), 'base/+/value');
  try {
    const load = {
      clients,
      prefix: 'base',
      listens: (t: string) => t.startsWith('base/'),
      extract: payloadStamp,
    };
    await phases(ctx, { ...load, rss: selfRss }, (offered) => ({ broker, path: 'baseline', offered }));
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

/** The gateway in this process: idle RSS after 5 s and GC, then both rates through ingest and DIFF. */
export async function gatewayPath(ctx: Context, broker: BrokerKind, externalUrl?: string): Promise<void> {
  const stateDir = join(ctx.dir, `state-${broker}`);
  const config = parseConfig(benchConfigText({ stateDir, ...(externalUrl ? { url: externalUrl } : {}) }));
  const gw = await startInProcess(ctx.teardown, config);
  try {
    const clients = await connectClients(ctx.teardown, gw.url, version(broker), gw.diffTopic);
    try {
      await probePipeline(clients, gw.diffTopic, 15_000);
      await sleep(IDLE_MS);
      const idle = rssAfterGc();
      const load = {
        clients,
        prefix: 'bench',
        listens: (t: string) => t === gw.diffTopic,
        extract: diffValues,
      };
      const peaks = await phases(
        ctx,
        { ...load, rss: selfRss, bridge: bridgeCounts(gw.gateway) },
        (offered) => ({
          broker,
          path: 'gateway',
          offered,
        }),
      );
      ctx.rss.push({
        what: `this process: gateway on ${broker} + bench clients${broker === 'aedes' ? ' (+ the broker)' : ''}`,
        idleBytes: idle,
        peaks,
      });
    } finally {
      await clients.close();
    }
  } finally {
    await gw.stop();
  }
}

/**
 * `cxp-edge start` as its own process on mosquitto, from source (tsx) and, when built, from dist/:
 * VmRSS 5 s after the pipeline first answers (both forms started and idle together), then the
 * compiled form (the source form when dist/ is not built) under the same load as above.
 */
export async function standalone(ctx: Context, url: string): Promise<void> {
  // The first form carries the load: the compiled one as `npm start` runs it when built.
  const forms: StandaloneForm[] = ctx.dist ? ['dist', 'tsx'] : ['tsx'];
  const children = await Promise.all(forms.map((form) => spawnStandalone(ctx.teardown, ctx.dir, url, form)));
  try {
    const clients = await Promise.all(
      children.map((c) => connectClients(ctx.teardown, url, 5, c.diffTopic, c.form)),
    );
    await Promise.all(children.map((c, i) => probePipeline(clients[i]!, c.diffTopic, 30_000, c.stderr)));
    await sleep(IDLE_MS);
    const idle = await Promise.all(children.map((c) => procMemory(c.pid)));
    const [main, ...others] = children;
    for (const [i, other] of others.entries()) {
      await clients[i + 1]!.close();
      await other.stop();
      ctx.rss.push({
        what: other.label,
        idleBytes: idle[i + 1]!.rss,
        peaks: new Map(),
        hwm: idle[i + 1]!.hwm,
      });
    }
    const own = await ownProcessLoad(ctx, main!, clients[0]!);
    ctx.rss.splice(ctx.rss.length - others.length, 0, { what: main!.label, idleBytes: idle[0]!.rss, ...own });
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}

async function ownProcessLoad(
  ctx: Context,
  child: Standalone,
  clients: Clients,
): Promise<{ peaks: Map<Rate, number>; hwm: number }> {
  try {
    const load = {
      clients,
      prefix: 'bench',
      listens: (t: string) => t === child.diffTopic,
      extract: diffValues,
      rss: async () => (await procMemory(child.pid)).rss,
    };
    const peaks = await phases(ctx, load, (offered) => ({
      broker: 'mosquitto',
      path: 'gateway, own process',
      offered,
    }));
    return { peaks, hwm: (await procMemory(child.pid)).hwm };
  } finally {
    await clients.close();
  }
}
