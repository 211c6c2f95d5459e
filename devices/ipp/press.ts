import { createReadStream } from 'node:fs';
import type { Logger } from 'pino';
import type { Clock } from '../../src/cxp/clock.js';
import { CxpError, type CxpErrorWire, type Result } from '../../src/cxp/errors.js';
import { PRINTER_ATTRIBUTES, supportOf, type PressSupport } from './capabilities.js';
import { IppClient, type IppAnswer } from './client.js';
import type { PlainAttributes } from './codec.js';
import type { IppConfig } from './config.js';
import { IppJobs, isFinalJob, jobStateOf, type IppJob } from './jobs.js';
import type { PlainRecord } from './plain.js';
import { ippError, requestAttributes, type PressJobRequest } from './job-attributes.js';

export type { PressJobRequest } from './job-attributes.js';
import { readReasons, type ReasonReading } from './reasons.js';

/**
 * One IPP press: a poll of its attributes and state, and its jobs followed to a final state with
 * Get-Job-Attributes. A job is sent in the background after it was checked against what the press
 * reports; Print-Job for a document in memory, Create-Job + Send-Document (streamed) for a file.
 */

export interface PressStatus {
  online: boolean;
  state: 'ready' | 'printing' | 'stopped' | 'offline';
  reading: ReasonReading;
  printer: PlainRecord;
  support: PressSupport | undefined;
  at: number;
}

export interface PressEvents {
  onStatus(status: PressStatus): void;
  onJob(job: IppJob): void;
}

const JOB_ATTRIBUTES = ['job-state', 'job-state-reasons', 'job-state-message', 'job-impressions-completed'];

export class IppPress {
  readonly id: string;
  readonly jobs: IppJobs;
  readonly client: IppClient;
  readonly #c: IppConfig;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #events: PressEvents;
  #status: PressStatus;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #lastPrinterPoll = 0;
  #busy: Promise<void> = Promise.resolve();
  /** Jobs not handed to the printer yet, in order; sent one at a time, apart from the polls. */
  readonly #toSend: { job: IppJob; req: PressJobRequest }[] = [];
  #sending: Promise<void> | undefined;
  /** The printer answered busy: the next send waits until none of our jobs is on it. */
  #printerBusy = false;

