import type { Logger } from 'pino';
import type { Clock } from '../../../src/cxp/clock.js';
import { encodeTrusted } from '../../../src/cxp/codec.js';
import { decodeMessage, encodeMessage } from '../../../src/cxp/message.js';
import type { CxpMessage, MessageOf } from '../../../src/cxp/schema/index.js';
import type { GatewayServices } from '../../mqtt/bridge/plugin.js';
import {
  DEFAULT_QOS,
  type Ros2Participant,
  type Ros2Publication,
  type Ros2Qos,
  type Ros2Subscription,
} from '../transport.js';
import type { RosMessageCodec } from './message-codec.js';

/**
 * CXP over ROS 2 (the design's external contract): `/cxp/preview` (transient local: a late joiner
 * gets the current one), `/cxp/diff` (every change), `/cxp/in` (requests) and `/cxp/out` (replies),
 * each a std_msgs/msg/String whose `data` is the CXP message as JSON. ROS 2 has no authenticated
 * identity here, so requests are answered for an anonymous principal (policy applies as for any
 * unauthenticated viewer).
 */

const STRING = 'std_msgs/msg/String';
const DIAGNOSTIC_ARRAY = 'diagnostic_msgs/msg/DiagnosticArray';
const LATCHED: Ros2Qos = { ...DEFAULT_QOS, durability: 'transient_local', depth: 1 };
const STREAM: Ros2Qos = { ...DEFAULT_QOS, depth: 100 };
/** Requests waiting to be answered; beyond, the oldest is dropped and counted. */
const MAX_PENDING = 256;

export class CxpRos2Topics {
  readonly #s: GatewayServices;
  readonly #codec: RosMessageCodec;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #route: string;
  readonly #pubs: Partial<Record<'preview' | 'diff' | 'out' | 'safety', Ros2Publication>> = {};
  #diagnostics: Ros2Publication | undefined;
  #unsubscribeSafety: (() => void) | undefined;
  #sub: Ros2Subscription | undefined;
  #unsubscribe: (() => void) | undefined;
  #previewTimer: NodeJS.Timeout | undefined;
  #lastPreview = 0;
  /** Answers to make, in arrival order (an error reply waits its turn like any other). */
  readonly #pending: (() => Promise<CxpMessage[]> | CxpMessage[])[] = [];
  #answering = false;
  #open = false;

  constructor(
    services: GatewayServices,
    codec: RosMessageCodec,
    logger: Logger,
    clock: Clock,
    route: string,
  ) {
    this.#s = services;
    this.#codec = codec;
    this.#logger = logger;
    this.#clock = clock;
    this.#route = route;
  }

