import type { Logger } from 'pino';
import type { Clock } from '../../src/cxp/clock.js';
import { encodeMessage, decodeMessage, type MessageFactory } from '../../src/cxp/message.js';
import { CONTENT_TYPES, encodeTrusted, encodingForContentType, type Encoding } from '../../src/cxp/codec.js';
import type { IdGenerator } from '../../src/cxp/ids.js';
import type { CxpMessage } from '../../src/cxp/schema/index.js';
import type { ContextProvider } from '../../src/context/sparse/provider.js';
import type { ContextStore } from '../../src/context/store.js';
import { BoundedQueue } from '../../src/runtime/bounded-queue.js';
import type { CxpDispatcher } from '../../src/runtime/dispatcher.js';
import type { Component } from '../../src/runtime/lifecycle.js';
import type { GatewayMetrics } from '../../src/runtime/metrics.js';
import type { CxpSection } from '../../src/runtime/config/sections.js';
import type { InboundMessage, MqttConnection } from './connection.js';
import { CxpTopics } from './cxp-topics.js';

export interface CxpMqttBindingOptions {
  gatewayId: string;
  config: CxpSection;
  connection: MqttConnection;
  dispatcher: CxpDispatcher;
  provider: ContextProvider;
  store: ContextStore;
  messages: MessageFactory;
  ids: IdGenerator;
  metrics: GatewayMetrics;
  logger: Logger;
  clock: Clock;
  /** Retained capability documents of the gateway's providers (printers), if any. */
  capabilities?: () => unknown;
  /** A periodic telemetry snapshot (may be read asynchronously). */
  telemetry?: () => unknown;
}

interface PendingRequest {
  inbound: InboundMessage;
  principal: string | undefined;
  received: bigint;
}

/**
 * CXP spoken over MQTT (docs/protocol.md §13): requests on `<prefix>/<gw>/in[/<principal>]`, replies
 * to the MQTT 5 response topic or `out/<source.id>` or `out`; PREVIEW retained and refreshed on change
 * (rate-limited) and periodically; a DIFF for every committed change; capabilities retained;
 * telemetry periodic. Requests wait in a bounded queue and are answered one at a time, so a flood
 * of bad input costs bounded memory and never stalls the process.
 */
export class CxpMqttBinding implements Component {
  readonly name = 'cxp-mqtt';
  readonly topics: CxpTopics;
  readonly #o: CxpMqttBindingOptions;
  readonly #queue: BoundedQueue<PendingRequest>;
  readonly #timers: NodeJS.Timeout[] = [];
  #previewTimer: NodeJS.Timeout | undefined;
  #lastPreview = 0;
  #draining = false;
  #accepting = true;
  #started = false;
  #unsubscribe: (() => void)[] = [];

  constructor(options: CxpMqttBindingOptions) {
    this.#o = options;
    this.topics = new CxpTopics(options.config.topic_prefix, options.gatewayId);
    this.#queue = new BoundedQueue({ capacity: options.config.request_queue, policy: 'drop-oldest' });
  }

