import type { Logger } from 'pino';
import type { Clock } from '../../../src/cxp/clock.js';
import type { ContributionInput } from '../../../src/context/contribution.js';
import type { ContextStore } from '../../../src/context/store.js';
import { BoundedQueue } from '../../../src/runtime/bounded-queue.js';
import type { Component } from '../../../src/runtime/lifecycle.js';
import type { GatewayMetrics } from '../../../src/runtime/metrics.js';
import type { Plugin } from '../../../src/runtime/plugins.js';
import type { CxpDispatcher } from '../../../src/runtime/dispatcher.js';
import type { ContextProvider } from '../../../src/context/sparse/provider.js';
import type { MessageFactory } from '../../../src/cxp/message.js';
import type { IdGenerator } from '../../../src/cxp/ids.js';
import type { ActionGuard } from '../../../src/runtime/action-guard.js';
import type { MessageOf } from '../../../src/cxp/schema/index.js';
import type { ProviderRegistry } from '../../../src/capability/providers.js';
import type { InboundMessage, MqttConnection } from '../connection.js';
import { checkBridgeConfig, MqttBridgeConfig } from './config.js';
import { ExportRules, type ExportMessage } from './export.js';
import { IngestRules } from './ingest.js';

/** What the gateway gives every bridge and device plugin. */
export interface GatewayServices {
  store: ContextStore;
  /** The gateway's own connection (CXP traffic, exports, store-and-forward). */
  connection: MqttConnection;
  /**
   * A new connection to the same broker for one plugin's inbound traffic, so that pausing it
   * (backpressure) holds nobody else's messages. The caller starts and stops it.
   */
  openInboundConnection(suffix: string): MqttConnection;
  /** Adds a check to /readyz (and to the gateway's `ready()`): ready, and a one-line detail. */
  addReadinessCheck(name: string, check: () => { ready: boolean; detail: string }): void;
  metrics: GatewayMetrics;
  /** Capability providers (printers): their operations become actions, their matrices are published. */
  providers: ProviderRegistry;
  maxMessageBytes: number;
  /** The CXP side, for bindings other than MQTT (ROS 2 carries CXP topics too). */
  cxp: {
    dispatcher: CxpDispatcher;
    provider: ContextProvider;
    messages: MessageFactory;
    ids: IdGenerator;
    /** Least time between two PREVIEWs after changes (cxp.preview_min_interval_ms). */
    previewMinIntervalMs: number;
    /** Guards every action that writes to a device or robot must pass (none yet: fail closed). */
    guards: () => readonly ActionGuard[];
  };
  /** The safety supervisor's events, when it runs (the ROS 2 bridge republishes them). */
  safety?: { onEvent(listener: (event: MessageOf<'SAFETY_EVENT'>) => void): () => void };
}

/** Ingest messages applied to the store per turn of the event loop (one store version per batch). */
const BATCH = 500;

/**
 * The MQTT bridge: field topics into context (ingest rules), context into topics (export rules).
 * Ingested messages wait in a bounded queue (policy and capacity from config, drops counted) and
 * are applied in batches; exports follow every committed store change. Under the `block` policy a
 * full queue pauses the connection's inbound reading until the queue is half empty again.
 */
export class MqttBridge implements Component {
  readonly name: string;
  readonly #config: MqttBridgeConfig;
  readonly #services: GatewayServices;
  readonly #logger: Logger;
  readonly #ingest: IngestRules;
  readonly #export: ExportRules;
  readonly #queue: BoundedQueue<InboundMessage>;
  readonly #route: string;
  /** Where ingest subscriptions live: a connection of this bridge's own (none without ingest rules). */
  readonly #inbound: MqttConnection | undefined;
  /** Metric children bound to this route once (the labels are not looked up per message). */
  readonly #count: { in: { inc(): void }; dropped: { inc(): void }; queued: { set(v: number): void } };
  readonly #blocking: boolean;
  #paused = false;
  #waitingForOutlet = false;
  #scheduled = false;
  #accepting = true;
  #deferTimer: NodeJS.Timeout | undefined;
  #cleanups: (() => void)[] = [];

