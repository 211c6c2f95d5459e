/**
 * The printer of one phase: a fresh IPP lab (test/helpers/ipp-lab.ts: ippeveprinter with the
 * Konica-like attribute file and the fake engine, at `-v` so its log names every operation it
 * answers), registered with the teardown. Its log is followed while the phase runs, so each job's
 * start and end on the engine get a time on this process's clock; afterwards every job the client
 * reported is checked in the printer's own records (Get-Jobs and the fake engine's job record).
 */
import { closeSync, openSync, readSync, watch, type FSWatcher } from 'node:fs';
import { IppClient } from '../../devices/ipp/client.js';
import type { PlainOutput } from '../../devices/ipp/plain.js';
import { FAKE_ENGINE, KM_PRESS_CONF, startIppLab, type IppLab } from '../../test/helpers/ipp-lab.js';
import type { Teardown } from '../mqtt-path/teardown.js';

/** What the engine did with one printer job, stamped when its log line was read here. */
export interface EngineJob {
  /** "[Job n] Running command": the job is on the engine. */
  startAt?: number;
  /** "[Job n] Processing time was": the engine finished it. */
  doneAt?: number;
  /** The processing time ippeveprinter itself reports, seconds. */
  seconds?: number;
}

const OPERATION =
  /^\S+ ([A-Z][A-Za-z]*(?:-[A-Z][A-Za-z]*)+) ((?:successful|client-error|server-error)[a-z-]*)/;
const RUNNING = /^\[Job (\d+)\] Running command/;
const PROCESSED = /^\[Job (\d+)\] Processing time was ([\d.]+) seconds/;

/** Follows ippeveprinter's log file as it grows (inotify, with a slow poll as a safety net). */
export class LogWatch {
  readonly jobs = new Map<number, EngineJob>();
  /** "Operation status" -> how many times the printer answered it. */
  readonly operations = new Map<string, number>();
  readonly #fd: number;
  readonly #watcher: FSWatcher;
  readonly #timer: NodeJS.Timeout;
  #offset = 0;
  #rest = '';

  constructor(file: string) {
    this.#fd = openSync(file, 'r');
    this.#watcher = watch(file, () => {
      this.read();
    });
    this.#timer = setInterval(() => {
      this.read();
    }, 100);
    this.read();
  }

  /** Reads what was appended since the last read and takes its lines. */
  read(): void {
    const now = performance.now();
    const chunk = Buffer.alloc(64 * 1024);
    for (let n = readSync(this.#fd, chunk, 0, chunk.length, this.#offset); n > 0;) {
      this.#offset += n;
      const lines = (this.#rest + chunk.toString('utf8', 0, n)).split('\n');
      this.#rest = lines.pop() ?? '';
      for (const line of lines) this.#take(line, now);
      n = readSync(this.#fd, chunk, 0, chunk.length, this.#offset);
    }
  }

  /** A copy of the operation counts, to subtract from a later one. */
  snapshot(): Map<string, number> {
    return new Map(this.operations);
  }

  stop(): void {
    this.read();
    clearInterval(this.#timer);
    this.#watcher.close();
    closeSync(this.#fd);
  }

  #take(line: string, now: number): void {
    const op = OPERATION.exec(line);
    if (op) {
      const key = `${op[1] ?? ''} ${op[2] ?? ''}`;
      this.operations.set(key, (this.operations.get(key) ?? 0) + 1);
      return;
    }
    const running = RUNNING.exec(line);
    if (running) this.#job(Number(running[1])).startAt = now;
    const done = PROCESSED.exec(line);
    if (done) Object.assign(this.#job(Number(done[1])), { doneAt: now, seconds: Number(done[2]) });
  }

  #job(id: number): EngineJob {
    let job = this.jobs.get(id);
    if (!job) this.jobs.set(id, (job = {}));
    return job;
  }
}

export interface BenchLab {
  lab: IppLab;
  log: LogWatch;
  /** Stops the log watch and the lab (also run by the teardown). */
  stop: () => Promise<void>;
}

/** A fresh lab for one phase, its engine at `msPerImpression`, followed from its first line. */
export async function startBenchLab(
  teardown: Teardown,
  name: string,
  msPerImpression: number,
): Promise<BenchLab> {
  const lab = await startIppLab({ attributes: KM_PRESS_CONF, engine: FAKE_ENGINE, verbosity: 1 });
  const stopLab = teardown.add(`ipp lab (${name})`, () => lab.stop());
  lab.setEngineDelay(msPerImpression);
  const log = new LogWatch(lab.logFile);
  const stopLog = teardown.add(`log watch (${name})`, () => {
    log.stop();
  });
  return {
    lab,
    log,
    stop: async () => {
      await stopLog();
      await stopLab();
    },
  };
}

/** Operations answered between two snapshots, per job, most frequent first. */
export function operationsPerJob(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
  jobs: number,
): [string, number][] {
  return [...after]
    .map(([op, n]): [string, number] => [op, (n - (before.get(op) ?? 0)) / Math.max(1, jobs)])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
}

export interface PrinterCheck {
  /** Reported jobs the printer lists as completed with finishings fold-z, and the engine got fold-z. */
  verified: number;
  /** Jobs the printer holds that the client did not report (other than the warm-up). */
  unreported: number;
  problems: string[];
}

const isFoldZ = (v: PlainOutput | undefined) => v === 'fold-z' || v === 100;

/**
 * Checks each printer job id the client reported: Get-Jobs (which-jobs all) must list it completed
 * with finishings fold-z, and the fake engine's record must show it was handed fold-z.
 */
export async function checkPrinter(
  lab: IppLab,
  reported: readonly number[],
  warmUps: number,
): Promise<PrinterCheck> {
  const client = new IppClient({
    url: lab.url,
    timeoutMs: 10_000,
    busyRetries: 3,
    busyBackoff: { initialMs: 100, maxMs: 1000 },
    userName: 'bench-check',
  });
  try {
    const answer = await client.send('Get-Jobs', {
      operation: { 'which-jobs': 'all', 'requested-attributes': ['job-id', 'job-state', 'finishings'] },
    });
    if (!answer.ok)
      return { verified: 0, unreported: 0, problems: [`Get-Jobs failed: ${answer.error.message}`] };
    const listed = new Map(answer.value.jobs.map((j) => [j['job-id']?.[0], j]));
    const problems: string[] = [];
    let verified = 0;
    for (const id of reported) {
      const job = listed.get(id);
      const state = job?.['job-state']?.[0];
      const engine = lab.jobRecord(id)?.IPP_FINISHINGS;
      if (job === undefined) problems.push(`printer job ${id} is not in Get-Jobs`);
      else if (state !== 'completed' && state !== 9)
        problems.push(`printer job ${id} is ${JSON.stringify(state)}`);
      else if (!isFoldZ(job.finishings?.[0]) || engine !== 'fold-z')
        problems.push(
          `printer job ${id}: finishings ${JSON.stringify(job.finishings)}, engine got ${String(engine)}`,
        );
      else verified += 1;
    }
    const known = new Set(reported);
    const unreported = Math.max(
      0,
      [...listed.keys()].filter((id) => !known.has(id as number)).length - warmUps,
    );
    if (unreported > 0) problems.push(`${unreported} jobs on the printer that no client reported`);
    return { verified, unreported, problems };
  } finally {
    client.close();
  }
}
