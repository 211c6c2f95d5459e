/**
 * bench/ipp: the IPP codec on a production press's Get-Printer-Attributes response, and jobs/min
 * through the whole CXP path against ipptool submitting straight to the printer, in one run.
 *
 *   npm run build && npm run bench:ipp          # ~100 s on 2 vCPU with the defaults
 *
 * Codec: responses captured from the lab's Konica-like press (Get-Printer-Attributes with
 * requested-attributes all plus media-col-database and the finishing attributes CUPS leaves out
 * of "all"; the driver's own printer poll; the driver's job poll), decoded and re-encoded here
 * beside Buffer.from and JSON.parse / JSON.stringify of the same attributes as JSON.
 * Jobs: every phase gets a fresh lab (ippeveprinter, the fake engine at BENCH_MS_PER_IMPRESSION)
 * and one warm-up job that is not counted; each job is a one-page PDF with finishings fold-z.
 *   - baseline: ipptool, one process, Print-Job then Get-Job-Attributes every poll until job-state
 *     9, job after job; at BENCH_JOB_POLL_MS (the gateway's cadence) and at BENCH_FAST_POLL_MS;
 *   - gateway: `cxp-edge start` compiled, in its own process (embedded broker and /metrics on free
 *     ports, one ipp device on the lab) <- print.submit ACTION_REQUESTs published by MQTT.js here,
 *     one in flight at a time, then all at once; a job is done when its `succeeded` arrives.
 * Every reported job is then checked on the printer (Get-Jobs: completed, finishings fold-z; the
 * fake engine's record: it was handed fold-z). The lab's log gives each job's engine start and end.
 *
 * Knobs (environment):
 *   BENCH_PARTS=codec,jobs          which parts run (default both)
 *   BENCH_PHASES=ipptool,ipptool-fast,one,batch   which jobs phases run (default all four)
 *   BENCH_N=15                      measured jobs per phase
 *   BENCH_BATCH_N                   jobs of the batch phase (default BENCH_N)
 *   BENCH_MS_PER_IMPRESSION=750     the fake engine's time per page (750: 80 ppm, the press's rating)
 *   BENCH_JOB_POLL_MS=200           the device's job_poll_interval_ms, and ipptool's poll (baseline)
 *   BENCH_FAST_POLL_MS=20           ipptool's poll in the ipptool-fast baseline
 *   BENCH_IDLE_POLL_MS=5000         the device's poll_interval_ms (the driver's default)
 *   BENCH_CODEC_ITER=2000           codec iterations per round (the same again to warm up)
 *   BENCH_CODEC_ROUNDS=5            timed rounds; the median is reported
 *   BENCH_GATEWAY_FLAGS             node flags of the gateway (default --max-semi-space-size=2, as npm start)
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ippLabAvailability } from '../../test/helpers/ipp-lab.js';
import { tinyPdf } from '../../test/helpers/pdf.js';
import { REPO } from '../mqtt-path/gateways.js';
import { Teardown } from '../mqtt-path/teardown.js';
import { runIpptool } from './baseline.js';
import { codecLines } from './codec-bench.js';
import { captureSamples } from './codec-capture.js';
import { runGatewayPhase } from './gateway-path.js';
import { cpuSeconds } from './gateway-rig.js';
import { checkPrinter, operationsPerJob, startBenchLab, type BenchLab } from './lab.js';
import {
  breakdownTable,
  ratioLines,
  resultsTable,
  type GatewayUsage,
  type JobTimes,
  type Row,
} from './report.js';

const num = (name: string, dflt: number): number => {
  const value = Number(process.env[name] ?? dflt);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be an integer >= 1`);
  return value;
};

const N = num('BENCH_N', 15);
const BATCH_N = num('BENCH_BATCH_N', N);
const MS_PER_IMPRESSION = num('BENCH_MS_PER_IMPRESSION', 750);
const JOB_POLL_MS = num('BENCH_JOB_POLL_MS', 200);
const FAST_POLL_MS = num('BENCH_FAST_POLL_MS', 20);
const IDLE_POLL_MS = num('BENCH_IDLE_POLL_MS', 5000);
const CODEC = {
  iterations: num('BENCH_CODEC_ITER', 2000),
  rounds: num('BENCH_CODEC_ROUNDS', 5),
  retain: 500,
};
const PARTS = (process.env.BENCH_PARTS ?? 'codec,jobs').split(',');
const PHASES = (process.env.BENCH_PHASES ?? 'ipptool,ipptool-fast,one,batch').split(',');

/** Generous: every job printed, waiting out polls and busy retries, and some. */
const timeoutFor = (jobs: number) => 30_000 + jobs * 4 * (MS_PER_IMPRESSION + 1000);

