import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { Component } from '../../src/runtime/lifecycle.js';
import { Backoff } from '../../src/runtime/backoff.js';
import type { GatewayMetrics } from '../../src/runtime/metrics.js';
import { InboundRouter, type InboundHandler } from './inbound-router.js';
import type { OutboundQueue, QueuedEntry, QueuedMessage } from './outbound-queue.js';
import { Qos0Writer } from './qos0-writer.js';

const utf8 = new TextEncoder();
/** Bytes waiting in the socket above which the connection reports itself congested. */
export const CONGESTED_BYTES = 256 * 1024;
/** Bytes waiting in the socket above which QoS 0 publishes are dropped (and counted). */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

const MQTTJS_DEBUG = /mqttjs/.test(process.env.DEBUG ?? '');
const noop = (): void => undefined;

export type { InboundHandler, InboundMessage } from './inbound-router.js';

export interface PublishOptions {
  qos: 0 | 1 | 2;
  retain?: boolean;
  /** MQTT 5 only; dropped silently on 3.1.1. */
  properties?: QueuedMessage['properties'];
}

export interface MqttConnectionOptions {
  /** Resolved at start: the embedded broker's port is known only once it listens. */
  url: () => string;
  /** Resolved at start (reads secrets and certificate files). */
  clientOptions: () => Promise<IClientOptions>;
  protocol: 'auto' | '3.1.1' | '5';
  /** Retained `online`/`offline` status with a last will; none when undefined. */
  statusTopic?: string;
  reconnect: { initialMs: number; maxMs: number; jitter: number };
  inflight: number;
  /** Opens where QoS 1/2 messages wait while the broker is away (disk or memory, bounded). */
  openOutbound: () => Promise<OutboundQueue>;
  logger: Logger;
  metrics: GatewayMetrics;
  name: string;
}

/**
 * The gateway's MQTT connection. MQTT.js's own fixed-interval reconnect is off: this class reconnects
 * with capped exponential backoff plus jitter, re-subscribes after every connect, sets a retained
 * last will on the status topic, and speaks MQTT 5 only when the broker accepts it.
 * QoS 1/2 publishes go through the outbound queue first and are handed to MQTT.js in order, at most
 * `inflight` at a time, only while connected; an entry leaves the queue when the broker acknowledges it.
 * After a reconnect every unacknowledged entry is handed again (at-least-once, never reordered).
 */
export class MqttConnection implements Component {
  readonly name: string;
  readonly #o: MqttConnectionOptions;
  readonly #backoff: Backoff;
  readonly #inbound: InboundRouter;
  readonly #handed = new Set<number>();
  #client: MqttClient | undefined;
  #version: 4 | 5 = 5;
  #connected = false;
  #stopping = false;
  #timer: NodeJS.Timeout | undefined;
  #pumping = false;
  #subscribed = false;
  #outbound: OutboundQueue | undefined;
  #url = '';
  #clientOptions: IClientOptions = {};
  /** QoS 0 packets encoded here and written once per tick (see Qos0Writer). */
  readonly #qos0: Qos0Writer;

