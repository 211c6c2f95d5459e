import type { PrintJobState, PrintJobStatus } from '../../src/capability/result-schema.js';
import type { Clock } from '../../src/cxp/clock.js';
import { CxpError, type CxpErrorWire, type Result } from '../../src/cxp/errors.js';
import type { ZebraConfig } from './config.js';

/**
 * The jobs of one printer: a bounded queue in submission order, at most one job on the printer at a
 * time, and the finished ones remembered (bounded) for print.job_status. States follow
 * PRINT_JOB_STATES: `pending` (queued), `held` (waiting for the printer to be ready; `error` says why),
 * `processing` (sent; `error` set while the printer reports a fault), then one of `completed`,
 * `canceled`, `aborted` (given up on the printer, cancelled there with ~JA) or `failed` (could not be
 * handed over). Nothing accepted is dropped silently: every job ends in a final state with a reason.
 */
export interface ZebraJob {
  readonly id: string;
  /** Emptied once the job is final (memory). */
  document: string;
  readonly labels: number;
  readonly createdAt: number;
  state: PrintJobState;
  sentAt?: number;
  finishedAt?: number;
  error?: CxpErrorWire;
  odometerStart?: number;
  /** Labels the odometer counted for this job (when the printer reports an odometer). */
  printed?: number;
  labelsRemaining?: number;
  /** Time the printer reported a fault while the job was on it (does not count toward the timeout). */
  blockedMs?: number;
  blockedSince?: number;
  /** Idle polls seen with the odometer short of `labels`. */
  shortPolls?: number;
}

const FINAL: ReadonlySet<PrintJobState> = new Set(['completed', 'canceled', 'aborted', 'failed']);

export function isFinal(job: ZebraJob): boolean {
  return FINAL.has(job.state);
}

export class ZebraJobs {
  readonly #c: ZebraConfig;
  readonly #clock: Clock;
  readonly #newId: () => string;
  readonly #onChange: (job: ZebraJob) => void;
  readonly #all = new Map<string, ZebraJob>();
  /** Waiting jobs (pending or held), oldest first. */
  #waiting: ZebraJob[] = [];
  #active: ZebraJob | undefined;
  /** Finished job ids, oldest first (for retention). */
  readonly #finished: string[] = [];

  constructor(config: ZebraConfig, clock: Clock, newId: () => string, onChange: (job: ZebraJob) => void) {
    this.#c = config;
    this.#clock = clock;
    this.#newId = newId;
    this.#onChange = onChange;
  }

  get active(): ZebraJob | undefined {
    return this.#active;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  get(id: string): ZebraJob | undefined {
    return this.#all.get(id);
  }

