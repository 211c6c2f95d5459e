/**
 * bench/safety: how late the safety supervisor reports a lost heartbeat (issue 8: "Heartbeat loss is
 * reported within the deadline + 50 ms at p99 under load"), against mosquitto on loopback.
 *
 *   npm run build && npm run bench:safety     # ~70 s on 2 vCPU; needs mosquitto (MOSQUITTO=...)
 *
 * N heartbeat sources (MQTT.js, here) publish `{"seq": n}` on bench/hb/<i> every 50 ms; the
 * compiled gateway in its own process ingests them as world/hb/<i> with a heartbeat rule of
 * timeout 200 ms on world/hb/*. Sources are stopped one after another; the latency of a sample is
 * the RAISED event's arrival at a subscriber here minus (the source's last send + timeout). Phases:
 * the broker alone (heartbeat publish -> subscriber, idle and at the load), then the gateway with
 * no load and with 5 000 msg/s on bench/load/<k> from a generator process (load-child.ts).
 *
 * Knobs (environment): BENCH_SOURCES=20, BENCH_PERIOD_MS=50, BENCH_TIMEOUT_MS=200,
 * BENCH_SAMPLES=200 (per phase, after BENCH_WARMUP=10), BENCH_LOAD_RATE=5000, BENCH_LOAD_TOPICS=100,
 * BENCH_BASELINE_MS=3000, BENCH_TCP_NODELAY=1 (mosquitto with set_tcp_nodelay true), BENCH_TICK_MS
 * (the gateway's safety.tick_ms; default: the schema's 20), BENCH_MAX_LOAD=1.5 and
 * BENCH_LOAD_WAIT_S=120 (wait at most this long for the host's 1-minute load average to drop below
 * BENCH_MAX_LOAD), BENCH_GATEWAY_FLAGS (node flags of the gateway; default --max-semi-space-size=2,
 * as npm start).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt, { type MqttClient } from 'mqtt';
import { REPO } from '../mqtt-path/gateways.js';
import { MOSQUITTO, startMosquitto } from '../mqtt-path/processes.js';
import { Teardown } from '../mqtt-path/teardown.js';
import { runDetection } from './detect.js';
import {
  baselineTable,
  breakdownTable,
  detectionTable,
  problemLines,
  usageTable,
  type BaselinePhase,
  type DetectionPhase,
} from './report.js';
import { ingestCounts, startGateway, startLoad, type GatewayRig } from './rig.js';
import { HeartbeatSources } from './sources.js';
import { startUsage } from './usage.js';

const num = (name: string, dflt: number): number => {
  const value = Number(process.env[name] ?? dflt);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number >= 0`);
  return value;
};

const SOURCES = num('BENCH_SOURCES', 20);
const PERIOD_MS = num('BENCH_PERIOD_MS', 50);
const TIMEOUT_MS = num('BENCH_TIMEOUT_MS', 200);
const SAMPLES = num('BENCH_SAMPLES', 200);
const WARMUP = num('BENCH_WARMUP', 10);
const LOAD_RATE = num('BENCH_LOAD_RATE', 5000);
const LOAD_TOPICS = num('BENCH_LOAD_TOPICS', 100);
const BASELINE_MS = num('BENCH_BASELINE_MS', 3000);
const MAX_LOAD = num('BENCH_MAX_LOAD', 1.5);
const LOAD_WAIT_S = num('BENCH_LOAD_WAIT_S', 120);
/** mosquitto with `set_tcp_nodelay true` (what docs/configuration.md tells operators). */
const NODELAY = process.env.BENCH_TCP_NODELAY === '1';
/** safety.tick_ms of the gateway; unset: the schema default (20 ms). */
const TICK_MS = process.env.BENCH_TICK_MS === undefined ? undefined : num('BENCH_TICK_MS', 20);
/** The load runs this long before a phase measures. */
const SETTLE_MS = 1000;

interface Bench {
  teardown: Teardown;
  dir: string;
  url: string;
  sources: HeartbeatSources;
  events: MqttClient;
}

const t0 = performance.now();
const step = (what: string) => {
  console.error(`[${((performance.now() - t0) / 1000).toFixed(1)} s] ${what}`);
};

/** The broker alone: heartbeat publish -> subscriber, with the load (and a sink for it) or without. */
async function baseline(b: Bench, name: string, withLoad: boolean): Promise<BaselinePhase> {
  step(`broker only: ${name}`);
  const load = withLoad
    ? await startLoad(b.teardown, { url: b.url, rate: LOAD_RATE, topics: LOAD_TOPICS, sink: true })
    : undefined;
  if (load) await sleep(SETTLE_MS);
  const echo: number[] = [];
  const usage = await startUsage({ ...(load ? { loadPid: load.pid } : {}) });
  b.sources.recordEcho(echo);
  await sleep(BASELINE_MS);
  b.sources.recordEcho(undefined);
  const used = await usage.end();
  const done = await load?.stop();
  return { name, echo, usage: used, loadRate: done && (done.sent / done.ms) * 1000 };
}

async function detection(b: Bench, gw: GatewayRig, name: string, withLoad: boolean): Promise<DetectionPhase> {
  step(`gateway: ${name}`);
  const load = withLoad
    ? await startLoad(b.teardown, { url: b.url, rate: LOAD_RATE, topics: LOAD_TOPICS, sink: false })
    : undefined;
  if (load) await sleep(SETTLE_MS);
  const echo: number[] = [];
  const usage = await startUsage({
    gatewayPid: gw.pid,
    httpPort: gw.httpPort,
    ...(load ? { loadPid: load.pid } : {}),
  });
  b.sources.recordEcho(echo);
  const result = await runDetection({
    sources: b.sources,
    events: b.events,
    safetyTopic: gw.safetyTopic,
    timeoutMs: TIMEOUT_MS,
    samples: SAMPLES,
    warmup: WARMUP,
  });
  b.sources.recordEcho(undefined);
  const used = await usage.end();
  const done = await load?.stop();
  return { name, result, usage: used, echo, loadRate: done && (done.sent / done.ms) * 1000 };
}