  open(p: Ros2Participant): void {
    for (const [name, topic, qos] of [
      ['preview', '/cxp/preview', LATCHED],
      ['diff', '/cxp/diff', STREAM],
      ['out', '/cxp/out', STREAM],
      ['safety', '/cxp/safety_event', STREAM],
    ] as const) {
      const pub = p.advertise(topic, STRING, qos);
      if (pub.ok) this.#pubs[name] = pub.value;
      else this.#logger.error({ err: pub.error, topic }, 'CXP topic not advertised');
    }
    const diag = p.advertise('/diagnostics', DIAGNOSTIC_ARRAY, STREAM);
    if (diag.ok) this.#diagnostics = diag.value;
    else this.#logger.error({ err: diag.error }, '/diagnostics not advertised');
    this.#unsubscribeSafety = this.#s.safety?.onEvent((event) => {
      this.#safetyEvent(event);
    });
    const sub = p.subscribe('/cxp/in', STRING, STREAM, (sample) => {
      this.#onRequest(sample.cdr);
    });
    if (sub.ok) this.#sub = sub.value;
    else this.#logger.error({ err: sub.error }, 'CXP request topic not subscribed');
    this.#open = true;
    const { store, cxp } = this.#s;
    this.#unsubscribe = store.onChange((change) => {
      this.#send('diff', encodeTrusted(cxp.provider.diffMessage(change), 'json'));
      this.#schedulePreview();
    });
    this.#publishPreview();
  }

  close(): void {
    this.#open = false;
    clearTimeout(this.#previewTimer);
    this.#unsubscribe?.();
    this.#sub?.close();
    this.#unsubscribeSafety?.();
    this.#diagnostics?.close();
    for (const pub of Object.values(this.#pubs)) pub.close();
  }

  #schedulePreview(): void {
    if (this.#previewTimer) return;
    const wait = Math.max(0, this.#lastPreview + this.#s.cxp.previewMinIntervalMs - this.#clock.now());
    this.#previewTimer = setTimeout(() => {
      this.#previewTimer = undefined;
      this.#publishPreview();
    }, wait);
    this.#previewTimer.unref();
  }

  #publishPreview(): void {
    if (!this.#open) return;
    this.#lastPreview = this.#clock.now();
    this.#send('preview', encodeMessage(this.#s.cxp.provider.preview({}), 'json'));
  }

  /**
   * A SAFETY_EVENT on `/cxp/safety_event` (JSON in std_msgs/String) and as a DiagnosticStatus on
   * `/diagnostics`, so rqt_robot_monitor and diagnostic aggregators see it.
   */
  #safetyEvent(event: MessageOf<'SAFETY_EVENT'>): void {
    if (!this.#open) return;
    this.#send('safety', encodeMessage(event, 'json'));
    if (!this.#diagnostics) return;
    const cdr = this.#codec.encode(DIAGNOSTIC_ARRAY, diagnosticArray(event));
    const sent = cdr.ok ? this.#diagnostics.publish(cdr.value) : cdr;
    if (!sent.ok) this.#s.metrics.errors.inc({ route: this.#route, code: sent.error.code });
    else this.#s.metrics.messagesOut.inc({ route: this.#route, kind: 'diagnostics' });
  }

  #send(which: 'preview' | 'diff' | 'out' | 'safety', json: Uint8Array): void {
    const pub = this.#pubs[which];
    if (!pub) return;
    const cdr = this.#codec.encode(STRING, { data: Buffer.from(json).toString('utf8') });
    const sent = cdr.ok ? pub.publish(cdr.value) : cdr;
    if (!sent.ok) {
      this.#s.metrics.errors.inc({ route: this.#route, code: sent.error.code });
      return;
    }
    this.#s.metrics.messagesOut.inc({ route: this.#route, kind: `cxp_${which}` });
  }

  #onRequest(cdr: Uint8Array): void {
    if (!this.#open) return;
    const text = this.#codec.decode(STRING, cdr);
    const data = text.ok ? text.value.data : undefined;
    const { messages, ids } = this.#s.cxp;
    const decoded =
      typeof data === 'string'
        ? decodeMessage(Buffer.from(data, 'utf8'), {
            encoding: 'json',
            maxBytes: this.#s.maxMessageBytes,
            fill: { clock: this.#clock, ids, source: { id: 'anonymous', kind: 'ros2' } },
          })
        : undefined;
    if (decoded === undefined || !decoded.ok) {
      const error = decoded === undefined ? (text.ok ? undefined : text.error) : decoded.error;
      const code = error?.code ?? 'MALFORMED_MESSAGE';
      this.#s.metrics.errors.inc({ route: this.#route, code });
      this.#logger.debug({ code, message: error?.message }, 'bad CXP request on /cxp/in');
      if (decoded !== undefined) {
        const reply = messages.errorReply(decoded.error, decoded.header);
        this.#enqueue(() => [reply]);
      }
      return;
    }
    this.#s.metrics.messagesIn.inc({ route: this.#route, kind: decoded.message.type });
    const message = decoded.message;
    this.#enqueue(() =>
      this.#s.cxp.dispatcher.dispatch(message, undefined, (later) => {
        this.#reply([later]);
      }),
    );
  }

  #enqueue(answer: () => Promise<CxpMessage[]> | CxpMessage[]): void {
    if (this.#pending.length >= MAX_PENDING) {
      this.#pending.shift();
      this.#s.metrics.dropped.inc({ route: this.#route, reason: 'queue_full' });
    }
    this.#pending.push(answer);
    void this.#answer();
  }

  async #answer(): Promise<void> {
    if (this.#answering) return;
    this.#answering = true;
    try {
      for (let next = this.#pending.shift(); next; next = this.#pending.shift()) {
        try {
          this.#reply(await next());
        } catch (err) {
          this.#logger.error({ err }, 'CXP request failed');
        }
      }
    } finally {
      this.#answering = false;
    }
  }

  #reply(replies: CxpMessage[]): void {
    for (const r of replies) this.#send('out', encodeMessage(r, 'json'));
  }
}

/** One DiagnosticStatus for a SAFETY_EVENT: level from its diag_level, named by its condition. */
export function diagnosticArray(event: MessageOf<'SAFETY_EVENT'>): unknown {
  const { stamp } = event.timebase;
  const values: [string, string][] = [
    ['severity', event.severity],
    ['state', event.state],
    ['kind', event.kind],
    ['latched', String(event.latched)],
    ['recommended_action', event.recommended_action],
    ['frame_id', event.frame.frame_id],
    ['seq', String(event.seq)],
    ['boot_id', event.boot_id],
    ['assurance', event.assurance],
  ];
  return {
    header: { stamp, frame_id: event.frame.frame_id },
    status: [
      {
        level: event.diag_level ?? (event.state === 'CLEARED' ? 0 : 2),
        name: `cxp_edge/safety/${event.condition_key}`,
        message: event.message,
        hardware_id: event.subject?.id ?? '',
        values: values.map(([key, value]) => ({ key, value })),
      },
    ],
  };
}