interface Context {
  teardown: Teardown;
  dir: string;
  pdfFile: string;
  pdfBase64: string;
}

interface PhaseRun {
  times: JobTimes[];
  problems: string[];
  usage?: GatewayUsage;
}

/** Runs one phase on a fresh lab and reads what the printer did meanwhile. */
async function onFreshLab(
  c: Context,
  path: string,
  jobs: number,
  run: (bl: BenchLab, onStart: () => Promise<void>) => Promise<PhaseRun>,
): Promise<Row> {
  const bl = await startBenchLab(c.teardown, path, MS_PER_IMPRESSION);
  try {
    const pid = bl.lab.pids.ippeveprinter;
    const mark = { ops: bl.log.snapshot(), cpu: 0 };
    const onStart = async () => {
      bl.log.read();
      mark.ops = bl.log.snapshot();
      mark.cpu = await cpuSeconds(pid);
    };
    const r = await run(bl, onStart);
    bl.log.read();
    const printerCpu = (await cpuSeconds(pid)) - mark.cpu;
    const reported = r.times.flatMap((t) => (t.printerJobId === undefined ? [] : [t.printerJobId]));
    const check = await checkPrinter(bl.lab, reported, 1);
    const failed = [...new Set(r.times.flatMap((t) => (t.error === undefined ? [] : [t.error])))];
    return {
      path,
      jobs,
      times: r.times,
      check,
      engine: new Map(bl.log.jobs),
      operations: operationsPerJob(mark.ops, bl.log.snapshot(), jobs),
      printerCpu,
      ...(r.usage === undefined ? {} : { gateway: r.usage }),
      problems: [...r.problems, ...failed, ...check.problems],
    };
  } finally {
    await bl.stop();
  }
}

/** ipptool straight to the printer: a warm-up job, then `N` measured ones. */
function ipptoolPhase(c: Context, pollMs: number, codec?: (bl: BenchLab) => Promise<void>) {
  return onFreshLab(c, `ipptool, poll ${pollMs} ms`, N, async (bl, onStart) => {
    const o = { dir: c.dir, url: bl.lab.url, pdfFile: c.pdfFile, pollMs, timeoutMs: timeoutFor(N) };
    const warm = await runIpptool(c.teardown, { ...o, jobs: 1 });
    if (warm.times[0]?.done === undefined)
      throw new Error(`the warm-up job did not complete: ${warm.problems.join('; ')}`);
    await codec?.(bl);
    await onStart();
    return runIpptool(c.teardown, { ...o, jobs: N });
  });
}

/** The gateway on a fresh lab: `inflight` 1 (one at a time) or all at once. */
function gatewayPhase(c: Context, path: string, jobs: number, inflight: number) {
  return onFreshLab(c, path, jobs, async (bl, onStart) => {
    const rig = { name: path, dir: c.dir, url: bl.lab.url, jobPollMs: JOB_POLL_MS, idlePollMs: IDLE_POLL_MS };
    const phase = { jobs, inflight, pdfBase64: c.pdfBase64, timeoutMs: timeoutFor(jobs), onStart };
    return runGatewayPhase(c.teardown, rig, phase);
  });
}

/** Captures the three responses from the lab (its warm-up job is job 1) and measures the codec on them. */
function codecPart(lines: string[]) {
  return async (bl: BenchLab) => {
    lines.push(...codecLines(await captureSamples(bl.lab.url, 1), CODEC));
  };
}

const loads = (xs: number[]) => xs.map((n) => n.toFixed(2)).join(' ');

