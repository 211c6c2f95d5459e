/**
 * bench/serial: the gateway's serial bridge (kind: serial, framing line, kv decode, two signals) on a
 * kernel pty pair from socat, against the same bytes read straight through serialport, in one run.
 *
 *   npm run build && npm run bench:serial         # ~70 s on 2 vCPU; needs socat
 *
 * Each phase gets a fresh pty pair and a fresh receiver process: the compiled gateway (`node
 * --max-semi-space-size=2 dist/src/runtime/cli.js start`, embedded broker and /metrics on free
 * ports) or baseline-reader.js (plain node: serialport, an indexOf line split, no parsing). This
 * process plays the device: ~20-byte frames `w=12.345 seq=123456\n` paced at 115200 baud (8N1:
 * 11 520 bytes/s), then flat out (as fast as the pty takes them). Then the garbage phase (gateway
 * only): 20 MB of random bytes, then one good frame that must still decode. See README.md.
 *
 * Knobs (environment):
 *   BENCH_SECONDS=10          length of each paced and flat-out phase
 *   BENCH_PHASES=paced,flat   which of the two run
 *   BENCH_GARBAGE_MB=20       random bytes of the garbage phase (0 skips it)
 *   BENCH_GATEWAY_FLAGS       node flags of the gateway (default --max-semi-space-size=2), e.g.
 *                             "--max-semi-space-size=2 --cpu-prof --cpu-prof-dir=/tmp/prof"
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasSocat } from '../../test/helpers/pty.js';
import { REPO } from '../mqtt-path/gateways.js';
import { Teardown } from '../mqtt-path/teardown.js';
import { decodeCosts, type StageCost } from './decode-cost.js';
import { GOOD_FRAME, runGarbage, type GarbageResult } from './garbage.js';
import { runPhase, type PhaseRow, type PhaseSpec } from './phase.js';
import { startBaseline, startGateway } from './receivers.js';
import { garbageTable, phaseTable, ratioTable, stageTable } from './report.js';
import { FRAME_BYTES, frame } from './traffic.js';

const num = (name: string, dflt: number): number => {
  const value = Number(process.env[name] ?? dflt);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number >= 0`);
  return value;
};

const BAUD = 115_200;
const SECONDS = num('BENCH_SECONDS', 10);
const GARBAGE_BYTES = Math.round(num('BENCH_GARBAGE_MB', 20) * 1e6);
const PHASES = (process.env.BENCH_PHASES ?? 'paced,flat').split(',');
const FLAGS = (process.env.BENCH_GATEWAY_FLAGS ?? '--max-semi-space-size=2').split(/\s+/).filter(Boolean);
const CLI = join(REPO, 'dist/src/runtime/cli.js');

function specs(): PhaseSpec[] {
  const all: PhaseSpec[] = [
    { name: `paced ${BAUD} baud, ${SECONDS} s`, mode: 'paced', baud: BAUD, durationMs: SECONDS * 1000 },
    { name: `flat out, ${SECONDS} s`, mode: 'flat', baud: BAUD, durationMs: SECONDS * 1000 },
  ];
  return all.filter((s) => PHASES.includes(s.mode));
}

/** Whether a serial bridge source is newer than the compiled gateway. */
async function distIsStale(): Promise<boolean> {
  const built = (await stat(CLI)).mtimeMs;
  const dir = join(REPO, 'bridges/serial');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  const times = await Promise.all(files.map(async (f) => (await stat(join(dir, f))).mtimeMs));
  return times.some((t) => t > built);
}

interface Results {
  rows: PhaseRow[];
  garbage?: GarbageResult;
  stages: StageCost[];
}

async function measure(teardown: Teardown, dir: string): Promise<Results> {
  const rows: PhaseRow[] = [];
  for (const spec of specs()) {
    const name = spec.name;
    rows.push(
      await runPhase(teardown, spec, (tty) =>
        startGateway(teardown, { dir, tty, baud: BAUD, flags: FLAGS, name }),
      ),
    );
    rows.push(await runPhase(teardown, spec, (tty) => startBaseline(teardown, { tty, baud: BAUD, name })));
  }
  const garbage =
    GARBAGE_BYTES === 0
      ? undefined
      : await runGarbage(teardown, { dir, baud: BAUD, flags: FLAGS, bytes: GARBAGE_BYTES });
  return { rows, ...(garbage ? { garbage } : {}), stages: decodeCosts() };
}

const loads = (xs: number[]) => xs.map((n) => n.toFixed(2)).join(' ');

function print(result: Results, run: { loadBefore: number[]; seconds: number; stale: boolean }): void {
  const cpu = cpus();
  console.log(
    `# bench/serial: ${new Date().toISOString()}, Node ${process.version}, ${cpu[0]?.model.trim() ?? 'cpu'} x${cpu.length}`,
  );
  console.log(
    `\nLoad average before: ${loads(run.loadBefore)}; after: ${loads(loadavg())}. Whole run ${run.seconds.toFixed(1)} s.`,
  );
  console.log(
    `Frames: ${FRAME_BYTES} bytes (\`${frame(123_456).trimEnd()}\\n\`); paced = ${BAUD} baud at 10 bits per byte = ${BAUD / 10} bytes/s = ${BAUD / 10 / FRAME_BYTES} frames/s. Gateway flags: ${FLAGS.join(' ')}.`,
  );
  if (run.stale)
    console.log('\n**dist/ is older than bridges/serial: run `npm run build` for current numbers.**');
  console.log(`\n${phaseTable(result.rows)}`);
  console.log('\nRatios, gateway / baseline:\n');
  console.log(ratioTable(result.rows));
  if (result.garbage) {
    console.log(
      `\nGarbage (gateway only, max_frame 1024), then one good frame \`${GOOD_FRAME.trimEnd()}\`:\n`,
    );
    console.log(garbageTable(result.garbage));
  }
  console.log('\nThe pure stages of the gateway path, in this process (µs per frame, median of 5 rounds):\n');
  console.log(stageTable(result.stages));
}

async function main(): Promise<void> {
  if (!existsSync(CLI)) {
    console.error(`${CLI} is missing: run \`npm run build\` first (the gateway runs compiled).`);
    process.exitCode = 1;
    return;
  }
  if (!hasSocat()) {
    console.error('socat is missing: bench/serial needs it for the pty pairs (apt-get install socat).');
    process.exitCode = 1;
    return;
  }
  const teardown = new Teardown();
  teardown.onSignals();
  const dir = await mkdtemp(join(tmpdir(), 'cxp-bench-serial-'));
  teardown.add('temp dir', () => rm(dir, { recursive: true, force: true }));
  try {
    const loadBefore = loadavg();
    const started = performance.now();
    const stale = await distIsStale();
    const result = await measure(teardown, dir);
    print(result, { loadBefore, seconds: (performance.now() - started) / 1000, stale });
    const lost = result.rows.some((r) => r.received !== r.sent);
    if (lost || result.garbage?.good.decoded === false) process.exitCode = 1;
  } finally {
    await teardown.run();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
