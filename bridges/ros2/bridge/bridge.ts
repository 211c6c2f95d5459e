import type { Logger } from 'pino';
import type { Clock } from '../../../src/cxp/clock.js';
import type { Result } from '../../../src/cxp/errors.js';
import type { Component } from '../../../src/runtime/lifecycle.js';
import { StoreBatcher } from '../../../src/runtime/store-batcher.js';
import { RateLimiter } from '../../../src/runtime/rate-limit.js';
import type { GatewayServices } from '../../mqtt/bridge/plugin.js';
import type { InboundMessage, MqttConnection } from '../../mqtt/connection.js';
import { DdsTransport } from '../dds/transport.js';
import { RclnodejsTransport } from '../rclnodejs/transport.js';
import {
  type Ros2Participant,
  type Ros2Publication,
  type Ros2Qos,
  type Ros2Subscription,
  type Ros2Transport,
  type Sample,
} from '../transport.js';
import type { Ros2BridgeConfig } from './config.js';
import { CxpRos2Topics } from './cxp-topics.js';
import { openPublishAction } from './publish-action.js';
import { createMessageCodec, type RosMessageCodec } from './message-codec.js';
import {
  CONTENT_TYPE,
  fromMqttPayload,
  networkSettings,
  qosMismatch,
  toContribution,
  toMqttPayload,
  toRos2Qos,
} from './settings.js';

/** Samples applied to the store per turn of the event loop (one store version per batch). */
const BATCH = 500;
/** How often transport-level drops (the queue to JavaScript) are read into the metrics. */
const STATS_INTERVAL_MS = 1000;

export interface Ros2BridgeDeps {
  env?: NodeJS.ProcessEnv;
  /** Chooses the transport; tests pass the fake. Default: the backend the config names. */
  transport?: () => Result<Ros2Transport> | Promise<Result<Ros2Transport>>;
  /** Default: the message layer over the built-in and configured .msg definitions. */
  codec?: () => Promise<RosMessageCodec>;
}

/**
 * The ROS 2 bridge: the gateway as a participant on a ROS 2 domain. Routes: ROS topics into
 * context (`ingest`), ROS topics to MQTT (`to_mqtt`), MQTT to ROS topics (`from_mqtt`). When the
 * transport cannot be had (no addon, no Cyclone DDS) the gateway still runs: one error line in the
 * log says why and /readyz reports it.
 */
export class Ros2Bridge implements Component {
  readonly name: string;
  readonly #config: Ros2BridgeConfig;
  readonly #services: GatewayServices;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #deps: Ros2BridgeDeps;
  readonly #route: string;
  #participant: Ros2Participant | undefined;
  #cxp: CxpRos2Topics | undefined;
  #unregisterAction: (() => void) | undefined;
  #codec: RosMessageCodec | undefined;
  #inbound: MqttConnection | undefined;
  readonly #subs: { sub: Ros2Subscription; dropped: number }[] = [];
  readonly #pubs: Ros2Publication[] = [];
  readonly #batch: StoreBatcher;
  #statsTimer: NodeJS.Timeout | undefined;
  #unavailable: string | undefined = 'starting';
  #accepting = true;

