import { randomBytes } from 'node:crypto';
import { fail, ok, type Result } from '../../../src/cxp/errors.js';
import { rosTopicToDds, rosTypeToDds } from '../msgs/naming.js';
import {
  qosCompatible,
  type EndpointEvent,
  type OpenOptions,
  type Ros2Participant,
  type Ros2Publication,
  type Ros2Qos,
  type Ros2Subscription,
  type Ros2Transport,
  type Sample,
  type SubscribeOptions,
} from '../transport.js';

/**
 * An in-memory ROS 2 network for unit tests: participants on the same FakeNetwork and domain see
 * each other. It keeps the rules the gateway depends on: names are checked like a real backend,
 * QoS must be compatible to match, delivery is asynchronous and in order per writer, a subscriber's
 * queue is bounded (overflow drops the new sample and counts it), transient-local writers replay
 * their last `depth` samples to late readers, and endpoint events are reported.
 */
export class FakeNetwork {
  readonly #domains = new Map<number, Domain>();

  domain(id: number): Domain {
    let d = this.#domains.get(id);
    if (!d) {
      d = new Domain();
      this.#domains.set(id, d);
    }
    return d;
  }
}

interface Reader {
  topic: string;
  type: string;
  qos: Ros2Qos;
  onSample: (s: Sample) => void;
  maxQueued: number;
  queued: number;
  delivered: number;
  dropped: number;
  participant: string;
  guid: string;
}

interface Writer {
  topic: string;
  type: string;
  qos: Ros2Qos;
  history: Sample[];
  participant: string;
  guid: string;
}

class Domain {
  readonly readers = new Set<Reader>();
  readonly writers = new Set<Writer>();
  readonly listeners = new Set<(e: EndpointEvent) => void>();

  matches(w: Writer, r: Reader): boolean {
    return w.topic === r.topic && w.type === r.type && qosCompatible(w.qos, r.qos);
  }

  announce(event: EndpointEvent): void {
    for (const l of this.listeners) l(event);
  }

  deliver(r: Reader, sample: Sample): void {
    if (r.queued >= r.maxQueued) {
      r.dropped += 1;
      return;
    }
    r.queued += 1;
    setImmediate(() => {
      r.queued -= 1;
      if (!this.readers.has(r)) return;
      r.delivered += 1;
      r.onSample({ cdr: sample.cdr.slice(), sourceTimeMs: sample.sourceTimeMs });
    });
  }
}

const guid = (): string => randomBytes(16).toString('hex');

export class FakeTransport implements Ros2Transport {
  readonly name = 'fake' as const;
  readonly #network: FakeNetwork;
  readonly #now: () => number;

  constructor(network = new FakeNetwork(), now: () => number = Date.now) {
    this.#network = network;
    this.#now = now;
  }

