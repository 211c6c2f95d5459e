import type { Logger } from 'pino';
import type { Clock } from '../../src/cxp/clock.js';
import { CxpError, fromWire, toCxpError, type Result } from '../../src/cxp/errors.js';
import { Backoff } from '../../src/runtime/backoff.js';
import type { ZebraConfig } from './config.js';
import { readFaults, type FaultReading, type StatusSnapshot } from './faults.js';
import { isFinal, ZebraJobs, type ZebraJob } from './jobs.js';
import { ReadTimeout, ZebraLink } from './link.js';
import { parseExtendedStatus, parseHostIdentity, parseHostStatus, type HostIdentity } from './status.js';

/**
 * One Zebra printer: a status poll loop over its raw session and its jobs, one at a time. The loop
 * polls `~HS` then `~HQES` (a `~HS` that times out is "possibly in error": `~HQES` follows on a fresh
 * session), sends the next job when the printer is ready, and follows the job sent until the printer
 * has nothing left to print (formats in buffer and labels remaining 0, no partial format, no fault).
 */
export interface PrinterEvents {
  /** Every poll, with what it learned. */
  onStatus(snapshot: StatusSnapshot, reading: FaultReading): void;
  /** Every change of a job's state or error. */
  onJob(job: ZebraJob): void;
}

/** SGD variables read at first contact and then every MEDIA_EVERY polls. */
const MEDIA_VARS = ['ezpl.print_width', 'zpl.label_length', 'media.sense_mode', 'device.languages'] as const;
const MEDIA_EVERY = 30;
/** Idle polls with the odometer short of the job's labels before the job is failed. */
const SHORT_POLLS = 3;

export class ZebraPrinter {
  readonly id: string;
  readonly jobs: ZebraJobs;
  readonly #c: ZebraConfig;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #events: PrinterEvents;
  readonly #link: ZebraLink;
  readonly #backoff: Backoff;
  #snapshot: StatusSnapshot;
  #reading: FaultReading;
  #identity: HostIdentity | undefined;
  readonly #sgd = new Map<string, string>();
  #polls = 0;
  /** A job write was cut off: the printer may hold a partial format. */
  #partialLeft = false;
  /** A job was given up but its ~JA did not reach the printer: send it before the next job. */
  #cancelOwed = false;
  #running = false;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;

