/**
 * bench/zebra: labels/s through the whole CXP path against ZPL written straight to the printer's
 * socket, against the in-repo Zebra 9100 emulator, in one run.
 *
 *   npm run build && npm run bench:zebra          # ~80 s on 2 vCPU with the defaults
 *
 * Baseline: one raw TCP connection writes every label format to a fresh emulator, then waits until
 * all are printed. Gateway path: `cxp-edge start` compiled, in its own process (embedded broker and
 * /metrics on free ports, one zebra device on a fresh emulator) <- print.submit ACTION_REQUESTs
 * (template + variables, wait: true) published by MQTT.js here; done when every `succeeded` is in.
 * Each gateway prints one warm-up label first (not counted); the emulator's own events split each
 * job's time into printing, printer idle and completion detection (see README.md).
 *
 * Knobs (environment):
 *   BENCH_SCENARIOS=instant,realistic,copies   which scenarios run (default: all three)
 *   BENCH_MODES=batch,one,default  how the gateway path is driven (default: all three):
 *                            batch = every request published at once; one = one request in flight
 *                            (the next is published when the previous is final); default = a small
 *                            batch with the driver's default poll_interval_ms (instant scenario only)
 *   BENCH_N=30               requests of the instant and realistic scenarios
 *   BENCH_COPIES_N=5         requests of the copies scenario (10 labels each)
 *   BENCH_DEFAULT_N=5        requests of the `default` mode
 *   BENCH_MS_PER_LABEL=200   print time per label of the realistic printer (and the copies scenario)
 *   BENCH_JOB_POLL_MS=50     the device's job_poll_interval_ms (driver default 300, schema minimum 50)
 *   BENCH_IDLE_POLL_MS=200   the device's poll_interval_ms (driver default 2000, schema minimum 200)
 *   BENCH_GATEWAY_FLAGS      node flags of the gateway (default --max-semi-space-size=2, as npm start)
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../mqtt-path/gateways.js';
import { Teardown } from '../mqtt-path/teardown.js';
import { runBaseline } from './baseline.js';
import { runGatewayPath, type GatewayResult, type Phase } from './gateway-path.js';
import { renderLabel } from './label.js';
import { breakdownTable, ratioLines, resultsTable, type Row } from './report.js';

const num = (name: string, dflt: number): number => {
  const value = Number(process.env[name] ?? dflt);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be an integer >= 0`);
  return value;
};

const N = num('BENCH_N', 30);
const COPIES_N = num('BENCH_COPIES_N', 5);
const DEFAULT_N = num('BENCH_DEFAULT_N', 5);
const MS_PER_LABEL = num('BENCH_MS_PER_LABEL', 200);
const JOB_POLL_MS = num('BENCH_JOB_POLL_MS', 50);
const IDLE_POLL_MS = num('BENCH_IDLE_POLL_MS', 200);
/** The driver's own poll_interval_ms default (devices/zebra/config.ts). */
const DRIVER_IDLE_POLL_MS = 2000;
const MODES = (process.env.BENCH_MODES ?? 'batch,one,default').split(',');

interface Scenario {
  key: string;
  name: string;
  msPerLabel: number;
  requests: number;
  copies: number;
  /** Modes run here (of BENCH_MODES). */
  modes: readonly string[];
}

const SCENARIOS: Scenario[] = [
  {
    key: 'instant',
    name: 'instant printer (0 ms/label)',
    msPerLabel: 0,
    requests: N,
    copies: 1,
    modes: ['batch', 'one', 'default'],
  },
  {
    key: 'realistic',
    name: `realistic printer (${MS_PER_LABEL} ms/label)`,
    msPerLabel: MS_PER_LABEL,
    requests: N,
    copies: 1,
    modes: ['batch', 'one'],
  },
  {
    key: 'copies',
    name: `copies: 10 per request (${MS_PER_LABEL} ms/label)`,
    msPerLabel: MS_PER_LABEL,
    requests: COPIES_N,
    copies: 10,
    modes: ['batch'],
  },
];

/** Generous: every label printed, plus every job waiting out an idle poll and some. */
function timeoutFor(s: Scenario, requests: number, idlePollMs: number): number {
  return 20_000 + 2 * (requests * s.copies * Math.max(1, s.msPerLabel) + requests * (idlePollMs + 500));
}

function phase(s: Scenario, mode: string, requests: number, idlePollMs: number): Phase {
  const label =
    mode === 'one'
      ? 'gateway, one request in flight'
      : mode === 'batch'
        ? `gateway, batch of ${requests}`
        : `gateway, batch of ${requests}, poll_interval_ms ${idlePollMs} (driver default)`;
  return {
    label,
    requests,
    copies: s.copies,
    inflight: mode === 'one' ? 1 : requests,
    timeoutMs: timeoutFor(s, requests, idlePollMs),
  };
}