  start(): Promise<void> {
    const c = this.#o.connection;
    const onRequest = (m: InboundMessage) => {
      this.#enqueue(m);
    };
    this.#unsubscribe.push(
      c.subscribe(this.topics.in, 1, onRequest),
      c.subscribe(`${this.topics.in}/+`, 1, onRequest),
    );
    this.#unsubscribe.push(
      this.#o.store.onChange((change) => {
        this.#publishDiff(this.#o.provider.diffMessage(change));
      }),
    );
    this.#publishPreview();
    this.#started = true;
    this.publishCapabilities();
    this.#timers.push(
      setInterval(() => {
        this.#publishPreview();
      }, this.#o.config.preview_interval_s * 1000),
    );
    this.#timers.push(
      setInterval(() => {
        this.#publishTelemetry();
      }, this.#o.config.telemetry_interval_s * 1000),
    );
    return Promise.resolve();
  }

  quiesce(): void {
    this.#accepting = false;
  }

  async stop(): Promise<void> {
    this.#accepting = false;
    for (const t of this.#timers) clearInterval(t);
    clearTimeout(this.#previewTimer);
    for (const u of this.#unsubscribe) u();
    this.#unsubscribe = [];
    while (this.#draining) await new Promise((r) => setTimeout(r, 5));
  }

  #enqueue(inbound: InboundMessage): void {
    this.#o.metrics.messagesIn.inc({ route: 'cxp_in', kind: 'raw' });
    if (!this.#accepting) return;
    const principal = this.topics.principalOf(inbound.topic);
    const outcome = this.#queue.push({ inbound, principal, received: process.hrtime.bigint() });
    if (outcome !== 'queued') this.#o.metrics.dropped.inc({ route: 'cxp_in', reason: 'queue_full' });
    this.#o.metrics.queued.set({ route: 'cxp_in' }, this.#queue.size);
    if (!this.#draining) {
      this.#draining = true;
      setImmediate(() => {
        this.#drain().catch((err: unknown) => {
          this.#o.logger.error({ err }, 'request loop failed');
        });
      });
    }
  }

  async #drain(): Promise<void> {
    try {
      for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
        this.#o.metrics.queued.set({ route: 'cxp_in' }, this.#queue.size);
        await this.#answer(next);
      }
    } finally {
      this.#draining = false;
    }
  }

  async #answer(req: PendingRequest): Promise<void> {
    const encoding = sniffEncoding(req.inbound);
    const decoded = decodeMessage(req.inbound.payload, {
      encoding,
      maxBytes: this.#o.config.max_message_bytes,
      fill: {
        clock: this.#o.clock,
        ids: this.#o.ids,
        source: { id: req.principal ?? 'anonymous', kind: 'mqtt' },
      },
    });
    let replies: CxpMessage[];
    let replyTo: string | undefined;
    const reply = (message: CxpMessage): void => {
      const topic = this.topics.replyTopic(req.inbound.properties?.responseTopic, req.principal ?? replyTo);
      this.#send(topic, message, encoding, req.inbound.properties?.correlationData);
    };
    if (decoded.ok) {
      this.#o.metrics.messagesIn.inc({ route: 'cxp_in', kind: decoded.message.type });
      replyTo = decoded.message.source?.id;
      replies = await this.#o.dispatcher.dispatch(
        decoded.message,
        req.principal === undefined ? undefined : { id: req.principal },
        reply,
      );
    } else {
      this.#o.metrics.errors.inc({ route: 'cxp_in', code: decoded.error.code });
      this.#o.logger.debug(
        { code: decoded.error.code, message: decoded.error.message, topic: req.inbound.topic },
        'bad request',
      );
      replyTo = decoded.header.sourceId;
      replies = [this.#o.messages.errorReply(decoded.error, decoded.header)];
    }
    for (const r of replies) reply(r);
    const type = decoded.ok ? decoded.message.type : 'invalid';
    this.#o.metrics.requestSeconds.observe({ type }, Number(process.hrtime.bigint() - req.received) / 1e9);
  }

  #send(topic: string, message: CxpMessage, encoding: Encoding, correlation?: Buffer): void {
    let bytes: Uint8Array;
    try {
      bytes = encodeMessage(message, encoding);
    } catch (err) {
      this.#o.logger.error({ err, type: message.type }, 'could not encode a reply');
      return;
    }
    const properties: Record<string, unknown> = { contentType: CONTENT_TYPES[encoding] };
    if (correlation) properties.correlationData = correlation.toString('base64');
    this.#o.connection.publish(topic, bytes, { qos: 1, properties });
    this.#o.metrics.messagesOut.inc({ route: 'cxp_out', kind: message.type });
  }

  #publishDiff(diff: CxpMessage): void {
    // A DIFF is made of stored contributions (checked when they were put) and the gateway's envelope.
    const bytes = encodeTrusted(diff, this.#o.config.encoding);
    const qos = this.#o.config.diff_qos;
    this.#o.connection.publish(this.topics.diff, bytes, {
      qos,
      properties: { contentType: CONTENT_TYPES[this.#o.config.encoding] },
    });
    this.#o.metrics.messagesOut.inc({ route: 'cxp_diff', kind: 'CONTEXT_DIFF' });
    this.#o.metrics.contextVersion.set(this.#o.store.version);
    this.#o.metrics.contextRefs.set(this.#o.store.size);
    this.#schedulePreview();
  }

  #schedulePreview(): void {
    if (this.#previewTimer) return;
    const wait = Math.max(
      0,
      this.#lastPreview + this.#o.config.preview_min_interval_ms - this.#o.clock.now(),
    );
    this.#previewTimer = setTimeout(() => {
      this.#previewTimer = undefined;
      this.#publishPreview();
    }, wait);
  }

  #publishPreview(): void {
    this.#lastPreview = this.#o.clock.now();
    const preview = this.#o.provider.preview({});
    this.#retained(this.topics.preview, preview);
  }

  /** Publishes the retained capabilities document (at start, and whenever a provider changes). */
  publishCapabilities(): void {
    if (!this.#started) return;
    const caps = this.#o.capabilities?.() ?? { providers: [] };
    this.#o.connection.publish(this.topics.capabilities, JSON.stringify(caps), { qos: 1, retain: true });
  }

  #publishTelemetry(): void {
    const publish = (snapshot: unknown): void => {
      if (snapshot !== undefined)
        this.#o.connection.publish(this.topics.telemetry, JSON.stringify(snapshot), { qos: 0 });
    };
    Promise.resolve(this.#o.telemetry?.()).then(publish, (err: unknown) => {
      this.#o.logger.warn({ err }, 'telemetry snapshot failed');
    });
  }

  #retained(topic: string, message: CxpMessage): void {
    const encoding = this.#o.config.encoding;
    this.#o.connection.publish(topic, encodeMessage(message, encoding), {
      qos: 1,
      retain: true,
      properties: { contentType: CONTENT_TYPES[encoding] },
    });
  }
}

/**
 * The request's encoding: its MQTT 5 content type when given, else the first byte (a JSON object
 * starts with `{` or white space, a MessagePack map with 0x80-0x8f, 0xde or 0xdf).
 */
export function sniffEncoding(inbound: InboundMessage): Encoding {
  const declared = inbound.properties?.contentType;
  if (declared !== undefined) {
    const e = encodingForContentType(declared);
    if (e.ok) return e.value;
  }
  const b = inbound.payload[0] ?? 0x7b;
  return (b >= 0x80 && b <= 0x8f) || b === 0xde || b === 0xdf ? 'msgpack' : 'json';
}