  constructor(options: MqttConnectionOptions) {
    this.#o = options;
    this.name = options.name;
    this.#inbound = new InboundRouter(options.logger);
    this.#qos0 = new Qos0Writer((packets) => {
      options.metrics.dropped.inc({ route: options.name, reason: 'offline' }, packets);
    });
    this.#backoff = new Backoff(options.reconnect);
    this.#version = options.protocol === '3.1.1' ? 4 : 5;
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** Connected, and the broker has acknowledged every subscription of this session. */
  get ready(): boolean {
    return this.#connected && this.#subscribed;
  }

  /** 5 or 4 (3.1.1): what the current session speaks. */
  get protocolVersion(): 4 | 5 {
    return this.#version;
  }

  /** Starting does not wait for the broker: the gateway runs (and queues) while it is away. */
  async start(): Promise<void> {
    this.#outbound = await this.#o.openOutbound();
    this.#clientOptions = await this.#o.clientOptions();
    this.#url = this.#o.url();
    this.#open();
  }

  /** Registers a handler; the subscription is (re)made on every connect. */
  subscribe(filter: string, qos: 0 | 1 | 2, handler: InboundHandler): () => void {
    const added = this.#inbound.add(filter, qos, handler);
    if (added.isNew && this.#connected)
      this.#client?.subscribe(filter, { qos }, (err) => {
        this.#logSubscribe(filter, err);
      });
    return added.remove;
  }

  /**
   * QoS 0: sent now when connected, else dropped (counted). QoS 1/2: queued (store-and-forward) and
   * delivered in order. Returns false when the message was dropped.
   */
  publish(topic: string, payload: Uint8Array | string, options: PublishOptions): boolean {
    const bytes = typeof payload === 'string' ? utf8.encode(payload) : payload;
    if (options.qos === 0) {
      if (!this.#connected || !this.#client) {
        this.#o.metrics.dropped.inc({ route: this.name, reason: 'offline' });
        return false;
      }
      // At most once: past the hard cap the message is dropped (counted), never buffered without bound.
      if (this.#buffered() > MAX_BUFFERED_BYTES) {
        this.#o.metrics.dropped.inc({ route: this.name, reason: 'congested' });
        return false;
      }
      const refused = this.#qos0.write(
        this.#version,
        topic,
        bytes,
        options.retain ?? false,
        options.properties,
      );
      if (refused !== undefined) {
        this.#o.metrics.dropped.inc({ route: this.name, reason: refused });
        this.#o.logger.warn({ topic, reason: refused }, 'QoS 0 message not sent');
        return false;
      }
      return true;
    }
    const outbound = this.#outbound;
    if (!outbound) {
      this.#o.metrics.dropped.inc({ route: this.name, reason: 'not_started' });
      return false;
    }
    const appended = outbound.append({
      topic,
      payload: bytes,
      qos: options.qos,
      retain: options.retain ?? false,
      ...(options.properties ? { properties: options.properties } : {}),
    });
    if (!appended.ok) {
      this.#o.metrics.dropped.inc({ route: this.name, reason: 'queue' });
      this.#o.logger.warn({ err: appended.error, topic }, 'outbound message refused by the queue');
      return false;
    }
    this.#pump();
    return true;
  }

  /**
   * Stops taking inbound messages until every holder has called `resumeInbound`. The message being
   * dispatched now is still delivered; MQTT.js then waits before handling the next packet, its parser
   * input fills, the socket is no longer read and TCP pushes back to the broker (which queues or
   * drops by its own limits; QoS 1/2 messages stay unacknowledged until handled). Outbound traffic
   * is not affected. While paused the broker's keep-alive answers wait too, so hold only briefly.
   */
  pauseInbound(holder: string): void {
    if (this.#inbound.pause(holder)) this.#o.metrics.inboundPauses.inc({ connection: this.name });
  }

  /** Releases `holder`'s pause; reading resumes when no holder is left. */
  resumeInbound(holder: string): void {
    this.#inbound.resume(holder);
  }

  /**
   * More than CONGESTED_BYTES wait in the socket to the broker: producers should hold off (see
   * `onDecongested`) rather than publish into a growing buffer.
   */
  get congested(): boolean {
    return this.#buffered() > CONGESTED_BYTES;
  }

  /** QoS 0 publishes are being dropped now (more than MAX_BUFFERED_BYTES wait in the socket). */
  get saturated(): boolean {
    return this.#buffered() > MAX_BUFFERED_BYTES;
  }

  /** Calls `callback` once the socket's buffer has drained (at once when not congested). */
  onDecongested(callback: () => void): void {
    const stream = this.#client?.stream as Partial<Writable> | undefined;
    if (!this.congested || !stream?.once) {
      callback();
      return;
    }
    const done = (): void => {
      stream.off?.('drain', done);
      stream.off?.('close', done);
      callback();
    };
    // 'drain' when the buffer empties; 'close' when the connection goes (nothing to wait for then).
    stream.once('drain', done);
    stream.once('close', done);
  }

  #buffered(): number {
    const inSocket = (this.#client?.stream as Partial<Writable> | undefined)?.writableLength ?? 0;
    return inSocket + this.#qos0.pending;
  }

  /** True while some holder has paused inbound reading. */
  get inboundPaused(): boolean {
    return this.#inbound.paused;
  }

  quiesce(): void {
    this.#stopping = true;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#timer);
    const client = this.#client;
    const statusTopic = this.#o.statusTopic;
    this.#client = undefined;
    if (client) {
      if (this.#connected) {
        await new Promise<void>((resolve) => {
          if (statusTopic === undefined) {
            resolve();
            return;
          }
          this.#qos0.flush();
          client.publish(statusTopic, 'offline', { qos: 1, retain: true }, () => {
            resolve();
          });
          setTimeout(resolve, 1000).unref();
        });
      }
      await client.endAsync(false).catch(() => undefined);
    }
    this.#connected = false;
    this.#o.metrics.connected.set({ connection: this.name }, 0);
    await this.#outbound?.close();
    this.#outbound = undefined;
  }

  #open(): void {
    const statusTopic = this.#o.statusTopic;
    const client = mqtt.connect(this.#url, {
      ...this.#clientOptions,
      protocolVersion: this.#version,
      reconnectPeriod: 0,
      resubscribe: false,
      clean: true,
      // MQTT.js traces every packet through `debug` (several calls each, about 2% of the CPU under
      // load even when disabled); keep that only when DEBUG asks for it.
      ...(MQTTJS_DEBUG ? {} : { log: noop }),
      // Otherwise mqtt-packet pre-builds a Buffer for each of the 65,536 two-byte numbers on the first
      // packet it writes: about 6 MiB of heap held for good, to save a 2-byte allocation per packet.
      writeCache: false,
      ...(statusTopic === undefined
        ? {}
        : { will: { topic: statusTopic, payload: Buffer.from('offline'), qos: 1, retain: true } }),
    });
    this.#client = client;
    // MQTT.js calls handleMessage after emitting 'message' and handles the next packet only once the
    // callback runs: holding it is how inbound reading pauses (see pauseInbound).
    client.handleMessage = (_packet, callback) => {
      this.#inbound.continueWhenReading(() => {
        callback();
      });
    };
    client.on('connect', () => {
      this.#onConnect(client);
    });
    client.on('message', (topic, payload, packet) => {
      this.#inbound.dispatch(topic, payload, packet);
    });
    client.on('error', (err) => {
      this.#onError(client, err);
    });
    client.on('close', () => {
      this.#onClose(client);
    });
  }

  #onConnect(client: MqttClient): void {
    // Small packets go out at once (TCP_NODELAY). Without it, a connection that mostly publishes
    // (DIFFs at QoS 0 get no reply) waits on the broker's delayed ACK: about +10 ms at p50 measured.
    const socket = client.stream as Partial<Pick<Socket, 'setNoDelay'>>;
    socket.setNoDelay?.(true);
    this.#qos0.attach(client.stream);
    this.#connected = true;
    this.#backoff.reset();
    this.#o.metrics.connected.set({ connection: this.name }, 1);
    this.#o.logger.info(
      { url: redactUrl(this.#url), mqtt: this.#version === 5 ? '5' : '3.1.1' },
      'connected',
    );
    if (this.#o.statusTopic !== undefined)
      client.publish(this.#o.statusTopic, 'online', { qos: 1, retain: true }, (err) => {
        if (err) this.#o.logger.warn({ err }, 'status publish failed');
      });
    const subs = this.#inbound.subscriptions();
    this.#subscribed = Object.keys(subs).length === 0;
    if (!this.#subscribed) {
      client.subscribe(subs, (err) => {
        this.#logSubscribe(Object.keys(subs).join(','), err);
        if (!err && client === this.#client) this.#subscribed = true;
      });
    }
    this.#pump();
  }

  #onError(client: MqttClient, err: Error & { code?: number | string }): void {
    if (client !== this.#client) return;
    const unsupported =
      err.code === 1 || err.code === 132 || /unacceptable protocol|unsupported protocol/i.test(err.message);
    if (this.#o.protocol === 'auto' && this.#version === 5 && unsupported) {
      this.#o.logger.info('broker does not speak MQTT 5; using 3.1.1');
      this.#version = 4;
      this.#handed.clear();
      return;
    }
    this.#o.logger.warn({ err: { message: err.message, code: err.code } }, 'mqtt error');
  }

  #onClose(client: MqttClient): void {
    if (client !== this.#client) return;
    if (this.#connected) this.#o.logger.warn('connection lost');
    this.#connected = false;
    this.#subscribed = false;
    this.#qos0.attach(undefined);
    // Hand every unacknowledged entry again after reconnecting: MQTT.js may or may not resend what it
    // held (and call back), so waiting on it can stall the queue. QoS 1/2 is at-least-once; order
    // holds because MQTT.js sends its own stored packets before new ones.
    this.#handed.clear();
    // A packet held from the lost session is finished now (its stream is gone); a new session's
    // first message is held again while a holder still pauses.
    this.#inbound.release();
    this.#o.metrics.connected.set({ connection: this.name }, 0);
    if (this.#stopping) return;
    const fresh = this.#version === 4 && client.options.protocolVersion === 5;
    const delay = fresh ? 0 : this.#backoff.next();
    this.#o.metrics.reconnects.inc({ connection: this.name });
    this.#timer = setTimeout(() => {
      if (this.#stopping) return;
      if (fresh) {
        client.removeAllListeners();
        client.end(true);
        this.#open();
      } else client.reconnect();
    }, delay);
  }

  /** Hands queued QoS 1/2 messages to MQTT.js in order, keeping at most `inflight` unacknowledged. */
  #pump(): void {
    const outbound = this.#outbound;
    if (this.#pumping || !this.#connected || !this.#client || !outbound) return;
    this.#pumping = true;
    try {
      const client = this.#client;
      const window = this.#o.inflight;
      for (const entry of outbound.peek(window + this.#handed.size)) {
        if (this.#handed.size >= window) break;
        if (this.#handed.has(entry.seq)) continue;
        this.#hand(client, entry);
      }
      this.#o.metrics.queued.set({ route: this.name }, outbound.size);
    } finally {
      this.#pumping = false;
    }
  }

  #hand(client: MqttClient, entry: QueuedEntry): void {
    this.#handed.add(entry.seq);
    // QoS 0 packets given earlier leave first.
    this.#qos0.flush();
    client.publish(entry.topic, asBuffer(entry.payload), this.#publishOpts(entry), (err) => {
      if (client !== this.#client) return;
      this.#handed.delete(entry.seq);
      if (err) {
        this.#o.logger.debug({ err, topic: entry.topic }, 'publish not acknowledged; will retry');
        setTimeout(() => {
          this.#pump();
        }, 100).unref();
        return;
      }
      this.#outbound?.ack(entry.seq);
      this.#pump();
    });
  }

  #publishOpts(o: {
    qos: 0 | 1 | 2;
    retain?: boolean;
    properties?: QueuedMessage['properties'];
  }): mqtt.IClientPublishOptions {
    const opts: mqtt.IClientPublishOptions = { qos: o.qos, retain: o.retain ?? false };
    if (this.#version === 5 && o.properties) opts.properties = toMqttProperties(o.properties);
    return opts;
  }

  #logSubscribe(filter: string, err: Error | null | undefined): void {
    if (err) this.#o.logger.warn({ err, filter }, 'subscribe failed');
  }
}

function toMqttProperties(
  p: NonNullable<QueuedMessage['properties']>,
): mqtt.IClientPublishOptions['properties'] {
  const out: NonNullable<mqtt.IClientPublishOptions['properties']> = {};
  if (typeof p.contentType === 'string') out.contentType = p.contentType;
  if (typeof p.responseTopic === 'string') out.responseTopic = p.responseTopic;
  if (typeof p.correlationData === 'string') out.correlationData = Buffer.from(p.correlationData, 'base64');
  return out;
}

/** A Buffer view of the same bytes (no copy). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//[redacted]@');
}
