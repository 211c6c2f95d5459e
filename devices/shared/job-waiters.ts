import type { PrintJobStatus } from '../../src/capability/result-schema.js';
import { CxpError } from '../../src/cxp/errors.js';
import type { MessageFactory } from '../../src/cxp/message.js';
import type { MessageOf } from '../../src/cxp/schema/index.js';
import type { ActionContext } from '../../src/runtime/dispatcher.js';
import type { CxpErrorWire } from '../../src/cxp/errors.js';
import type { PrintJobState } from '../../src/capability/result-schema.js';

/** What a waiter needs of a job (Zebra and IPP jobs both have it). */
export interface TrackedJob {
  readonly id: string;
  state: PrintJobState;
  error?: CxpErrorWire;
}

const FINAL: ReadonlySet<PrintJobState> = new Set(['completed', 'canceled', 'aborted', 'failed']);
const isFinal = (job: TrackedJob): boolean => FINAL.has(job.state);

/**
 * Requests waiting for their print job: each gets `running` once the job is on the printer (and
 * again when the printer reports or clears a fault), then exactly one final result: `succeeded`
 * with the PrintJobStatus when the job completed, `failed` with the job's error otherwise, or
 * `failed` with DEADLINE_EXCEEDED when the request's deadline passes first (the job itself goes on
 * and can be followed with print.job_status).
 */
interface Waiter {
  request: MessageOf<'ACTION_REQUEST'>;
  context: ActionContext;
  timer: NodeJS.Timeout | undefined;
  lastSent: string;
}

export class JobWaiters<J extends TrackedJob = TrackedJob> {
  readonly #messages: MessageFactory;
  readonly #status: (job: J) => PrintJobStatus;
  readonly #byJob = new Map<string, Set<Waiter>>();

  constructor(messages: MessageFactory, status: (job: J) => PrintJobStatus) {
    this.#messages = messages;
    this.#status = status;
  }

  /** Follows `job` for `request`; `deadlineMs` counts from now. */
  add(job: J, request: MessageOf<'ACTION_REQUEST'>, context: ActionContext, deadlineMs?: number): void {
    const waiter: Waiter = { request, context, timer: undefined, lastSent: job.state };
    let set = this.#byJob.get(job.id);
    if (!set) {
      set = new Set();
      this.#byJob.set(job.id, set);
    }
    const waiters = set;
    waiters.add(waiter);
    if (deadlineMs !== undefined) {
      waiter.timer = setTimeout(() => {
        waiters.delete(waiter);
        if (waiters.size === 0) this.#byJob.delete(job.id);
        const error = new CxpError(
          'DEADLINE_EXCEEDED',
          `job ${job.id} was not finished within deadline_ms ${deadlineMs} (it goes on; see print.job_status)`,
          { details: { job_id: job.id, state: job.state } },
        );
        this.#emit(waiter, 'failed', this.#status(job), error.toWire());
      }, deadlineMs);
      waiter.timer.unref();
    }
    this.update(job);
  }

  /** A job changed: tell whoever waits for it. */
  update(job: J): void {
    const waiters = this.#byJob.get(job.id);
    if (!waiters) return;
    const status = this.#status(job);
    const final = isFinal(job);
    for (const w of waiters) {
      if (final) {
        clearTimeout(w.timer);
        if (job.state === 'completed') this.#emit(w, 'succeeded', status);
        else
          this.#emit(
            w,
            'failed',
            status,
            job.error ?? new CxpError('INTERNAL_ERROR', `job ${job.state}`).toWire(),
          );
        continue;
      }
      const key = `${job.state}:${job.error?.code ?? ''}`;
      if (job.state === 'processing' && key !== w.lastSent) {
        w.lastSent = key;
        this.#emit(w, 'running', status);
      }
    }
    if (final) this.#byJob.delete(job.id);
  }

  /** Ends every wait (the provider stops): each gets a final `failed`. */
  closeAll(reason: string): void {
    for (const [jobId, waiters] of this.#byJob) {
      for (const w of waiters) {
        clearTimeout(w.timer);
        const error = new CxpError('CONNECTION_LOST', reason, { details: { job_id: jobId } });
        this.#emit(w, 'failed', undefined, error.toWire());
      }
    }
    this.#byJob.clear();
  }

  get size(): number {
    let n = 0;
    for (const set of this.#byJob.values()) n += set.size;
    return n;
  }

  #emit(
    w: Waiter,
    status: 'running' | 'succeeded' | 'failed',
    result: PrintJobStatus | undefined,
    error?: MessageOf<'ACTION_RESULT'>['error'],
  ): void {
    w.context.emit(
      this.#messages.create('ACTION_RESULT', {
        correlation_id: w.request.id ?? '*',
        action: w.request.action,
        status,
        ...(w.request.task_id === undefined ? {} : { task_id: w.request.task_id }),
        ...(result === undefined ? {} : { result }),
        ...(result?.progress_percent === undefined ? {} : { progress_percent: result.progress_percent }),
        ...(error === undefined ? {} : { error }),
      }),
    );
  }
}