async function connect(teardown: Teardown, url: string, role: string): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, {
    clientId: `bench-safety-${role}-${process.pid}`,
    reconnectPeriod: 0,
  });
  teardown.add(`mqtt client ${role}`, () => client.endAsync(true));
  return client;
}

/** Waits (at most BENCH_LOAD_WAIT_S) for the 1-minute load average to drop below BENCH_MAX_LOAD. */
async function quietHost(): Promise<void> {
  const until = performance.now() + LOAD_WAIT_S * 1000;
  while ((loadavg()[0] ?? 0) > MAX_LOAD && performance.now() < until) {
    step(`1-minute load ${loadavg()[0]?.toFixed(2) ?? '?'} > ${MAX_LOAD}: waiting`);
    await sleep(10_000);
  }
}

const loads = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');

async function measure(teardown: Teardown, dir: string) {
  const mosquitto = await startMosquitto(teardown, dir, { noDelay: NODELAY });
  const [pub, echoSub, events] = [
    await connect(teardown, mosquitto.url, 'hb'),
    await connect(teardown, mosquitto.url, 'echo'),
    await connect(teardown, mosquitto.url, 'events'),
  ];
  const sources = new HeartbeatSources({ client: pub, count: SOURCES, periodMs: PERIOD_MS });
  teardown.add('heartbeat sources', () => {
    sources.close();
  });
  echoSub.on('message', sources.onEcho);
  await echoSub.subscribeAsync('bench/hb/+', { qos: 0 });
  sources.start();
  await sleep(SETTLE_MS); // this process's JIT and the clients' first packets are not measured
  const b: Bench = { teardown, dir, url: mosquitto.url, sources, events };
  const baselines = [await baseline(b, 'no load', false), await baseline(b, `${LOAD_RATE} msg/s`, true)];
  step('gateway: start');
  const gw = await startGateway(teardown, {
    dir,
    url: mosquitto.url,
    timeoutMs: TIMEOUT_MS,
    tickMs: TICK_MS,
  });
  await events.subscribeAsync(gw.safetyTopic, { qos: 1 });
  while ((await ingestCounts(gw.httpPort)).received < 10 * SOURCES) await sleep(50);
  await sleep(SETTLE_MS);
  const phases = [
    await detection(b, gw, 'no load', false),
    await detection(b, gw, `${LOAD_RATE} msg/s load`, true),
  ];
  step('done');
  return { baselines, phases };
}

interface Timing {
  loadBefore: string;
  /** performance.now() when the measuring began (after waiting for a quiet host). */
  from: number;
}

function print(r: Awaited<ReturnType<typeof measure>>, time: Timing): void {
  const cpu = `${cpus()[0]?.model.trim() ?? 'cpu'} x${cpus().length}`;
  // `mosquitto -h` prints its version (and exits 3)
  const help = spawnSync(MOSQUITTO, ['-h'], { encoding: 'utf8' }).stdout;
  const broker = `mosquitto ${/mosquitto version (\S+)/.exec(help)?.[1] ?? '?'}`;
  console.log(`# bench/safety: ${new Date().toISOString()}, Node ${process.version}, ${cpu}, ${broker}\n`);
  console.log(
    `Load average (1/5/15 min) before: ${time.loadBefore}; after: ${loads()}. Measured for ${((performance.now() - time.from) / 1000).toFixed(0)} s (after ${((time.from - t0) / 1000).toFixed(0)} s waiting for a 1-minute load <= ${MAX_LOAD}).`,
  );
  console.log(
    `${SOURCES} heartbeat sources every ${PERIOD_MS} ms, timeout_ms ${TIMEOUT_MS}, safety.tick_ms ${TICK_MS ?? '20 (default)'}, mosquitto set_tcp_nodelay ${NODELAY ? 'true' : 'false (default)'}, ${SAMPLES} samples per phase after ${WARMUP} not counted; load on ${LOAD_TOPICS} topics.\n`,
  );
  console.log('## Detection latency: RAISED arrival minus (last heartbeat sent + timeout)\n');
  console.log(detectionTable(r.phases));
  console.log('\n## Where it goes\n');
  console.log(breakdownTable(r.phases));
  console.log('\n## Broker only (before the gateway starts)\n');
  console.log(baselineTable(r.baselines));
  console.log('\n## Load and CPU per phase\n');
  console.log(usageTable([...r.baselines, ...r.phases]));
  const problems = problemLines(r.phases);
  console.log(`\nProblems: ${problems.length === 0 ? 'none' : ''}`);
  for (const p of problems) console.log(p);
  if (r.phases.some((p) => p.result.early + p.result.missed + p.result.spurious.length > 0))
    process.exitCode = 1;
}

async function main(): Promise<void> {
  const teardown = new Teardown();
  teardown.onSignals();
  const dir = await mkdtemp(join(tmpdir(), 'cxp-bench-safety-'));
  teardown.add('temp dir', () => rm(dir, { recursive: true, force: true }));
  try {
    if (!existsSync(join(REPO, 'dist/src/runtime/cli.js'))) throw new Error('run `npm run build` first');
    await quietHost();
    const time = { loadBefore: loads(), from: performance.now() };
    print(await measure(teardown, dir), time);
  } finally {
    await teardown.run();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
