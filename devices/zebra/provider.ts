import type { Logger } from 'pino';
import type { GatewayServices } from '../../bridges/mqtt/bridge/plugin.js';
import { LABEL_CAPABILITIES, MANAGER_CAPABILITIES, PRINTING_LABEL } from '../../src/capability/catalogs.js';
import type { DeviceProvider } from '../../src/capability/providers.js';
import type { CapabilityMatrix, ComponentIdentity } from '../../src/capability/schema.js';
import type { Clock } from '../../src/cxp/clock.js';
import type { Component } from '../../src/runtime/lifecycle.js';
import type { ActionHandler } from '../../src/runtime/dispatcher.js';
import { printerStatusOf, zebraActions } from './actions.js';
import type { ZebraConfig } from './config.js';
import type { FaultReading, StatusSnapshot } from './faults.js';
import { isFinal, type ZebraJob } from './jobs.js';
import { mediaInfo } from './media.js';
import { ZebraPrinter } from './printer.js';
import { loadTemplates } from './template-files.js';
import { JobWaiters } from '../shared/job-waiters.js';

const VERSION = '0.1.0';

/**
 * A Zebra printer as a CXP capability provider for `printing/label`: its operations are actions
 * (target = printer id), its status and faults a context entry `resources/printers/<id>` written
 * whenever they change (the signal the safety supervisor watches), its matrix part of the
 * gateway's retained capabilities.
 */
export class ZebraProvider implements Component, DeviceProvider {
  readonly name: string;
  readonly id: string;
  readonly identity: ComponentIdentity = {
    interface: PRINTING_LABEL,
    provider: 'cxp-edge/zebra-zpl',
    version: VERSION,
  };
  readonly operations: ReadonlyMap<string, ActionHandler>;
  readonly printer: ZebraPrinter;
  readonly #c: ZebraConfig;
  readonly #s: GatewayServices;
  readonly #log: Logger;
  readonly #waiters: JobWaiters<ZebraJob>;
  #lastPut = '';
  #lastMatrix = '';
  #faultCodes = new Set<string>();

  constructor(config: ZebraConfig, services: GatewayServices, logger: Logger, clock: Clock) {
    this.#c = config;
    this.#s = services;
    this.#log = logger;
    this.id = config.id;
    this.name = `zebra:${config.id}`;
    const templates = loadTemplates(config.templates, { maxBytes: config.max_document_bytes });
    if (!templates.ok) throw templates.error;
    this.printer = new ZebraPrinter(
      config,
      logger,
      clock,
      {
        onStatus: (snapshot, reading) => {
          this.#onStatus(snapshot, reading);
        },
        onJob: (job) => {
          this.#onJob(job);
        },
      },
      () => `${config.id}-${services.cxp.ids.next()}`,
    );
    this.#waiters = new JobWaiters<ZebraJob>(services.cxp.messages, (job) => this.printer.jobs.status(job));
    this.operations = zebraActions({
      printer: this.printer,
      config,
      templates: templates.value,
      messages: services.cxp.messages,
      clock,
      guards: services.cxp.guards,
      waiters: this.#waiters,
    });
    services.providers.add(this);
  }

  matrix(): CapabilityMatrix {
    const media = mediaInfo(this.printer, this.#c);
    return {
      capabilities: [
        { name: MANAGER_CAPABILITIES.jobSubmission },
        { name: MANAGER_CAPABILITIES.statusMonitoring },
        { name: LABEL_CAPABILITIES.zplLanguage },
        // Claimed only once the loaded media is known (from the printer or config).
        ...(media ? [{ name: LABEL_CAPABILITIES.mediaValidation, metadata: { ...media } }] : []),
      ],
    };
  }

  start(): Promise<void> {
    this.printer.start();
    this.#log.info({ host: this.#c.host, port: this.#c.port }, 'zebra printer provider started');
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    await this.printer.stop();
    this.#waiters.closeAll(`${this.id}: the gateway is stopping`);
    this.#s.providers.remove(this.id);
  }

  #metrics(reading: FaultReading): void {
    const m = this.#s.metrics;
    m.deviceUp.set({ device: this.id }, this.printer.snapshot.online ? 1 : 0);
    const now = new Set(reading.errors.map((e) => e.code));
    for (const code of new Set([...this.#faultCodes, ...now]))
      m.deviceFaults.set({ device: this.id, code }, now.has(code) ? 1 : 0);
    this.#faultCodes = now;
    m.jobsWaiting.set({ device: this.id }, this.printer.jobs.waiting);
  }

  #onStatus(snapshot: StatusSnapshot, reading: FaultReading): void {
    this.#metrics(reading);
    const status = printerStatusOf({ printer: this.printer });
    const value = {
      kind: 'zebra',
      online: snapshot.online,
      state: reading.state,
      errors: reading.errors.map((e) => ({ code: e.code, message: e.message, retryable: e.retryable })),
      warnings: reading.warnings,
      queue: status.queue,
      ...(snapshot.host ? { labels_remaining: snapshot.host.labelsRemaining } : {}),
      ...(this.printer.identity ? { model: this.printer.identity.model } : {}),
      media: mediaInfo(this.printer, this.#c) ?? null,
    };
    const key = JSON.stringify(value);
    if (key !== this.#lastPut) {
      this.#lastPut = key;
      const put = this.#s.store.put({
        ref: `resources/printers/${this.id}`,
        source: `zebra:${this.id}`,
        kind: 'device',
        value: { ...value, checked_at: new Date(snapshot.at).toISOString() },
        confidence: snapshot.online ? 1 : 0.5,
      });
      if (!put.ok) this.#log.warn({ err: put.error.message }, 'printer status not stored');
      if (reading.errors.length > 0)
        this.#log.info({ state: reading.state, errors: reading.errors.map((e) => e.code) }, 'printer status');
    }
    const matrix = JSON.stringify(this.matrix());
    if (matrix !== this.#lastMatrix) {
      this.#lastMatrix = matrix;
      this.#s.providers.changed();
    }
  }

  #onJob(job: ZebraJob): void {
    this.#waiters.update(job);
    if (isFinal(job)) this.#s.metrics.jobs.inc({ device: this.id, state: job.state });
    this.#s.metrics.jobsWaiting.set({ device: this.id }, this.printer.jobs.waiting);
    if (job.state === 'failed' || job.state === 'aborted')
      this.#log.warn({ job: job.id, state: job.state, code: job.error?.code }, 'print job did not complete');
    else this.#log.debug({ job: job.id, state: job.state }, 'print job');
  }
}