/** The baseline, then the gateway path in each mode (a rig per poll_interval_ms). */
async function runScenario(teardown: Teardown, dir: string, s: Scenario): Promise<[Row, ...GatewayResult[]]> {
  const labels = s.requests * s.copies;
  const baseline = await runBaseline(teardown, {
    scenario: s.name,
    msPerLabel: s.msPerLabel,
    documents: Array.from({ length: s.requests }, (_, i) => renderLabel(i, s.copies)),
    labels,
    timeoutMs: 10_000 + 2 * labels * Math.max(1, s.msPerLabel),
  });
  const modes = s.modes.filter((m) => MODES.includes(m));
  const rig = { scenario: s.name, dir, msPerLabel: s.msPerLabel, jobPollMs: JOB_POLL_MS };
  const main = modes.filter((m) => m !== 'default').map((m) => phase(s, m, s.requests, IDLE_POLL_MS));
  const results: GatewayResult[] = [];
  if (main.length > 0)
    results.push(...(await runGatewayPath(teardown, { ...rig, idlePollMs: IDLE_POLL_MS }, main)));
  if (modes.includes('default') && DEFAULT_N > 0) {
    const slow = [phase(s, 'default', DEFAULT_N, DRIVER_IDLE_POLL_MS)];
    results.push(...(await runGatewayPath(teardown, { ...rig, idlePollMs: DRIVER_IDLE_POLL_MS }, slow)));
  }
  return [baseline, ...results];
}

const loads = (xs: number[]) => xs.map((n) => n.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const teardown = new Teardown();
  teardown.onSignals();
  const dir = await mkdtemp(join(tmpdir(), 'cxp-bench-zebra-'));
  teardown.add('temp dir', () => rm(dir, { recursive: true, force: true }));
  try {
    if (!existsSync(join(REPO, 'dist/src/runtime/cli.js'))) throw new Error('run `npm run build` first');
    const only = (process.env.BENCH_SCENARIOS ?? 'instant,realistic,copies').split(',');
    const loadBefore = loadavg();
    const started = performance.now();
    const rows: Row[] = [];
    const details: GatewayResult[] = [];
    for (const s of SCENARIOS.filter((x) => only.includes(x.key))) {
      const [baseline, ...gateway] = await runScenario(teardown, dir, s);
      rows.push(baseline, ...gateway.map((g) => g.row));
      details.push(...gateway);
    }
    const bytes = SCENARIOS.map((s) => Buffer.byteLength(renderLabel(0, s.copies)));
    console.log(
      `# bench/zebra: ${new Date().toISOString()}, Node ${process.version}, ${cpus()[0]?.model.trim() ?? 'cpu'} x${cpus().length}`,
    );
    console.log(
      `\nLoad average before: ${loads(loadBefore)}; after: ${loads(loadavg())}. Whole run ${((performance.now() - started) / 1000).toFixed(1)} s.`,
    );
    console.log(
      `Device config: job_poll_interval_ms ${JOB_POLL_MS}, poll_interval_ms ${IDLE_POLL_MS} unless said. Label: 4x6 in, ${Math.min(...bytes)}-${Math.max(...bytes)} bytes of ZPL.\n`,
    );
    for (const line of resultsTable(rows)) console.log(line);
    console.log('\nRatios, gateway / baseline (labels/s):\n');
    for (const line of ratioLines(rows)) console.log(line);
    console.log("\nWhere a gateway job's time goes (ms, p50 / p99 over the jobs):\n");
    for (const line of breakdownTable(details)) console.log(line);
    const idle = details.map((g) => g.idleCpu * 100);
    console.log(
      `\nGateway CPU while idle (online, no job; ${details.length > 0 ? 'measured 2 s on each gateway' : '-'}): ${Math.min(...idle).toFixed(1)}-${Math.max(...idle).toFixed(1)} % of a core.`,
    );
    const problems = details.flatMap((g) => g.errors.map((e) => `- ${g.row.scenario}, ${g.row.path}: ${e}`));
    console.log(
      `\nProblems: ${problems.length === 0 ? 'none (every job succeeded, every label printed once)' : ''}`,
    );
    for (const p of problems) console.log(p);
    if (rows.some((r) => r.failed > 0 || r.printed !== r.labels)) process.exitCode = 1;
  } finally {
    await teardown.run();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
