import type { PrintJobState, PrintJobStatus } from '../../src/capability/result-schema.js';
import type { CxpErrorWire } from '../../src/cxp/errors.js';
import type { TrackedJob } from '../shared/job-waiters.js';

/** One job on a press, from submission to a final state. */
export interface IppJob extends TrackedJob {
  readonly createdAt: number;
  finishedAt?: number;
  /** The printer's job-id once it accepted the job. */
  printerJobId?: number;
  /** job-state-reasons last reported. */
  reasons: string[];
  impressions?: number;
  /** What was asked (reported back in the status metadata). */
  readonly asked: Record<string, unknown>;
}

export const FINAL_STATES: ReadonlySet<PrintJobState> = new Set([
  'completed',
  'canceled',
  'aborted',
  'failed',
]);

export const isFinalJob = (job: IppJob): boolean => FINAL_STATES.has(job.state);

/** IPP job-state (RFC 8011 §5.3.7) to PRINT_JOB_STATES. */
export function jobStateOf(ipp: string | number | undefined): PrintJobState | undefined {
  switch (ipp) {
    case 'pending':
    case 3:
      return 'pending';
    case 'pending-held':
    case 4:
      return 'held';
    case 'processing':
    case 'processing-stopped':
    case 5:
    case 6:
      return 'processing';
    case 'canceled':
    case 7:
      return 'canceled';
    case 'aborted':
    case 8:
      return 'aborted';
    case 'completed':
    case 9:
      return 'completed';
    default:
      return undefined;
  }
}

/** Jobs by id, the finished ones forgotten oldest first beyond `retention`. */
export class IppJobs {
  readonly #all = new Map<string, IppJob>();
  readonly #finished: string[] = [];
  readonly #retention: number;

  constructor(retention: number) {
    this.#retention = retention;
  }

  add(job: IppJob): void {
    this.#all.set(job.id, job);
  }

  get(id: string): IppJob | undefined {
    return this.#all.get(id);
  }

  /** Jobs not final (to follow). */
  open(): IppJob[] {
    return [...this.#all.values()].filter((j) => !isFinalJob(j));
  }

  /** Ends a job once (a later report cannot change a final state). */
  finish(job: IppJob, state: PrintJobState, at: number, error?: CxpErrorWire): boolean {
    if (isFinalJob(job)) return false;
    job.state = state;
    job.finishedAt = at;
    if (error) job.error = error;
    else if (state === 'completed') delete job.error;
    this.#finished.push(job.id);
    while (this.#finished.length > this.#retention) {
      const old = this.#finished.shift();
      if (old !== undefined) this.#all.delete(old);
    }
    return true;
  }

  status(job: IppJob, printer: string): PrintJobStatus {
    return {
      work_id: job.id,
      status: job.state,
      created_at: new Date(job.createdAt).toISOString(),
      ...(job.finishedAt === undefined ? {} : { finished_at: new Date(job.finishedAt).toISOString() }),
      ...(job.state === 'completed' ? { progress_percent: 100 } : {}),
      ...(job.error ? { error: job.error } : {}),
      metadata: {
        printer,
        ...(job.printerJobId === undefined ? {} : { printer_job_id: job.printerJobId }),
        job_state_reasons: job.reasons,
        ...(job.impressions === undefined ? {} : { impressions_completed: job.impressions }),
        ...job.asked,
      },
    };
  }
}
