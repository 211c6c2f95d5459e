import { CxpError, fail, ok, type Result } from '../../../src/cxp/errors.js';
import type {
  EndpointEvent,
  OpenOptions,
  Ros2Participant,
  Ros2Publication,
  Ros2Qos,
  Ros2Subscription,
  Ros2Transport,
  Sample,
  SubscribeOptions,
} from '../transport.js';
import { loadDdsBinding, type DdsBinding } from './binding.js';
import { GraphAnnouncer } from './graph.js';
import { ddsTopicToRos, ddsTypeToRos, rosTopicToDds, rosTypeToDds } from '../msgs/naming.js';

/**
 * Cyclone DDS configuration that keeps a domain on this host: loopback only, with multicast forced
 * on `lo` (it has no MULTICAST flag but Linux delivers it) and 127.0.0.1 as a unicast peer.
 */
export const LOCALHOST_CONFIG =
  '<CycloneDDS><Domain id="any"><General><Interfaces><NetworkInterface name="lo" multicast="true"/>' +
  '</Interfaces><AllowMulticast>true</AllowMulticast></General><Discovery><Peers>' +
  '<Peer address="127.0.0.1"/></Peers></Discovery></Domain></CycloneDDS>';

const DEFAULT_MAX_QUEUED = 1024;

function ddsFailure(what: string, err: unknown): CxpError {
  const message = err instanceof Error ? err.message : String(err);
  return new CxpError('INTERNAL_ERROR', `DDS ${what} failed: ${message}`, {
    details: { dds: message },
    retryable: false,
  });
}

/**
 * The `dds` backend: the gateway's Cyclone DDS addon, no ROS 2 install needed. Honours
 * CYCLONEDDS_URI (Cyclone reads it itself); `localhostOnly` installs LOCALHOST_CONFIG for the domain
 * unless CYCLONEDDS_URI is set, which then wins.
 */
export class DdsTransport implements Ros2Transport {
  readonly name = 'dds' as const;
  readonly #binding: DdsBinding;
  readonly #env: NodeJS.ProcessEnv;
  /** Domains this process configured explicitly (a domain can be created once per process). */
  static readonly #configured = new Set<number>();

  constructor(binding: DdsBinding, env: NodeJS.ProcessEnv = process.env) {
    this.#binding = binding;
    this.#env = env;
  }

  /** The transport, or why it is not available (addon missing or not loadable). */
  static load(env: NodeJS.ProcessEnv = process.env): Result<DdsTransport> {
    const loaded = loadDdsBinding(env);
    if (!loaded.ok)
      return fail('INTERNAL_ERROR', loaded.reason, { details: { backend: 'dds' }, retryable: false });
    return ok(new DdsTransport(loaded.binding, env));
  }

  get version(): string {
    return this.#binding.version();
  }