  add(document: string, labels: number): Result<ZebraJob> {
    if (this.#waiting.length >= this.#c.queue_capacity)
      return {
        ok: false,
        error: new CxpError(
          'DEVICE_BUSY',
          `${this.#c.id}: ${this.#waiting.length} jobs are waiting already`,
          {
            details: { queue_capacity: this.#c.queue_capacity },
          },
        ),
      };
    const job: ZebraJob = {
      id: this.#newId(),
      document,
      labels,
      createdAt: this.#clock.now(),
      state: 'pending',
    };
    this.#all.set(job.id, job);
    this.#waiting.push(job);
    this.#onChange(job);
    return { ok: true, value: job };
  }

  nextPending(): ZebraJob | undefined {
    return this.#waiting[0];
  }

  /** The job waits because the printer is not ready (`reason`), or again pending when none. */
  hold(job: ZebraJob, reason: CxpErrorWire | undefined): void {
    if (isFinal(job)) return;
    const state: PrintJobState = reason ? 'held' : 'pending';
    if (job.state === state && job.error?.code === reason?.code) return;
    job.state = state;
    if (reason) job.error = reason;
    else delete job.error;
    this.#onChange(job);
  }

  /** The job is about to be written to the printer (it stays pending or held until sent). */
  sending(job: ZebraJob): void {
    if (isFinal(job)) return;
    this.#waiting = this.#waiting.filter((j) => j !== job);
    this.#active = job;
  }

  /** Nothing of it reached the printer after all: it is first in line again. */
  unsend(job: ZebraJob): void {
    if (isFinal(job) || this.#active !== job) return;
    this.#active = undefined;
    this.#waiting.unshift(job);
  }

  sent(job: ZebraJob): void {
    if (isFinal(job)) return;
    job.state = 'processing';
    job.sentAt = this.#clock.now();
    delete job.error;
    this.#onChange(job);
  }

  /** A poll while the job prints: the fault the printer reports now (if any), labels remaining. */
  progress(job: ZebraJob, fault: CxpErrorWire | undefined, labelsRemaining: number | undefined): void {
    if (isFinal(job)) return;
    const changed = job.error?.code !== fault?.code || job.labelsRemaining !== labelsRemaining;
    if (fault) job.error = fault;
    else delete job.error;
    if (labelsRemaining !== undefined) job.labelsRemaining = labelsRemaining;
    if (changed) this.#onChange(job);
  }

  complete(job: ZebraJob, printed: number | undefined): void {
    if (printed !== undefined) job.printed = printed;
    job.labelsRemaining = 0;
    this.#finish(job, 'completed', undefined);
  }

  fail(job: ZebraJob, error: CxpErrorWire): void {
    this.#finish(job, 'failed', error);
  }

  abort(job: ZebraJob, error: CxpErrorWire): void {
    this.#finish(job, 'aborted', error);
  }

  cancel(job: ZebraJob): Result<ZebraJob> {
    if (isFinal(job))
      return {
        ok: false,
        error: new CxpError('INVALID_PARAMS', `job ${job.id} is already ${job.state}`, {
          details: { state: job.state },
        }),
      };
    this.#finish(job, 'canceled', new CxpError('JOB_CANCELED', `job ${job.id} was cancelled`).toWire());
    return { ok: true, value: job };
  }

  /** Waiting jobs older than max_pending_ms fail with the printer's fault (or DEVICE_OFFLINE). */
  expirePending(now: number, fault: CxpErrorWire | undefined): void {
    for (const job of [...this.#waiting]) {
      if (now - job.createdAt <= this.#c.max_pending_ms) continue;
      const why =
        fault ??
        new CxpError(
          'DEVICE_OFFLINE',
          `${this.#c.id} could not take the job within ${this.#c.max_pending_ms} ms`,
        ).toWire();
      this.#finish(job, 'failed', { ...why, details: { ...why.details, waited_ms: now - job.createdAt } });
    }
  }

  /** The PrintJobStatus of a job (the answer to print.job_status). */
  status(job: ZebraJob): PrintJobStatus {
    const metadata: Record<string, unknown> = { printer: this.#c.id, labels: job.labels };
    if (job.printed !== undefined) metadata.labels_printed = job.printed;
    if (job.labelsRemaining !== undefined) metadata.labels_remaining = job.labelsRemaining;
    const progress =
      job.state === 'completed'
        ? 100
        : job.state === 'processing' && job.labelsRemaining !== undefined && job.labels > 0
          ? Math.max(0, Math.min(99, Math.round((100 * (job.labels - job.labelsRemaining)) / job.labels)))
          : undefined;
    return {
      work_id: job.id,
      status: job.state,
      created_at: new Date(job.createdAt).toISOString(),
      ...(job.finishedAt === undefined ? {} : { finished_at: new Date(job.finishedAt).toISOString() }),
      ...(progress === undefined ? {} : { progress_percent: progress }),
      ...(job.error ? { error: job.error } : {}),
      metadata,
    };
  }

  #finish(job: ZebraJob, state: PrintJobState, error: CxpErrorWire | undefined): void {
    if (isFinal(job)) return; // a job ends once (a late completion cannot overwrite a cancel)
    job.state = state;
    job.finishedAt = this.#clock.now();
    job.document = '';
    if (error) job.error = error;
    else delete job.error;
    this.#waiting = this.#waiting.filter((j) => j !== job);
    if (this.#active === job) this.#active = undefined;
    this.#finished.push(job.id);
    while (this.#finished.length > this.#c.job_retention) {
      const old = this.#finished.shift();
      if (old !== undefined) this.#all.delete(old);
    }
    this.#onChange(job);
  }
}
