import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { GatewayServices } from '../../bridges/mqtt/bridge/plugin.js';
import { PRINTING_PRODUCTION } from '../../src/capability/catalogs.js';
import type { DeviceProvider } from '../../src/capability/providers.js';
import type { CapabilityMatrix, ComponentIdentity } from '../../src/capability/schema.js';
import type { Clock } from '../../src/cxp/clock.js';
import type { ActionHandler } from '../../src/runtime/dispatcher.js';
import type { Component } from '../../src/runtime/lifecycle.js';
import { JobWaiters } from '../shared/job-waiters.js';
import { ippActions, pressStatusOf } from './actions.js';
import { pressMatrix } from './capabilities.js';
import { IppClient } from './client.js';
import type { IppConfig } from './config.js';
import { isFinalJob, type IppJob } from './jobs.js';
import { IppPress, type PressStatus } from './press.js';

/**
 * An IPP production press as a CXP capability provider for `printing/production`: its matrix is
 * derived from what it reports (folding and gluing only when it reports them), its operations are
 * actions (target = printer id), its state and faults a context entry `resources/printers/<id>`.
 */
export class IppProvider implements Component, DeviceProvider {
  readonly name: string;
  readonly id: string;
  readonly identity: ComponentIdentity = {
    interface: PRINTING_PRODUCTION,
    provider: 'cxp-edge/ipp',
    version: '0.1.0',
  };
  readonly operations: ReadonlyMap<string, ActionHandler>;
  readonly press: IppPress;
  readonly #c: IppConfig;
  readonly #s: GatewayServices;
  readonly #log: Logger;
  readonly #waiters: JobWaiters<IppJob>;
  #lastPut = '';
  #lastMatrix = '';
  #faultCodes = new Set<string>();

  constructor(config: IppConfig, services: GatewayServices, logger: Logger, clock: Clock) {
    this.#c = config;
    this.#s = services;
    this.#log = logger;
    this.id = config.id;
    this.name = `ipp:${config.id}`;
    if (config.tls.insecure) logger.warn('TLS certificate checks are off for this printer (tls.insecure)');
    const client = new IppClient({
      url: config.url,
      timeoutMs: config.timeout_ms,
      busyRetries: config.busy_retries,
      busyBackoff: { initialMs: config.busy_backoff.initial_ms, maxMs: config.busy_backoff.max_ms },
      userName: config.user_name,
      tls: {
        rejectUnauthorized: !config.tls.insecure,
        ...(config.tls.ca_file === undefined ? {} : { ca: readFileSync(config.tls.ca_file) }),
      },
    });
    this.press = new IppPress(config, client, logger, clock, {
      onStatus: (status) => {
        this.#onStatus(status);
      },
      onJob: (job) => {
        this.#onJob(job);
      },
    });
    this.#waiters = new JobWaiters<IppJob>(services.cxp.messages, (job) =>
      this.press.jobs.status(job, config.id),
    );
    this.operations = ippActions({
      press: this.press,
      config,
      messages: services.cxp.messages,
      guards: services.cxp.guards,
      waiters: this.#waiters,
      newId: () => `${config.id}-${services.cxp.ids.next()}`,
    });
    services.providers.add(this);
  }

  matrix(): CapabilityMatrix {
    return pressMatrix(this.press.status.support, this.#c);
  }

  start(): Promise<void> {
    this.press.start();
    this.#log.info({ url: this.press.client.printerUri }, 'IPP press provider started');
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    await this.press.stop();
    this.#waiters.closeAll(`${this.id}: the gateway is stopping`);
    this.#s.providers.remove(this.id);
  }

  #onStatus(status: PressStatus): void {
    const m = this.#s.metrics;
    m.deviceUp.set({ device: this.id }, status.online ? 1 : 0);
    const now = new Set(status.reading.errors.map((e) => e.code));
    for (const code of new Set([...this.#faultCodes, ...now]))
      m.deviceFaults.set({ device: this.id, code }, now.has(code) ? 1 : 0);
    this.#faultCodes = now;
    const full = pressStatusOf(this.press);
    const value = {
      kind: 'ipp',
      online: status.online,
      state: status.reading.errors.length > 0 && status.online ? 'error' : status.state,
      errors: status.reading.errors.map((e) => ({
        code: e.code,
        message: e.message,
        retryable: e.retryable,
      })),
      warnings: status.reading.warnings,
      printer_state_reasons: full.printer_state_reasons,
      finishings: full.finishings,
      toner_levels: full.toner_levels,
      model: status.printer['printer-make-and-model']?.[0] ?? null,
    };
    const key = JSON.stringify(value);
    if (key !== this.#lastPut) {
      this.#lastPut = key;
      const put = this.#s.store.put({
        ref: `resources/printers/${this.id}`,
        source: `ipp:${this.id}`,
        kind: 'device',
        value: { ...value, checked_at: new Date(status.at).toISOString() },
        confidence: status.online ? 1 : 0.5,
      });
      if (!put.ok) this.#log.warn({ err: put.error.message }, 'press status not stored');
    }
    const matrix = JSON.stringify(this.matrix());
    if (matrix !== this.#lastMatrix) {
      this.#lastMatrix = matrix;
      this.#s.providers.changed();
    }
  }

  #onJob(job: IppJob): void {
    this.#waiters.update(job);
    if (isFinalJob(job)) {
      this.#s.metrics.jobs.inc({ device: this.id, state: job.state });
      if (job.state !== 'completed')
        this.#log.warn(
          { job: job.id, state: job.state, code: job.error?.code },
          'print job did not complete',
        );
    }
  }
}