  constructor(config: MqttBridgeConfig, services: GatewayServices, logger: Logger, clock: Clock) {
    this.#config = config;
    this.#services = services;
    this.#logger = logger;
    this.name = `bridge:${config.id}`;
    this.#route = `mqtt_bridge:${config.id}`;
    this.#count = {
      in: services.metrics.messagesIn.labels(this.#route, 'mqtt'),
      dropped: services.metrics.dropped.labels(this.#route, 'queue_full'),
      queued: services.metrics.queued.labels(this.#route),
    };
    this.#ingest = new IngestRules(config.ingest, services.maxMessageBytes);
    this.#export = new ExportRules(config.export, services.store, clock);
    this.#queue = new BoundedQueue({ capacity: config.queue.capacity, policy: config.queue.policy });
    this.#blocking = config.queue.policy === 'block';
    this.#inbound =
      config.ingest.length > 0 ? services.openInboundConnection(`bridge-${config.id}`) : undefined;
  }

  async start(): Promise<void> {
    // One handler for every filter: the connection calls it once per message even when several of
    // the filters match, and the ingest rules then apply every matching rule.
    const handler = (m: InboundMessage): void => {
      this.#onMessage(m);
    };
    const inbound = this.#inbound;
    if (inbound) {
      for (const filter of this.#ingest.filters) this.#cleanups.push(inbound.subscribe(filter, 1, handler));
    }
    if (this.#config.export.length > 0) {
      this.#cleanups.push(
        this.#services.store.onChange((change) => {
          this.#publish(this.#export.onOps(change.ops));
        }),
      );
    }
    await inbound?.start();
  }

  /** Connected and subscribed (always true for a bridge without ingest rules). */
  get ready(): boolean {
    return this.#inbound?.ready ?? true;
  }

  quiesce(): void {
    this.#accepting = false;
    this.#inbound?.quiesce();
  }

  async stop(): Promise<void> {
    this.#accepting = false;
    for (const c of this.#cleanups) c();
    this.#cleanups = [];
    clearTimeout(this.#deferTimer);
    if (this.#paused) this.#resume();
    await this.#inbound?.stop();
    // Everything accepted into the queue is applied before the bridge reports stopped.
    while (this.#queue.size > 0) this.#drain();
  }

  #onMessage(message: InboundMessage): void {
    if (!this.#accepting) return;
    this.#count.in.inc();
    // Under `block` the connection is paused before the queue can be full, so 'full' only happens if
    // a reconnect delivers one more message while paused; it is counted like any other drop.
    const outcome = this.#queue.push(message);
    if (outcome !== 'queued') this.#count.dropped.inc();
    if (this.#blocking && !this.#paused && this.#queue.size >= this.#queue.capacity - 1) {
      this.#paused = true;
      this.#inbound?.pauseInbound(this.name);
    }
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.#drain();
      });
    }
  }

  /**
   * Applies up to BATCH queued messages as one store version; reschedules if more wait. While the
   * gateway's connection is congested (its DIFFs and exports cannot leave as fast as they are made)
   * it waits for the socket to drain instead, so the queue fills and the policy applies: `block`
   * pauses reading from the broker, end to end.
   */
  #drain(): void {
    if (this.#accepting && this.#services.connection.congested) {
      if (!this.#waitingForOutlet) {
        this.#waitingForOutlet = true;
        this.#services.connection.onDecongested(() => {
          this.#waitingForOutlet = false;
          this.#drain();
        });
      }
      return;
    }
    const inputs: ContributionInput[] = [];
    for (let i = 0; i < BATCH; i++) {
      const m = this.#queue.shift();
      if (!m) break;
      const { inputs: made, errors } = this.#ingest.apply(m.topic, m.payload);
      inputs.push(...made);
      for (const e of errors) this.#reject(m.topic, e.code, e.message);
    }
    this.#count.queued.set(this.#queue.size);
    if (this.#paused && this.#queue.size <= this.#queue.capacity >> 1) this.#resume();
    if (inputs.length > 0) {
      const result = this.#services.store.putMany(inputs);
      for (const r of result.rejected)
        this.#reject(inputs[r.index]?.ref ?? '?', r.error.code, r.error.message);
    }
    if (this.#queue.size > 0 && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.#drain();
      });
    }
  }

  #resume(): void {
    this.#paused = false;
    this.#inbound?.resumeInbound(this.name);
  }

  #reject(where: string, code: string, message: string): void {
    this.#services.metrics.errors.inc({ route: this.#route, code });
    this.#logger.debug({ where, code, message }, 'ingest refused');
  }

  #publish(messages: ExportMessage[]): void {
    for (const m of messages) {
      this.#services.connection.publish(m.topic, m.payload, {
        qos: m.qos,
        retain: m.retain,
        properties: { contentType: m.contentType },
      });
      this.#services.metrics.messagesOut.inc({ route: this.#route, kind: 'export' });
    }
    this.#scheduleDeferred();
  }

  #scheduleDeferred(): void {
    if (this.#deferTimer) return;
    const { messages, nextInMs } = this.#export.due();
    if (messages.length > 0) this.#publish(messages);
    if (nextInMs !== undefined) {
      this.#deferTimer = setTimeout(
        () => {
          this.#deferTimer = undefined;
          this.#scheduleDeferred();
        },
        Math.max(1, nextInMs),
      );
    }
  }
}

export const mqttBridgePlugin: Plugin<MqttBridgeConfig, GatewayServices> = {
  kind: 'mqtt',
  configSchema: MqttBridgeConfig,
  check: checkBridgeConfig,
  create: (context, services) => new MqttBridge(context.config, services, context.logger, context.clock),
};