  open(options: OpenOptions): Result<Ros2Participant> {
    if (!Number.isInteger(options.domainId) || options.domainId < 0 || options.domainId > 232)
      return fail('INVALID_PARAMS', `domain id ${String(options.domainId)} is not an integer from 0 to 232`);
    return ok(new FakeParticipant(this.#network.domain(options.domainId), options.domainId, this.#now));
  }
}

class FakeParticipant implements Ros2Participant {
  readonly domainId: number;
  readonly guid = guid();
  readonly #domain: Domain;
  readonly #now: () => number;
  readonly #own = new Set<Reader | Writer>();
  readonly #listeners = new Set<(e: EndpointEvent) => void>();
  #closed = false;

  constructor(domain: Domain, domainId: number, now: () => number) {
    this.#domain = domain;
    this.domainId = domainId;
    this.#now = now;
  }

  subscribe(
    topic: string,
    type: string,
    qos: Ros2Qos,
    onSample: (sample: Sample) => void,
    options: SubscribeOptions = {},
  ): Result<Ros2Subscription> {
    const checked = this.#check(topic, type);
    if (!checked.ok) return checked;
    const d = this.#domain;
    const r: Reader = {
      topic,
      type,
      qos,
      onSample,
      maxQueued: options.maxQueued ?? 1024,
      queued: 0,
      delivered: 0,
      dropped: 0,
      participant: this.guid,
      guid: guid(),
    };
    d.readers.add(r);
    this.#own.add(r);
    d.announce(this.#event('subscription', r, true));
    for (const w of d.writers) {
      if (!d.matches(w, r) || w.qos.durability !== 'transient_local') continue;
      for (const s of w.history) d.deliver(r, s);
    }
    return ok({
      topic,
      type,
      stats: () => ({ delivered: r.delivered, dropped: r.dropped }),
      matched: () => [...d.writers].filter((w) => d.matches(w, r)).length,
      close: () => {
        this.#remove(r, 'subscription');
      },
    });
  }

  advertise(topic: string, type: string, qos: Ros2Qos): Result<Ros2Publication> {
    const checked = this.#check(topic, type);
    if (!checked.ok) return checked;
    const d = this.#domain;
    const w: Writer = { topic, type, qos, history: [], participant: this.guid, guid: guid() };
    d.writers.add(w);
    this.#own.add(w);
    d.announce(this.#event('publication', w, true));
    return ok({
      topic,
      type,
      publish: (cdr: Uint8Array): Result<void> => {
        if (!d.writers.has(w)) return fail('INTERNAL_ERROR', `the publication on ${topic} is closed`);
        if (cdr.byteLength < 4)
          return fail('MALFORMED_MESSAGE', `not written to ${topic}: fewer than 4 bytes (no CDR header)`);
        const sample: Sample = { cdr: cdr.slice(), sourceTimeMs: this.#now() };
        if (w.qos.durability === 'transient_local') {
          w.history.push(sample);
          if (w.history.length > Math.max(1, w.qos.depth)) w.history.shift();
        }
        for (const r of d.readers) if (d.matches(w, r)) d.deliver(r, sample);
        return ok(undefined);
      },
      matched: () => [...d.readers].filter((r) => d.matches(w, r)).length,
      close: () => {
        this.#remove(w, 'publication');
      },
    });
  }

  declareNode(name: string, namespace: string): Result<void> {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name))
      return fail('INVALID_PARAMS', `"${name}" is not a ROS node name`);
    if (!namespace.startsWith('/')) return fail('INVALID_PARAMS', `"${namespace}" is not a ROS namespace`);
    return ok(undefined);
  }

  onEndpoint(listener: (event: EndpointEvent) => void): () => void {
    this.#listeners.add(listener);
    this.#domain.listeners.add(listener);
    for (const r of this.#domain.readers) listener(this.#event('subscription', r, true));
    for (const w of this.#domain.writers) listener(this.#event('publication', w, true));
    return () => {
      this.#listeners.delete(listener);
      this.#domain.listeners.delete(listener);
    };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const e of [...this.#own])
      this.#remove(e, 'topic' in e && 'onSample' in e ? 'subscription' : 'publication');
    for (const l of this.#listeners) this.#domain.listeners.delete(l);
    this.#listeners.clear();
  }

  #check(topic: string, type: string): Result<void> {
    if (this.#closed) return fail('INTERNAL_ERROR', 'the participant is closed');
    const t = rosTopicToDds(topic);
    if (!t.ok) return t;
    const ty = rosTypeToDds(type);
    return ty.ok ? ok(undefined) : ty;
  }

  #remove(e: Reader | Writer, kind: EndpointEvent['kind']): void {
    const d = this.#domain;
    const present = kind === 'subscription' ? d.readers.delete(e as Reader) : d.writers.delete(e as Writer);
    this.#own.delete(e);
    if (present) d.announce(this.#event(kind, e, false));
  }

  #event(kind: EndpointEvent['kind'], e: Reader | Writer, alive: boolean): EndpointEvent {
    return { kind, alive, topic: e.topic, type: e.type, participant: e.participant, endpoint: e.guid };
  }
}
