import type { IPublishPacket } from 'mqtt';
import type { Logger } from 'pino';
import { TopicFilter } from './topics.js';

/** Incoming message as handlers see it. */
export interface InboundMessage {
  topic: string;
  payload: Uint8Array;
  /** MQTT 5 properties when the broker speaks 5 (response topic, correlation data, content type). */
  properties: IPublishPacket['properties'];
}

export type InboundHandler = (message: InboundMessage) => void;

/**
 * The inbound side of one MQTT connection: which handlers want which filters, dispatch of each
 * message to every matching handler once, and the pause that holds MQTT.js's continuation (see
 * MqttConnection.pauseInbound) so the socket stops being read.
 */
export class InboundRouter {
  readonly #handlers = new Map<
    string,
    { qos: 0 | 1 | 2; filter: TopicFilter; handlers: Set<InboundHandler> }
  >();
  readonly #logger: Logger;
  /** Why inbound reading is paused (one entry per holder); empty when reading. */
  readonly #holds = new Set<string>();
  /** MQTT.js's continuation for the packet that arrived while paused; called on resume. */
  #held: (() => void) | undefined;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Adds a handler; `isNew` is true when the filter had none (a SUBSCRIBE is needed). */
  add(filter: string, qos: 0 | 1 | 2, handler: InboundHandler): { isNew: boolean; remove: () => void } {
    let entry = this.#handlers.get(filter);
    const isNew = entry === undefined;
    if (!entry) {
      entry = { qos, filter: new TopicFilter(filter), handlers: new Set() };
      this.#handlers.set(filter, entry);
    }
    const e = entry;
    e.handlers.add(handler);
    return { isNew, remove: () => e.handlers.delete(handler) };
  }

  /** Every filter with its QoS, for the SUBSCRIBE after a connect. */
  subscriptions(): Record<string, { qos: 0 | 1 | 2 }> {
    return Object.fromEntries([...this.#handlers].map(([filter, e]) => [filter, { qos: e.qos }]));
  }

  /** Calls every handler whose filter matches, each once even when several of its filters match. */
  dispatch(topic: string, payload: Buffer, packet: IPublishPacket): void {
    const levels = topic.split('/');
    let called: Set<InboundHandler> | undefined;
    let first: InboundHandler | undefined;
    for (const entry of this.#handlers.values()) {
      if (!entry.filter.test(topic, levels)) continue;
      for (const handler of entry.handlers) {
        if (first === undefined) first = handler;
        else {
          called ??= new Set([first]);
          if (called.has(handler)) continue;
          called.add(handler);
        }
        try {
          handler({ topic, payload, properties: packet.properties });
        } catch (err) {
          this.#logger.error({ err, topic }, 'message handler threw');
        }
      }
    }
  }

  get paused(): boolean {
    return this.#holds.size > 0;
  }

  /** Adds a holder; true when this starts a pause (nobody held before). */
  pause(holder: string): boolean {
    const starts = this.#holds.size === 0;
    this.#holds.add(holder);
    return starts;
  }

  /** Releases `holder`; when no holder is left the held continuation (if any) runs. */
  resume(holder: string): void {
    if (!this.#holds.delete(holder) || this.#holds.size > 0) return;
    this.release();
  }

  /** MQTT.js's `handleMessage` continuation: run now, or kept until the pause ends. */
  continueWhenReading(callback: () => void): void {
    if (this.#holds.size === 0) callback();
    else this.#held = callback;
  }

  /** Runs the held continuation now (its session is gone, or the pause ended). */
  release(): void {
    const held = this.#held;
    this.#held = undefined;
    held?.();
  }
}
