/**
 * bench/mqtt-path: what the gateway's MQTT path costs against the broker alone, on loopback, against
 * real brokers: the gateway's embedded aedes and a mosquitto this bench spawns.
 * Run: node --expose-gc --import tsx bench/mqtt-path/run.ts   (prints Markdown tables, ~80 s)
 *
 * Baseline: publisher -> broker -> subscriber. Gateway path: publisher -> broker -> MQTT bridge
 * ingest (bench/+/value -> world/bench/{1}, field v) -> context store -> CONTEXT_DIFF on
 * cxp/v1/<gw>/diff -> broker -> subscriber; the latency of a value is from its publish to the DIFF
 * that carries it. Each at 2 000 msg/s and at max rate (QoS 0, backpressure respected), 0.5 s warm-up
 * then 5 s measured. RSS: this process with the gateway in it, and a standalone `cxp-edge start`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './gateways.js';
import { MOSQUITTO, startMosquitto } from './processes.js';
import { comparisonTable, phaseTable, rssTable } from './report.js';
import {
  aedesBaseline,
  baseline,
  DURATION_MS,
  FIXED_RATE,
  gatewayPath,
  hasGc,
  rssAfterGc,
  standalone,
  WARMUP_MS,
  type Context,
} from './scenarios.js';
import { Teardown } from './teardown.js';

async function versions(): Promise<string> {
  const pkg = async (name: string) =>
    (JSON.parse(await readFile(join(REPO, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
      .version;
  let mosquitto = '?';
  try {
    execFileSync(MOSQUITTO, ['-h'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    // `mosquitto -h` exits 3 after printing its version
    const out = String((err as { stdout?: unknown }).stdout ?? '');
    mosquitto = /mosquitto version (\S+)/.exec(out)?.[1] ?? '?';
  }
  const cpu = `${cpus()[0]?.model.trim() ?? 'cpu'} x${cpus().length}`;
  return `Node ${process.version}, ${cpu}, aedes ${await pkg('aedes')}, mosquitto ${mosquitto}, MQTT.js ${await pkg('mqtt')}`;
}

async function measure(ctx: Context): Promise<void> {
  const step = (what: string) => {
    console.error(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${what}`);
  };
  const t0 = Date.now();
  step('aedes: baseline');
  await aedesBaseline(ctx);
  step('aedes: gateway path');
  await gatewayPath(ctx, 'aedes');
  const mosquitto = await startMosquitto(ctx.teardown, ctx.dir);
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

async function main(): Promise<void> {
  const teardown = new Teardown();
  teardown.onSignals();
  const dir = await mkdtemp(join(tmpdir(), 'cxp-bench-mqtt-'));
  teardown.add('temp dir', () => rm(dir, { recursive: true, force: true }));
  const ctx: Context = { teardown, dir, rows: [], rss: [] };
  try {
    const header = await versions();
    const startRss = rssAfterGc();
    await measure(ctx);
    console.log(`# bench/mqtt-path: ${new Date().toISOString()}, ${header}\n`);
    if (!hasGc) console.log('(run with --expose-gc: idle RSS is read without a forced GC)\n');
    console.log(
      `## Throughput and one-way latency (QoS 0, loopback, ${WARMUP_MS} ms warm-up, ${DURATION_MS / 1000} s measured)\n`,
    );
    console.log(phaseTable(ctx.rows));
    console.log(`\n## Gateway path against the baseline (targets from the issue)\n`);
    console.log(comparisonTable(ctx.rows));
    console.log(`\n## RSS (idle: 5 s after start, after GC where possible; load at ${FIXED_RATE} msg/s or max)\n`);
    console.log(rssTable(ctx.rss, startRss));
  } finally {
    await teardown.run();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