  constructor(config: IppConfig, client: IppClient, logger: Logger, clock: Clock, events: PressEvents) {
    this.id = config.id;
    this.#c = config;
    this.client = client;
    this.#log = logger;
    this.#clock = clock;
    this.#events = events;
    this.jobs = new IppJobs(config.job_retention);
    this.#status = {
      online: false,
      state: 'offline',
      reading: { errors: [], warnings: [] },
      printer: {},
      support: undefined,
      at: clock.now(),
    };
  }

  get status(): PressStatus {
    return this.#status;
  }

  start(): void {
    this.#running = true;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await this.#busy;
    await this.#sending;
    this.client.close();
  }

  /** Polls the printer now. */
  async refresh(): Promise<PressStatus> {
    await this.#pollPrinter();
    return this.#status;
  }

  /** Checks a request against what the press reports; every refused value is listed. */
  check(req: PressJobRequest): Result<void> {
    const s = this.#status.support;
    if (!s)
      return {
        ok: false,
        error: new CxpError('DEVICE_OFFLINE', `${this.id} has not reported its capabilities yet`),
      };
    const refused: { attribute: string; value: string | number; supported: (string | number)[] }[] = [];
    const check = (attribute: string, value: string | undefined, supported: Set<string>) => {
      if (value !== undefined && supported.size > 0 && !supported.has(value))
        refused.push({ attribute, value, supported: [...supported].sort() });
    };
    for (const f of req.finishings)
      if (!s.finishings.has(f) && !s.templates.has(f))
        refused.push({
          attribute: 'finishings',
          value: f,
          supported: [...new Set([...s.finishings, ...s.templates])].sort(),
        });
    check('media', req.media, s.media);
    check('media-type', req.mediaType, s.mediaTypes);
    check('sides', req.sides, s.sides);
    check('print-color-mode', req.colorMode, s.colorModes);
    check('document-format', req.format, s.formats);
    if (req.copies !== undefined && s.copies && (req.copies < s.copies.lower || req.copies > s.copies.upper))
      refused.push({ attribute: 'copies', value: req.copies, supported: [s.copies.lower, s.copies.upper] });
    if (refused.length === 0) return { ok: true, value: undefined };
    const list = refused.map((r) => `${r.attribute}=${String(r.value)}`).join(', ');
    return {
      ok: false,
      error: new CxpError('INVALID_PARAMS', `${this.id} does not support ${list}`, { details: { refused } }),
    };
  }

  /** Starts a checked job; it is sent in the background (follow it through `onJob`). */
  submit(req: PressJobRequest, id: string, asked: Record<string, unknown>): IppJob {
    const job: IppJob = { id, state: 'pending', createdAt: this.#clock.now(), reasons: [], asked };
    this.jobs.add(job);
    this.#events.onJob(job);
    this.#toSend.push({ job, req });
    this.#pumpSends();
    return job;
  }

  /** Cancels a job: Cancel-Job on the printer once it has it. */
  async cancel(jobId: string): Promise<Result<IppJob>> {
    const job = this.jobs.get(jobId);
    if (!job) return { ok: false, error: new CxpError('UNKNOWN_JOB', `no job ${jobId} on ${this.id}`) };
    if (isFinalJob(job))
      return { ok: false, error: new CxpError('INVALID_PARAMS', `job ${jobId} is already ${job.state}`) };
    if (job.printerJobId !== undefined) {
      const answer = await this.client.send('Cancel-Job', { operation: { 'job-id': job.printerJobId } });
      if (!answer.ok) return answer;
      if (answer.value.status >= 0x0400 && answer.value.statusName !== 'client-error-not-possible')
        return { ok: false, error: ippError(answer.value, this.id, 'Cancel-Job') };
    }
    this.#end(job, 'canceled', new CxpError('JOB_CANCELED', `job ${jobId} was cancelled`).toWire());
    return { ok: true, value: job };
  }

  /**
   * Sends waiting jobs one at a time, beside the polls (a long upload never delays a job's status).
   * A printer that answered busy gets the next job only once none of ours is on it any more: no
   * document is uploaded again and again into a printer that cannot take it.
   */
  #pumpSends(): void {
    if (this.#sending || !this.#running) return;
    if (this.#printerBusy && this.jobs.open().some((j) => j.printerJobId !== undefined)) return;
    const next = this.#toSend[0];
    if (!next) return;
    this.#sending = this.#send(next.job, next.req)
      .then((held) => {
        if (!held) this.#toSend.shift();
      })
      .catch((err: unknown) => {
        this.#toSend.shift();
        this.#log.error({ err }, 'sending a job failed');
      })
      .finally(() => {
        this.#sending = undefined;
        if (!this.#printerBusy) this.#pumpSends();
      });
  }

  #serial(task: () => Promise<void>): void {
    this.#busy = this.#busy.then(task).catch((err: unknown) => {
      this.#log.error({ err }, 'press task failed');
    });
  }

  #schedule(ms: number): void {
    clearTimeout(this.#timer);
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      this.#serial(() => this.#tick());
    }, ms);
  }

  async #tick(): Promise<void> {
    const now = this.#clock.now();
    if (now - this.#lastPrinterPoll >= this.#c.poll_interval_ms || !this.#status.online)
      await this.#pollPrinter();
    for (const job of this.jobs.open()) await this.#pollJob(job);
    this.#pumpSends();
    this.#schedule(this.jobs.open().length > 0 ? this.#c.job_poll_interval_ms : this.#c.poll_interval_ms);
  }

  async #pollPrinter(): Promise<void> {
    this.#lastPrinterPoll = this.#clock.now();
    const answer = await this.client.send('Get-Printer-Attributes', {
      operation: { 'requested-attributes': [...PRINTER_ATTRIBUTES] },
    });
    const at = this.#clock.now();
    if (!answer.ok || answer.value.status >= 0x0400) {
      const error = answer.ok ? ippError(answer.value, this.id, 'Get-Printer-Attributes') : answer.error;
      if (this.#status.online) this.#log.warn({ err: error.message }, 'press offline');
      this.#status = {
        ...this.#status,
        online: false,
        state: 'offline',
        reading: {
          errors: [new CxpError('DEVICE_OFFLINE', `${this.id}: ${error.message}`).toWire()],
          warnings: [],
        },
        at,
      };
    } else {
      const printer = answer.value.printer;
      const reasons = (printer['printer-state-reasons'] ?? []).filter(
        (r): r is string => typeof r === 'string',
      );
      const ippState = printer['printer-state']?.[0];
      this.#status = {
        online: true,
        state: ippState === 'processing' ? 'printing' : ippState === 'stopped' ? 'stopped' : 'ready',
        reading: readReasons(reasons, this.id),
        printer,
        support: supportOf(printer),
        at,
      };
    }
    try {
      this.#events.onStatus(this.#status);
    } catch (err) {
      this.#log.error({ err }, 'status listener failed');
    }
  }

  async #pollJob(job: IppJob): Promise<void> {
    const now = this.#clock.now();
    if (now - job.createdAt > this.#c.job_timeout_ms) {
      this.#end(
        job,
        'failed',
        new CxpError(
          'DEADLINE_EXCEEDED',
          `${this.id}: job not finished within ${this.#c.job_timeout_ms} ms`,
          {
            details: { printer_job_id: job.printerJobId },
          },
        ).toWire(),
      );
      return;
    }
    if (job.printerJobId === undefined) return;
    const answer = await this.client.send('Get-Job-Attributes', {
      operation: { 'job-id': job.printerJobId, 'requested-attributes': JOB_ATTRIBUTES },
    });
    if (!answer.ok) return; // the printer poll reports it offline; the job keeps its state
    if (answer.value.statusName === 'client-error-not-found') {
      this.#end(
        job,
        'failed',
        new CxpError('UNKNOWN_JOB', `${this.id} no longer knows job ${job.printerJobId}`).toWire(),
      );
      return;
    }
    const attrs = answer.value.jobs[0] ?? {};
    const state = jobStateOf(attrs['job-state']?.[0] as string | number | undefined);
    job.reasons = (attrs['job-state-reasons'] ?? []).filter((r): r is string => typeof r === 'string');
    const impressions = attrs['job-impressions-completed']?.[0];
    if (typeof impressions === 'number') job.impressions = impressions;
    if (state === undefined) return;
    if (state === 'completed' || state === 'canceled' || state === 'aborted') {
      const error =
        state === 'completed'
          ? undefined
          : new CxpError(state === 'canceled' ? 'JOB_CANCELED' : 'DEVICE_FAULT', `${this.id}: job ${state}`, {
              details: { job_state_reasons: job.reasons, message: attrs['job-state-message']?.[0] },
            }).toWire();
      this.#end(job, state, error);
      return;
    }
    const stopped = attrs['job-state']?.[0] === 'processing-stopped' || attrs['job-state']?.[0] === 6;
    const fault: CxpErrorWire | undefined = stopped ? this.#status.reading.errors[0] : undefined;
    const changed = job.state !== state || job.error?.code !== fault?.code;
    job.state = state;
    if (fault) job.error = fault;
    else delete job.error;
    if (changed) this.#events.onJob(job);
  }

  /** Sends one job; true when the printer was busy and the job waits for another try. */
  async #send(job: IppJob, req: PressJobRequest): Promise<boolean> {
    if (isFinalJob(job)) return false;
    const { operation, jobAttrs } = requestAttributes(req, this.#status.support);
    const answer =
      'bytes' in req.document
        ? await this.client.send('Print-Job', { operation, job: jobAttrs }, req.document.bytes, {
            busyRetries: 0,
          })
        : await this.#createAndSend(operation, jobAttrs, req.document.path);
    if (!answer.ok) {
      this.#end(job, 'failed', answer.error.toWire());
      return false;
    }
    const a = answer.value;
    if (a.statusName === 'server-error-busy' || a.statusName === 'server-error-service-unavailable') {
      // The printer takes one job at a time (ippeveprinter does this): hold it here, send it again
      // when our job on the printer has finished; job_timeout_ms bounds the wait.
      this.#printerBusy = true;
      if (job.state !== 'held') {
        job.state = 'held';
        job.error = ippError(a, this.id, 'Print-Job').toWire();
        this.#events.onJob(job);
      }
      return true;
    }
    this.#printerBusy = false;
    const printerJobId = a.jobs[0]?.['job-id']?.[0];
    if (a.status >= 0x0400 || typeof printerJobId !== 'number') {
      this.#end(job, 'failed', ippError(a, this.id, 'Print-Job').toWire());
      return false;
    }
    job.printerJobId = printerJobId;
    // A finishing the printer ignored or substituted must not print as if it had been honoured.
    const ignored = Object.keys(a.unsupported);
    if (a.status !== 0 && ignored.length > 0) {
      await this.client.send('Cancel-Job', { operation: { 'job-id': printerJobId } });
      this.#end(
        job,
        'failed',
        new CxpError('INVALID_PARAMS', `${this.id} ignored ${ignored.join(', ')}: the job was cancelled`, {
          details: { ignored, status: a.statusName },
        }).toWire(),
      );
      return false;
    }
    if (isFinalJob(job)) {
      // Cancelled while it was being sent.
      await this.client.send('Cancel-Job', { operation: { 'job-id': printerJobId } });
      return false;
    }
    job.state = jobStateOf(a.jobs[0]?.['job-state']?.[0] as string | number | undefined) ?? 'pending';
    delete job.error;
    this.#events.onJob(job);
    this.#schedule(this.#c.job_poll_interval_ms);
    return false;
  }

  async #createAndSend(
    operation: PlainAttributes,
    job: PlainAttributes,
    path: string,
  ): Promise<Result<IppAnswer>> {
    const created = await this.client.send('Create-Job', {
      operation: { 'job-name': operation['job-name'] ?? 'job' },
      job,
    });
    if (!created.ok || created.value.status >= 0x0400) return created;
    const jobId = created.value.jobs[0]?.['job-id']?.[0];
    if (typeof jobId !== 'number') return created;
    const sent = await this.client.send(
      'Send-Document',
      {
        operation: {
          'job-id': jobId,
          'document-format': operation['document-format'] ?? 'application/octet-stream',
          'last-document': true,
        },
      },
      createReadStream(path),
    );
    if (!sent.ok) return sent;
    // Send-Document answers with the job; keep Create-Job's unsupported group too.
    return {
      ok: true,
      value: { ...sent.value, unsupported: { ...created.value.unsupported, ...sent.value.unsupported } },
    };
  }

  #end(job: IppJob, state: IppJob['state'], error?: CxpErrorWire): void {
    if (this.jobs.finish(job, state, this.#clock.now(), error)) this.#events.onJob(job);
  }
}
