import { createRequire } from 'node:module';
import { fail, ok, type Result } from '../../../src/cxp/errors.js';
import { rosTopicToDds, rosTypeToDds } from '../msgs/naming.js';
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

/**
 * The `rclnodejs` backend: the real rcl/rmw stack of a sourced ROS 2 install (all QoS, security,
 * whatever RMW the robot uses). rclnodejs is an optional dependency that only builds and loads
 * where ROS 2 is sourced, so it is loaded lazily, here, and only when ROS_DISTRO is set.
 *
 * UNTESTED in this repository's CI: Debian 12 has no rcl/rmw, so rclnodejs cannot be installed.
 * Its contract run (bridges/ros2/rclnodejs/transport.test.ts) is gated by ROS_DISTRO. Samples are
 * raw CDR in both directions (`isRaw` subscriptions, Buffer publishes), like the dds backend.
 */

/** The part of rclnodejs this backend uses (typed here: the package is not installed everywhere). */
interface Rcl {
  init(): Promise<void>;
  createNode(name: string, namespace?: string): RclNode;
  spin(node: RclNode): void;
  QoS: new (history: number, depth: number, reliability: number, durability: number) => unknown;
}
interface RclNode {
  createSubscription(
    type: string,
    topic: string,
    options: { isRaw: boolean; qos: unknown },
    callback: (message: Buffer) => void,
  ): { topic: string };
  createPublisher(
    type: string,
    topic: string,
    options: { qos: unknown },
  ): { publish(message: Buffer): void; subscriptionCount?: number };
  destroySubscription(sub: unknown): void;
  destroyPublisher(pub: unknown): void;
  countPublishers(topic: string): number;
  countSubscribers(topic: string): number;
  destroy(): void;
}

// rmw enum values (rmw/types.h): history keep_last 1 / keep_all 2; reliability reliable 1 /
// best_effort 2; durability transient_local 1 / volatile 2.
function rclQos(rcl: Rcl, q: Ros2Qos): unknown {
  return new rcl.QoS(
    q.history === 'keep_all' ? 2 : 1,
    q.depth,
    q.reliability === 'reliable' ? 1 : 2,
    q.durability === 'transient_local' ? 1 : 2,
  );
}

export class RclnodejsTransport implements Ros2Transport {
  readonly name = 'rclnodejs' as const;
  readonly #rcl: Rcl;

  private constructor(rcl: Rcl) {
    this.#rcl = rcl;
  }

  /** The backend when ROS 2 is sourced and rclnodejs loads; else why not. */
  static async load(env: NodeJS.ProcessEnv = process.env): Promise<Result<RclnodejsTransport>> {
    if (!env.ROS_DISTRO)
      return fail('INTERNAL_ERROR', 'rclnodejs needs a sourced ROS 2 (ROS_DISTRO is not set)');
    try {
      const rcl = createRequire(import.meta.url)('rclnodejs') as Rcl;
      await rcl.init();
      return ok(new RclnodejsTransport(rcl));
    } catch (err) {
      return fail(
        'INTERNAL_ERROR',
        `rclnodejs does not load: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  open(options: OpenOptions): Result<Ros2Participant> {
    // rcl takes the domain and discovery range from the environment (ROS_DOMAIN_ID, ...): a
    // different one than the environment's cannot be honoured here.
    const envDomain = Number(process.env.ROS_DOMAIN_ID ?? 0);
    if (options.domainId !== envDomain)
      return fail(
        'INVALID_PARAMS',
        `rclnodejs joins ROS_DOMAIN_ID=${envDomain}; domain ${options.domainId} was asked`,
      );
    return ok(new RclParticipant(this.#rcl, options.domainId));
  }
}

class RclParticipant implements Ros2Participant {
  readonly domainId: number;
  readonly guid = '';
  readonly #rcl: Rcl;
  #node: RclNode | undefined;
  #name = 'cxp_edge';
  #namespace = '/';
  #closed = false;

  constructor(rcl: Rcl, domainId: number) {
    this.#rcl = rcl;
    this.domainId = domainId;
  }

  /** rcl nodes are named at creation: declare before the first endpoint to choose the name. */
  declareNode(name: string, namespace: string): Result<void> {
    if (this.#node)
      return name === this.#name && namespace === this.#namespace
        ? ok(undefined)
        : fail('INVALID_PARAMS', 'the node exists already');
    this.#name = name;
    this.#namespace = namespace;
    return this.#ensureNode().ok ? ok(undefined) : fail('INTERNAL_ERROR', 'could not create the ROS node');
  }

  #ensureNode(): Result<RclNode> {
    if (this.#closed) return fail('INTERNAL_ERROR', 'the participant is closed');
    if (!this.#node) {
      try {
        this.#node = this.#rcl.createNode(this.#name, this.#namespace);
        this.#rcl.spin(this.#node);
      } catch (err) {
        return fail('INTERNAL_ERROR', `rclnodejs node: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return ok(this.#node);
  }

  subscribe(
    topic: string,
    type: string,
    qos: Ros2Qos,
    onSample: (sample: Sample) => void,
    _options: SubscribeOptions = {},
  ): Result<Ros2Subscription> {
    const names = checkNames(topic, type);
    if (!names.ok) return names;
    const node = this.#ensureNode();
    if (!node.ok) return node;
    let delivered = 0;
    try {
      const sub = node.value.createSubscription(
        type,
        topic,
        { isRaw: true, qos: rclQos(this.#rcl, qos) },
        (message) => {
          delivered += 1;
          onSample({ cdr: message, sourceTimeMs: Date.now() });
        },
      );
      let open = true;
      return ok({
        topic,
        type,
        stats: () => ({ delivered, dropped: 0 }),
        matched: () => (open ? node.value.countPublishers(topic) : 0),
        close: () => {
          if (!open) return;
          open = false;
          node.value.destroySubscription(sub);
        },
      });
    } catch (err) {
      return fail(
        'INTERNAL_ERROR',
        `rclnodejs subscription on ${topic}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  advertise(topic: string, type: string, qos: Ros2Qos): Result<Ros2Publication> {
    const names = checkNames(topic, type);
    if (!names.ok) return names;
    const node = this.#ensureNode();
    if (!node.ok) return node;
    try {
      const pub = node.value.createPublisher(type, topic, { qos: rclQos(this.#rcl, qos) });
      let open = true;
      return ok({
        topic,
        type,
        publish: (cdr: Uint8Array): Result<void> => {
          if (!open) return fail('INTERNAL_ERROR', `the publication on ${topic} is closed`);
          if (cdr.byteLength < 4) return fail('MALFORMED_MESSAGE', `not written to ${topic}: no CDR header`);
          pub.publish(Buffer.from(cdr.buffer, cdr.byteOffset, cdr.byteLength));
          return ok(undefined);
        },
        matched: () => (open ? node.value.countSubscribers(topic) : 0),
        close: () => {
          if (!open) return;
          open = false;
          node.value.destroyPublisher(pub);
        },
      });
    } catch (err) {
      return fail(
        'INTERNAL_ERROR',
        `rclnodejs publisher on ${topic}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  /** Not reported by this backend yet (rcl offers graph queries, not endpoint events). */
  onEndpoint(_listener: (event: EndpointEvent) => void): () => void {
    return () => undefined;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#node?.destroy();
    this.#node = undefined;
  }
}

function checkNames(topic: string, type: string): Result<void> {
  const t = rosTopicToDds(topic);
  if (!t.ok) return t;
  const ty = rosTypeToDds(type);
  return ty.ok ? ok(undefined) : ty;
}