  constructor(
    config: Ros2BridgeConfig,
    services: GatewayServices,
    logger: Logger,
    clock: Clock,
    deps: Ros2BridgeDeps = {},
  ) {
    this.#config = config;
    this.#services = services;
    this.#logger = logger;
    this.#clock = clock;
    this.#deps = deps;
    this.name = `bridge:${config.id}`;
    this.#route = `ros2:${config.id}`;
    this.#batch = new StoreBatcher(services.store, {
      max: BATCH,
      onRejected: (input, error) => {
        this.#reject(input?.ref ?? '?', error.code, error.message);
      },
    });
    if (config.from_mqtt.length > 0) this.#inbound = services.openInboundConnection(`bridge-${config.id}`);
    services.addReadinessCheck(this.name, () => ({
      ready: this.#unavailable === undefined && (this.#inbound?.ready ?? true),
      detail:
        this.#unavailable ??
        (this.#inbound && !this.#inbound.ready ? 'MQTT not subscribed' : 'participant up'),
    }));
  }

  /** Why the bridge is not working, or undefined when it is. */
  get unavailable(): string | undefined {
    return this.#unavailable;
  }

  get participant(): Ros2Participant | undefined {
    return this.#participant;
  }

  async start(): Promise<void> {
    const env = this.#deps.env ?? process.env;
    const transport = await (this.#deps.transport ?? (() => this.#defaultTransport(env)))();
    if (!transport.ok) {
      this.#unavailable = transport.error.message;
      this.#logger.error(
        { code: transport.error.code },
        `ROS 2 bridge unavailable: ${transport.error.message}`,
      );
      return;
    }
    const codec = await (this.#deps.codec ?? (() => createMessageCodec(this.#config, env, this.#logger)))();
    this.#codec = codec;
    const network = networkSettings(this.#config, env);
    const opened = transport.value.open(network);
    if (!opened.ok) {
      this.#unavailable = opened.error.message;
      this.#logger.error({ code: opened.error.code }, `ROS 2 bridge unavailable: ${opened.error.message}`);
      return;
    }
    this.#participant = opened.value;
    this.#unavailable = undefined;
    const node = opened.value.declareNode(this.#config.node_name, this.#config.namespace);
    if (!node.ok) this.#logger.warn({ err: node.error }, 'the ROS node is not announced; topics still work');
    this.#logger.info(
      {
        backend: transport.value.name,
        domain: network.domainId,
        localhostOnly: network.localhostOnly,
        guid: opened.value.guid,
      },
      'ROS 2 participant up',
    );
    this.#openRoutes(opened.value);
    this.#unregisterAction = openPublishAction(opened.value, {
      bridgeId: this.#config.id,
      routes: this.#config.publish_action,
      codec,
      services: this.#services,
      logger: this.#logger,
      onPublication: (pub) => this.#pubs.push(pub),
    });
    if (this.#config.cxp_topics) {
      this.#cxp = new CxpRos2Topics(
        this.#services,
        this.#codec,
        this.#logger,
        this.#clock,
        `${this.#route}:cxp`,
      );
      this.#cxp.open(opened.value);
    }
    this.#statsTimer = setInterval(() => {
      this.#readTransportStats();
    }, STATS_INTERVAL_MS);
    this.#statsTimer.unref();
    await this.#inbound?.start();
  }

  quiesce(): void {
    this.#accepting = false;
    this.#inbound?.quiesce();
  }

  async stop(): Promise<void> {
    this.#accepting = false;
    clearInterval(this.#statsTimer);
    this.#readTransportStats();
    await this.#inbound?.stop();
    this.#batch.flush();
    this.#unregisterAction?.();
    this.#cxp?.close();
    for (const { sub } of this.#subs) sub.close();
    for (const p of this.#pubs) p.close();
    this.#participant?.close();
    this.#participant = undefined;
    this.#unavailable = 'stopped';
  }

  async #defaultTransport(env: NodeJS.ProcessEnv): Promise<Result<Ros2Transport>> {
    const backend = this.#config.backend;
    if (backend === 'rclnodejs') return RclnodejsTransport.load(env);
    if (backend === 'auto' && env.ROS_DISTRO) {
      const rcl = await RclnodejsTransport.load(env);
      if (rcl.ok) return rcl;
      this.#logger.info(
        { rosDistro: env.ROS_DISTRO, reason: rcl.error.message },
        'ROS 2 is sourced but rclnodejs does not load; using dds',
      );
    }
    return DdsTransport.load(env);
  }

  #openRoutes(p: Ros2Participant): void {
    const c = this.#config;
    const metrics = this.#services.metrics;
    // Per-message counters, batched (see GatewayMetrics.batched).
    const inCount = metrics.batched(metrics.messagesIn, { route: this.#route, kind: 'ros2' });
    const toMqtt = metrics.batched(metrics.messagesOut, { route: this.#route, kind: 'mqtt' });
    const fromMqtt = metrics.batched(metrics.messagesIn, { route: this.#route, kind: 'mqtt' });
    const toRos = metrics.batched(metrics.messagesOut, { route: this.#route, kind: 'ros2' });
    c.ingest.forEach((r, i) => {
      const limiter = this.#limiter(r.max_rate_hz);
      this.#subscribe(p, `/ingest/${i}`, r.topic, r.type, toRos2Qos(r.qos), (s) => {
        inCount.inc();
        if (limiter && !limiter.tryTake()) {
          this.#drop('rate');
          return;
        }
        this.#ingest(r, s);
      });
    });
    c.to_mqtt.forEach((r, i) => {
      this.#noteQosMismatch(`/to_mqtt/${i}`, toRos2Qos(r.qos).reliability, r.mqtt_qos);
      const limiter = this.#limiter(r.max_rate_hz);
      const publishOptions = {
        qos: r.mqtt_qos,
        retain: r.retain,
        properties: { contentType: CONTENT_TYPE[r.encoding] },
      };
      this.#subscribe(p, `/to_mqtt/${i}`, r.topic, r.type, toRos2Qos(r.qos), (s) => {
        inCount.inc();
        if (limiter && !limiter.tryTake()) {
          this.#drop('rate');
          return;
        }
        // At most once, and the connection drops QoS 0 now anyway: drop before converting.
        if (r.mqtt_qos === 0 && this.#services.connection.saturated) {
          this.#drop('congested');
          return;
        }
        const payload = toMqttPayload(this.#codec, r.type, r.encoding, s.cdr);
        if (!payload.ok) {
          this.#reject(r.topic, payload.error.code, payload.error.message);
          return;
        }
        this.#services.connection.publish(r.mqtt_topic, payload.value, publishOptions);
        toMqtt.inc();
      });
    });
    c.from_mqtt.forEach((r, i) => {
      this.#noteQosMismatch(`/from_mqtt/${i}`, toRos2Qos(r.qos).reliability, 1);
      const pub = p.advertise(r.topic, r.type, toRos2Qos(r.qos));
      if (!pub.ok) {
        this.#logger.error({ route: `/from_mqtt/${i}`, err: pub.error }, 'ROS 2 publication not created');
        return;
      }
      this.#pubs.push(pub.value);
      const limiter = this.#limiter(r.max_rate_hz);
      this.#inbound?.subscribe(r.mqtt_topic, 1, (m: InboundMessage) => {
        if (!this.#accepting) return;
        fromMqtt.inc();
        if (limiter && !limiter.tryTake()) {
          this.#drop('rate');
          return;
        }
        const cdr = fromMqttPayload(
          this.#codec,
          r.type,
          r.encoding,
          m.payload,
          this.#services.maxMessageBytes,
        );
        if (!cdr.ok) {
          this.#reject(m.topic, cdr.error.code, cdr.error.message);
          return;
        }
        const written = pub.value.publish(cdr.value);
        if (!written.ok) {
          this.#reject(r.topic, written.error.code, written.error.message);
          return;
        }
        toRos.inc();
      });
    });
  }

  #subscribe(
    p: Ros2Participant,
    where: string,
    topic: string,
    type: string,
    qos: Ros2Qos,
    onSample: (s: Sample) => void,
  ): void {
    const sub = p.subscribe(
      topic,
      type,
      qos,
      (s) => {
        if (this.#accepting) onSample(s);
      },
      { maxQueued: this.#config.queue.capacity },
    );
    if (!sub.ok) {
      this.#logger.error({ route: where, err: sub.error }, 'ROS 2 subscription not created');
      return;
    }
    this.#subs.push({ sub: sub.value, dropped: 0 });
  }

  #ingest(r: Ros2BridgeConfig['ingest'][number], s: Sample): void {
    if (!this.#codec) return;
    const contribution = toContribution(this.#codec, r, s.cdr);
    if (!contribution.ok) {
      this.#reject(r.topic, contribution.error.code, contribution.error.message);
      return;
    }
    this.#batch.add([contribution.value]);
  }

  #readTransportStats(): void {
    this.#services.metrics.flush();
    for (const entry of this.#subs) {
      const { dropped } = entry.sub.stats();
      if (dropped > entry.dropped) {
        this.#services.metrics.dropped.inc(
          { route: this.#route, reason: 'queue_full' },
          dropped - entry.dropped,
        );
        entry.dropped = dropped;
      }
    }
  }

  #noteQosMismatch(route: string, reliability: Ros2Qos['reliability'], mqttQos: 0 | 1 | 2): void {
    const note = qosMismatch(reliability, mqttQos);
    if (note !== undefined) this.#logger.info({ route }, note);
  }

  /** A route's `max_rate_hz` as a token bucket (none when the route has no limit). */
  #limiter(maxRateHz: number | undefined): RateLimiter | undefined {
    return maxRateHz === undefined ? undefined : new RateLimiter({ maxRateHz, clock: this.#clock });
  }

  #drop(reason: string): void {
    this.#services.metrics.dropped.inc({ route: this.#route, reason });
  }

  #reject(where: string, code: string, message: string): void {
    this.#services.metrics.errors.inc({ route: this.#route, code });
    this.#logger.debug({ where, code, message }, 'ROS 2 message refused');
  }
}