/** The codec alone: a lab with one job (for the job poll's answer), no jobs phases. */
async function codecOnly(c: Context, measure: (bl: BenchLab) => Promise<void>): Promise<void> {
  const bl = await startBenchLab(c.teardown, 'codec', MS_PER_IMPRESSION);
  try {
    const o = {
      dir: c.dir,
      url: bl.lab.url,
      pdfFile: c.pdfFile,
      pollMs: JOB_POLL_MS,
      timeoutMs: timeoutFor(1),
    };
    await runIpptool(c.teardown, { ...o, jobs: 1 });
    await measure(bl);
  } finally {
    await bl.stop();
  }
}

async function runParts(c: Context): Promise<{ codec: string[]; rows: Row[] }> {
  const codec: string[] = [];
  const rows: Row[] = [];
  const measureCodec = PARTS.includes('codec') ? codecPart(codec) : undefined;
  if (!PARTS.includes('jobs')) {
    if (measureCodec) await codecOnly(c, measureCodec);
    return { codec, rows };
  }
  // The codec runs on the first baseline's lab, after its warm-up job and before its measured jobs.
  if (PHASES.includes('ipptool')) rows.push(await ipptoolPhase(c, JOB_POLL_MS, measureCodec));
  else if (measureCodec) await codecOnly(c, measureCodec);
  if (PHASES.includes('ipptool-fast')) rows.push(await ipptoolPhase(c, FAST_POLL_MS));
  if (PHASES.includes('one')) rows.push(await gatewayPhase(c, 'gateway, one in flight', N, 1));
  if (PHASES.includes('batch'))
    rows.push(await gatewayPhase(c, `gateway, batch of ${BATCH_N}`, BATCH_N, BATCH_N));
  return { codec, rows };
}

function print(codec: string[], rows: Row[], loadBefore: number[], started: number): void {
  console.log(
    `# bench/ipp: ${new Date().toISOString()}, Node ${process.version}, ${cpus()[0]?.model.trim() ?? 'cpu'} x${cpus().length}\n`,
  );
  console.log(
    `Load average before: ${loads(loadBefore)}; after: ${loads(loadavg())}. Whole run ${((performance.now() - started) / 1000).toFixed(1)} s.\n`,
  );
  for (const line of codec) console.log(line);
  if (rows.length === 0) return;
  console.log('## Jobs/min\n');
  console.log(
    `Fake engine ${MS_PER_IMPRESSION} ms per impression, one-page PDF (${tinyPdf().length} bytes), finishings fold-z. Device: job_poll_interval_ms ${JOB_POLL_MS}, poll_interval_ms ${IDLE_POLL_MS}. A fresh lab per row; one warm-up job per row, not counted.\n`,
  );
  console.log(resultsTable(rows));
  console.log(
    '\nRatios, gateway / baseline (jobs/min; first -> last completion, then first request -> last completion):\n',
  );
  const ratios = ratioLines(rows);
  console.log(ratios.length > 0 ? ratios.join('\n') : '(needs a baseline and a gateway row)');
  console.log(
    "\nWhere a job's time goes (ms, p50 / p99; engine times from the printer's log, read as it grows):\n",
  );
  console.log(breakdownTable(rows));
  const problems = rows.flatMap((r) => r.problems.map((p) => `- ${r.path}: ${p}`));
  console.log(
    `\nProblems: ${problems.length === 0 ? 'none (every job completed, and the printer shows each one completed with fold-z)' : ''}`,
  );
  for (const p of problems) console.log(p);
}

async function main(): Promise<void> {
  const teardown = new Teardown();
  teardown.onSignals();
  const dir = await mkdtemp(join(tmpdir(), 'cxp-bench-ipp-'));
  teardown.add('temp dir', () => rm(dir, { recursive: true, force: true }));
  try {
    if (!existsSync(join(REPO, 'dist/src/runtime/cli.js'))) throw new Error('run `npm run build` first');
    const available = ippLabAvailability();
    if (!available.ok) throw new Error(`the IPP lab cannot run here: ${available.reason}`);
    const pdfFile = join(dir, 'page.pdf');
    await writeFile(pdfFile, tinyPdf());
    const loadBefore = loadavg();
    const started = performance.now();
    const { codec, rows } = await runParts({
      teardown,
      dir,
      pdfFile,
      pdfBase64: tinyPdf().toString('base64'),
    });
    print(codec, rows, loadBefore, started);
    if (rows.some((r) => r.check.verified !== r.jobs || r.problems.length > 0)) process.exitCode = 1;
  } finally {
    await teardown.run();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
