/**
 * bench/mqtt-path: what the gateway's MQTT path costs against the broker alone, on loopback, against
 * real brokers: the gateway's embedded aedes and a mosquitto this bench spawns.
 * Run: node --expose-gc --import tsx bench/mqtt-path/run.ts   (prints Markdown tables, ~80 s)
 *
 * Baseline: publisher -> broker -> subscriber. Gateway path: publisher -> broker -> MQTT bridge
 * ingest (bench/+/value -> world/bench/{1}, field v) -> context store -> CONTEXT_DIFF on
 * cxp/v1/<gw>/diff -> broker -> subscriber; the latency of a value is from its publish to the DIFF
 * that carries it. Each at 2 000 msg/s and at max rate (QoS 0, backpressure respected), a warm-up
 * then 5 s measured. RSS: this process with the gateway in it, and `cxp-edge start` as its own
 * process (which also takes the same load from outside). BENCH_TCP_NODELAY=1: see what-if.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { distBuiltAt, REPO } from './gateways.js';
import { MOSQUITTO, startMosquitto } from './processes.js';
import { comparisonTable, phaseTable, rssTable } from './report.js';
import type { Context } from './results.js';
import {
  aedesBaseline,
  baseline,
  DURATION_MS,
  FIXED_RATE,
  gatewayPath,
  hasGc,
  IDLE_MS,
  rssAfterGc,
  standalone,
  warmupMs,
} from './scenarios.js';
import { Teardown } from './teardown.js';
import { FORCE_NODELAY, noDelayOnAcceptedSockets } from './what-if.js';

async function versions(): Promise<string> {
  const pkg = async (name: string) =>
    (
      JSON.parse(await readFile(join(REPO, 'node_modules', name, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  // `mosquitto -h` prints its version and exits 3
  const help = spawnSync(MOSQUITTO, ['-h'], { encoding: 'utf8' });
  if (help.error)
    throw new Error(`cannot run mosquitto at ${MOSQUITTO} (set MOSQUITTO=...): ${help.error.message}`);
  const mosquitto = /mosquitto version (\S+)/.exec(help.stdout)?.[1] ?? '?';
  const cpu = `${cpus()[0]?.model.trim() ?? 'cpu'} x${cpus().length}`;
  return `Node ${process.version}, ${cpu}, aedes ${await pkg('aedes')}, mosquitto ${mosquitto}, MQTT.js ${await pkg('mqtt')}`;
}

/** BENCH_ONLY=mosquitto skips the aedes rows (a shorter run for experiments). */
const ONLY = process.env.BENCH_ONLY;

async function measure(ctx: Context): Promise<void> {
  const step = (what: string) => {
    console.error(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${what}`);
  };
  const t0 = Date.now();
  if (ONLY !== 'mosquitto') {
    step('aedes: baseline');
    await aedesBaseline(ctx);
    step('aedes: gateway path');
    await gatewayPath(ctx, 'aedes');
  }
  const mosquitto = await startMosquitto(ctx.teardown, ctx.dir, { noDelay: FORCE_NODELAY });
  try {
    step('mosquitto: baseline');
    await baseline(ctx, 'mosquitto', mosquitto.url);
    step('mosquitto: gateway path');
    await gatewayPath(ctx, 'mosquitto', mosquitto.url);
    step('mosquitto: standalone gateway process');
    await standalone(ctx, mosquitto.url);
  } finally {
    await mosquitto.stop();
  }
  step('done');
}

const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');

function print(ctx: Context, header: string, startRss: number, loadBefore: string): void {
  console.log(`# bench/mqtt-path: ${new Date().toISOString()}, ${header}\n`);
  console.log(`Load average (1/5/15 min) before the run: ${loadBefore}; after: ${load()}.\n`);
  if (FORCE_NODELAY)
    console.log('**What-if run: TCP_NODELAY forced on every broker socket (BENCH_TCP_NODELAY=1).**\n');
  if (!hasGc) console.log('(run with --expose-gc: idle RSS is read without a forced GC)\n');
  console.log(
    `## Throughput and one-way latency (QoS 0, loopback; warm-up ${warmupMs(FIXED_RATE)} ms at ${FIXED_RATE} msg/s, ${warmupMs('max')} ms at max; ${DURATION_MS / 1000} s measured)\n`,
  );
  console.log(phaseTable(ctx.rows));
  console.log(`\n## Gateway path against the baseline (targets from the issue)\n`);
  console.log(comparisonTable(ctx.rows));
  console.log(`\n## RSS (idle: ${IDLE_MS / 1000} s after the pipeline answered; this process after GC)\n`);
  console.log(rssTable(ctx.rss, startRss));
  if (ctx.dist) console.log(`\n(dist/ as last built: ${ctx.dist.builtAt.toISOString()})`);
}

async function main(): Promise<void> {
  const teardown = new Teardown();
  teardown.onSignals();
  const dir = await mkdtemp(join(tmpdir(), 'cxp-bench-mqtt-'));
  teardown.add('temp dir', () => rm(dir, { recursive: true, force: true }));
  const builtAt = await distBuiltAt();
  const ctx: Context = { teardown, dir, dist: builtAt && { builtAt }, rows: [], rss: [] };
  if (FORCE_NODELAY) noDelayOnAcceptedSockets();
  try {
    const header = await versions();
    const loadBefore = load();
    const startRss = rssAfterGc();
    await measure(ctx);
    print(ctx, header, startRss, loadBefore);
  } finally {
    await teardown.run();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