  open(options: OpenOptions): Result<Ros2Participant> {
    const b = this.#binding;
    const { domainId } = options;
    if (!Number.isInteger(domainId) || domainId < 0 || domainId > 232)
      return fail('INVALID_PARAMS', `domain id ${String(domainId)} is not an integer from 0 to 232`);
    try {
      if (options.localhostOnly && !this.#env.CYCLONEDDS_URI && !DdsTransport.#configured.has(domainId)) {
        b.createDomain(domainId, LOCALHOST_CONFIG);
        DdsTransport.#configured.add(domainId);
      }
      const participant = b.createParticipant(domainId);
      return ok(new DdsParticipant(b, domainId, participant, this.#env.ROS_DISTRO));
    } catch (err) {
      return { ok: false, error: ddsFailure('participant', err) };
    }
  }
}

class DdsParticipant implements Ros2Participant {
  readonly domainId: number;
  readonly guid: string;
  readonly #b: DdsBinding;
  readonly #handle: number;
  readonly #topics = new Map<string, number>();
  readonly #listeners = new Set<(e: EndpointEvent) => void>();
  readonly #known = new Map<string, EndpointEvent>();
  readonly #graph: GraphAnnouncer;
  #watching = false;
  #closed = false;

  constructor(binding: DdsBinding, domainId: number, handle: number, distro: string | undefined) {
    this.#b = binding;
    this.domainId = domainId;
    this.#handle = handle;
    this.guid = binding.guid(handle);
    this.#graph = new GraphAnnouncer(binding, handle, this.guid, distro);
  }

  /** The DDS entity handle (for raw DDS topics beside the ROS ones, e.g. in tests). */
  get handle(): number {
    return this.#handle;
  }

  declareNode(name: string, namespace: string): Result<void> {
    if (this.#closed) return fail('INTERNAL_ERROR', 'the participant is closed');
    return this.#graph.declare(name, namespace);
  }

  #topic(topic: string, type: string): Result<number> {
    const wireTopic = rosTopicToDds(topic);
    if (!wireTopic.ok) return wireTopic;
    const wireType = rosTypeToDds(type);
    if (!wireType.ok) return wireType;
    const key = `${wireTopic.value}\u0000${wireType.value}`;
    const known = this.#topics.get(key);
    if (known !== undefined) return ok(known);
    try {
      const handle = this.#b.createTopic(this.#handle, wireTopic.value, wireType.value);
      this.#topics.set(key, handle);
      return ok(handle);
    } catch (err) {
      return { ok: false, error: ddsFailure(`topic ${topic}`, err) };
    }
  }

  subscribe(
    topic: string,
    type: string,
    qos: Ros2Qos,
    onSample: (sample: Sample) => void,
    options: SubscribeOptions = {},
  ): Result<Ros2Subscription> {
    if (this.#closed) return fail('INTERNAL_ERROR', 'the participant is closed');
    const t = this.#topic(topic, type);
    if (!t.ok) return t;
    const b = this.#b;
    try {
      const reader = b.createReader(
        this.#handle,
        t.value,
        qos,
        (bytes, meta) => {
          for (let i = 0; i < meta.length; i += 3) {
            const offset = meta[i] ?? 0;
            onSample({
              cdr: bytes.subarray(offset, offset + (meta[i + 1] ?? 0)),
              sourceTimeMs: meta[i + 2] ?? 0,
            });
          }
        },
        options.maxQueued ?? DEFAULT_MAX_QUEUED,
      );
      const gid = b.guid(reader);
      this.#graph.added('reader', gid);
      let open = true;
      return ok({
        topic,
        type,
        stats: () => (open ? b.readerStats(reader) : { delivered: 0, dropped: 0 }),
        matched: () => (open ? b.matched(reader) : 0),
        close: () => {
          if (!open) return;
          open = false;
          b.deleteEntity(reader);
          this.#graph.removed('reader', gid);
        },
      });
    } catch (err) {
      return { ok: false, error: ddsFailure(`reader on ${topic}`, err) };
    }
  }

  advertise(topic: string, type: string, qos: Ros2Qos): Result<Ros2Publication> {
    if (this.#closed) return fail('INTERNAL_ERROR', 'the participant is closed');
    const t = this.#topic(topic, type);
    if (!t.ok) return t;
    const b = this.#b;
    try {
      const writer = b.createWriter(this.#handle, t.value, qos);
      const gid = b.guid(writer);
      this.#graph.added('writer', gid);
      let open = true;
      return ok({
        topic,
        type,
        publish: (cdr: Uint8Array): Result<void> => {
          if (!open) return fail('INTERNAL_ERROR', `the publication on ${topic} is closed`);
          try {
            b.write(writer, cdr);
            return ok(undefined);
          } catch (err) {
            const message = err instanceof Error ? err.message : String(err);
            return fail('MALFORMED_MESSAGE', `not written to ${topic}: ${message}`);
          }
        },
        matched: () => (open ? b.matched(writer) : 0),
        close: () => {
          if (!open) return;
          open = false;
          b.deleteEntity(writer);
          this.#graph.removed('writer', gid);
        },
      });
    } catch (err) {
      return { ok: false, error: ddsFailure(`writer on ${topic}`, err) };
    }
  }

  onEndpoint(listener: (event: EndpointEvent) => void): () => void {
    this.#listeners.add(listener);
    for (const e of this.#known.values()) listener(e);
    if (!this.#watching && !this.#closed) {
      this.#watching = true;
      this.#b.watchEndpoints(
        this.#handle,
        (raw) => {
          // A disposal carries only the endpoint GUID: report it with what was known of it.
          const before = this.#known.get(raw.endpoint);
          const event: EndpointEvent = raw.alive
            ? {
                ...raw,
                topic: orWire(ddsTopicToRos(raw.topic), raw.topic),
                type: orWire(ddsTypeToRos(raw.type), raw.type),
              }
            : { ...(before ?? raw), alive: false };
          if (event.alive) this.#known.set(raw.endpoint, event);
          else if (before) this.#known.delete(raw.endpoint);
          else return; // never seen alive: nothing to report
          for (const l of this.#listeners) l(event);
        },
        DEFAULT_MAX_QUEUED,
      );
    }
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    this.#b.deleteEntity(this.#handle);
  }
}

/** The ROS name when the wire name maps to one, else the wire name itself. */
function orWire(mapped: Result<string>, wire: string): string {
  return mapped.ok ? mapped.value : wire;
}