  constructor(config: ZebraConfig, logger: Logger, clock: Clock, events: PrinterEvents, newId: () => string) {
    this.id = config.id;
    this.#c = config;
    this.#log = logger;
    this.#clock = clock;
    this.#events = events;
    this.#link = new ZebraLink({
      host: config.host,
      port: config.port,
      connectTimeoutMs: config.connect_timeout_ms,
      readTimeoutMs: config.read_timeout_ms,
      writeTimeoutMs: config.write_timeout_ms,
      idleCloseMs: config.idle_close_ms,
      logger,
    });
    this.#backoff = new Backoff({ initialMs: config.reconnect.initial_ms, maxMs: config.reconnect.max_ms });
    this.jobs = new ZebraJobs(config, clock, newId, (job) => {
      events.onJob(job);
    });
    this.#snapshot = {
      online: false,
      offlineReason: 'not polled yet',
      hostStatusSilent: false,
      at: clock.now(),
    };
    this.#reading = readFaults(this.#snapshot, this.id);
  }

  get snapshot(): StatusSnapshot {
    return this.#snapshot;
  }

  get reading(): FaultReading {
    return this.#reading;
  }

  get identity(): HostIdentity | undefined {
    return this.#identity;
  }

  /** SGD values last read (`"?"` for names the printer does not know). */
  sgd(name: string): string | undefined {
    return this.#sgd.get(name);
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    // Shut the session first: an operation in flight fails at once instead of running out its timeout.
    this.#link.shutdown();
    this.#wake?.();
    await this.#loop;
  }

  /**
   * Queues a job (document already rendered and checked). Refused at once when the queue is full,
   * or when the printer is faulted and `on_fault` is `reject`.
   */
  submit(document: string, labels: number): Result<ZebraJob> {
    if (this.#c.on_fault === 'reject' && this.#reading.blocking) {
      const first = this.#reading.errors[0];
      return {
        ok: false,
        error: first ? fromWire(first) : new CxpError('DEVICE_OFFLINE', `${this.id} cannot print now`),
      };
    }
    const added = this.jobs.add(document, labels);
    if (added.ok) {
      if (this.#reading.blocking) this.jobs.hold(added.value, this.#reading.errors[0]);
      this.#wake?.();
    }
    return added;
  }

  /**
   * Cancels a job: a waiting one leaves the queue; the one being sent or printing is cancelled with
   * `~JA`, which the session sends after the job's own bytes (operations never overlap). When `~JA`
   * cannot be sent the job is not reported cancelled (the printer may still print it).
   */
  async cancel(jobId: string): Promise<Result<ZebraJob>> {
    const job = this.jobs.get(jobId);
    if (!job) return { ok: false, error: new CxpError('UNKNOWN_JOB', `no job ${jobId} on ${this.id}`) };
    if (isFinal(job)) return this.jobs.cancel(job);
    if (this.jobs.active === job) {
      try {
        await this.#link.run((io) => io.write('~JA'));
      } catch (err) {
        return { ok: false, error: toCxpError(err, 'DEVICE_OFFLINE') };
      }
    }
    const done = this.jobs.cancel(job);
    this.#wake?.();
    return done;
  }

  /** Polls now and returns what it learned. */
  async refresh(): Promise<FaultReading> {
    await this.#pollOnce();
    return this.#reading;
  }

  /** A method, not the field: the loop's awaits let stop() change it. */
  #stopped(): boolean {
    return !this.#running;
  }

  async #run(): Promise<void> {
    while (this.#running) {
      await this.#pollOnce();
      if (this.#stopped()) break;
      await this.#advanceJobs();
      const active = this.jobs.active !== undefined;
      const delay = !this.#snapshot.online
        ? this.#backoff.next()
        : active
          ? this.#c.job_poll_interval_ms
          : this.#c.poll_interval_ms;
      if (this.#stopped()) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  async #pollOnce(): Promise<void> {
    const snapshot = await this.#poll();
    if (snapshot.online) this.#backoff.reset();
    this.#snapshot = snapshot;
    this.#reading = readFaults(snapshot, this.id);
    this.#polls += 1;
    try {
      this.#events.onStatus(snapshot, this.#reading);
    } catch (err) {
      this.#log.error({ err }, 'status listener failed');
    }
  }

  async #poll(): Promise<StatusSnapshot> {
    const at = this.#clock.now();
    let host: StatusSnapshot['host'];
    let silent = false;
    try {
      const frames = await this.#link.run((io) => io.frames('~HS', 3));
      const parsed = parseHostStatus(frames);
      if (parsed.ok) host = parsed.value;
      else this.#log.warn({ err: parsed.error.message }, 'unreadable ~HS answer');
    } catch (err) {
      if (!(err instanceof ReadTimeout)) {
        const reason = err instanceof Error ? err.message : String(err);
        if (this.#snapshot.online) this.#log.warn({ reason }, 'printer offline');
        return { online: false, offlineReason: reason, hostStatusSilent: false, at };
      }
      silent = true;
    }
    let extended: StatusSnapshot['extended'];
    try {
      const [text = ''] = await this.#link.run((io) => io.frames('~HQES', 1));
      const parsed = parseExtendedStatus(text);
      if (parsed.ok) extended = parsed.value;
      else this.#log.warn({ err: parsed.error.message }, 'unreadable ~HQES answer');
    } catch (err) {
      if (!host) {
        const reason = err instanceof Error ? err.message : String(err);
        return {
          online: false,
          offlineReason: `no answer to ~HS or ~HQES (${reason})`,
          hostStatusSilent: silent,
          at,
        };
      }
    }
    if (host) await this.#readDetails();
    const languages = this.#sgd.get('device.languages');
    return {
      online: true,
      ...(host ? { host } : {}),
      ...(extended ? { extended } : {}),
      ...(languages === undefined || languages === '?' ? {} : { languages }),
      hostStatusSilent: silent,
      at,
    };
  }

  /** ~HI once, SGD media variables at first contact and every MEDIA_EVERY polls. */
  async #readDetails(): Promise<void> {
    if (this.#identity && this.#polls % MEDIA_EVERY !== 0) return;
    try {
      await this.#link.run(async (io) => {
        if (!this.#identity) {
          const [hi = ''] = await io.frames('~HI', 1);
          const parsed = parseHostIdentity(hi);
          if (parsed.ok) this.#identity = parsed.value;
          else this.#log.warn({ err: parsed.error.message }, 'unreadable ~HI answer');
        }
        for (const name of MEDIA_VARS) this.#sgd.set(name, await io.sgd(`! U1 getvar "${name}"\r\n`));
      });
    } catch (err) {
      this.#log.debug({ err: err instanceof Error ? err.message : String(err) }, 'printer details not read');
    }
  }

  async #advanceJobs(): Promise<void> {
    const now = this.#clock.now();
    this.jobs.expirePending(now, this.#reading.errors[0]);
    const active = this.jobs.active;
    if (active) {
      await this.#follow(active, now);
      // Still printing; or done, and the poll that showed it done shows the printer ready: the next
      // job goes now rather than after a full poll interval.
      if (!isFinal(active)) return;
    }
    const next = this.jobs.nextPending();
    if (!next) return;
    if (this.#reading.blocking || !this.#snapshot.host) {
      this.jobs.hold(next, this.#reading.errors[0]);
      return;
    }
    await this.#send(next);
  }

  async #send(job: ZebraJob): Promise<void> {
    // From here on the job is the active one: a cancel now is sent to the printer as ~JA.
    this.jobs.sending(job);
    const odometer = await this.#odometer();
    if (isFinal(job)) return; // cancelled meanwhile, nothing sent
    job.odometerStart = odometer;
    const progress = { written: false };
    try {
      await this.#link.run(async (io) => {
        // What an earlier job left behind would swallow or follow this one (the printer has one
        // parser for all sessions): ~JA for a job given up whose cancel never arrived, ~JX for a
        // format cut off mid-write.
        if (this.#cancelOwed) await io.write('~JA');
        if (this.#partialLeft || this.#snapshot.host?.partialFormat === true) await io.write('~JX');
        this.#cancelOwed = false;
        this.#partialLeft = false;
        if (isFinal(job)) return;
        progress.written = true;
        await io.write(Buffer.from(job.document, 'utf8'));
      });
      if (isFinal(job)) return;
      if (!progress.written) {
        this.jobs.unsend(job);
        return;
      }
      this.jobs.sent(job);
    } catch (err) {
      const error = toCxpError(err, 'CONNECTION_LOST');
      if (!progress.written) {
        // Nothing reached the printer: the job waits for the next chance.
        this.jobs.unsend(job);
        this.jobs.hold(job, error.toWire());
        return;
      }
      // Part of it may have been printed already: resending could print labels twice.
      this.#partialLeft = true;
      this.jobs.fail(
        job,
        new CxpError('CONNECTION_LOST', `${this.id}: the connection dropped while sending the job`, {
          details: { cause: error.message, may_be_partially_printed: true },
        }).toWire(),
      );
    }
  }

  /**
   * Done when the printer holds nothing more (formats, labels, partial format) and reports no fault,
   * and, where it has an odometer, counted the job's labels (a printer that swallowed the job
   * without printing is not "completed"). Time spent in a fault does not count toward job_timeout_ms:
   * the printer resumes once the operator has fixed it.
   */
  async #follow(job: ZebraJob, now: number): Promise<void> {
    const reading = this.#reading;
    const h = this.#snapshot.host;
    const hard = reading.errors.find((e) => e.code !== 'BUFFER_FULL');
    if (hard) job.blockedSince ??= now;
    else if (job.blockedSince !== undefined) {
      job.blockedMs = (job.blockedMs ?? 0) + (now - job.blockedSince);
      delete job.blockedSince;
    }
    if (h && !hard && h.formatsInBuffer === 0 && h.labelsRemaining === 0 && !h.partialFormat) {
      const printed = await this.#printedSince(job);
      if (isFinal(job)) return;
      if (printed === undefined || printed >= job.labels) {
        this.jobs.complete(job, printed);
        return;
      }
      // Idle but short of labels: give the odometer a few polls, then say what happened.
      job.shortPolls = (job.shortPolls ?? 0) + 1;
      if (job.shortPolls >= SHORT_POLLS) {
        job.printed = printed;
        this.jobs.fail(
          job,
          new CxpError(
            'DEVICE_FAULT',
            `${this.id} finished with ${printed} of ${job.labels} labels printed (wrong language mode, or formats without printable fields?)`,
            { details: { labels: job.labels, labels_printed: printed } },
          ).toWire(),
        );
      }
      return;
    }
    this.jobs.progress(job, hard, h?.labelsRemaining);
    const blocked = (job.blockedMs ?? 0) + (job.blockedSince === undefined ? 0 : now - job.blockedSince);
    if (job.sentAt !== undefined && !hard && now - job.sentAt - blocked > this.#c.job_timeout_ms) {
      const cancelled = await this.#link
        .run((io) => io.write('~JA'))
        .then(
          () => true,
          () => false,
        );
      // Not delivered: send it before the next job, so this one cannot print later by surprise.
      if (!cancelled) this.#cancelOwed = true;
      const error = new CxpError(
        'DEADLINE_EXCEEDED',
        `${this.id} did not finish the job within ${this.#c.job_timeout_ms} ms`,
        { details: { labels_remaining: h?.labelsRemaining, cancel_delivered: cancelled } },
      ).toWire();
      this.jobs.abort(job, error);
    }
  }

  /** The odometer (SGD), or undefined (no answer, or a printer without one). */
  async #odometer(): Promise<number | undefined> {
    try {
      const count = await this.#link.run((io) => io.sgd('! U1 getvar "odometer.total_label_count"\r\n'));
      return /^\d+$/.test(count) ? Number(count) : undefined;
    } catch {
      // A timeout closed the session (a late answer cannot be taken for another one).
      return undefined;
    }
  }

  async #printedSince(job: ZebraJob): Promise<number | undefined> {
    if (job.odometerStart === undefined) return undefined;
    const now = await this.#odometer();
    return now === undefined ? undefined : now - job.odometerStart;
  }
}
