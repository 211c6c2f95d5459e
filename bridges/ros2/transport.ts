import type { Result } from '../../src/cxp/errors.js';

/**
 * How the gateway talks to a ROS 2 network, whatever carries it: the `dds` backend (Cyclone DDS
 * through the gateway's own addon, no ROS 2 install needed), `rclnodejs` where ROS 2 is sourced, and
 * an in-memory fake for unit tests. Samples are serialized CDR (with the 4-byte encapsulation header)
 * in both directions; encoding and decoding belong to the message layer (bridges/ros2/msgs), so every
 * backend passes bytes through unchanged. Names are ROS names: topic `/chatter`, type
 * `std_msgs/msg/String`; a backend maps them to its wire names (DDS: `rt/chatter`,
 * `std_msgs::msg::dds_::String_`).
 */

export type Reliability = 'reliable' | 'best_effort';
export type Durability = 'volatile' | 'transient_local';
export type History = 'keep_last' | 'keep_all';

export interface Ros2Qos {
  reliability: Reliability;
  durability: Durability;
  history: History;
  /** Samples kept per writer or reader under keep_last. */
  depth: number;
  deadlineMs?: number;
  livelinessLeaseMs?: number;
  lifespanMs?: number;
}

/** rclcpp's default for topics: reliable, volatile, keep last 10. */
export const DEFAULT_QOS: Readonly<Ros2Qos> = Object.freeze({
  reliability: 'reliable',
  durability: 'volatile',
  history: 'keep_last',
  depth: 10,
});

/** rclcpp's sensor data profile: best effort, volatile, keep last 5. */
export const SENSOR_DATA_QOS: Readonly<Ros2Qos> = Object.freeze({
  reliability: 'best_effort',
  durability: 'volatile',
  history: 'keep_last',
  depth: 5,
});

/**
 * Whether a writer with `offered` QoS can feed a reader asking for `requested` (the DDS
 * request/offered rules ROS 2 inherits): a best-effort writer cannot serve a reliable reader, a
 * volatile writer cannot serve a transient-local reader.
 */
export function qosCompatible(offered: Ros2Qos, requested: Ros2Qos): boolean {
  if (requested.reliability === 'reliable' && offered.reliability === 'best_effort') return false;
  if (requested.durability === 'transient_local' && offered.durability === 'volatile') return false;
  return true;
}

export interface Sample {
  /** CDR with its encapsulation header, exactly as the writer sent it. */
  cdr: Uint8Array;
  /** The writer's source timestamp, ms since the epoch (fractional). */
  sourceTimeMs: number;
}

export interface SubscribeOptions {
  /**
   * Samples waiting for JavaScript at most; beyond, new samples are dropped and counted (the
   * transport's thread never blocks on the gateway). Default 1024.
   */
  maxQueued?: number;
}

export interface EndpointStats {
  /** Samples handed to the callback (subscriptions) or written (publications). */
  delivered: number;
  /** Samples dropped because the queue to JavaScript was full. */
  dropped: number;
}

export interface Ros2Subscription {
  readonly topic: string;
  readonly type: string;
  stats(): EndpointStats;
  /** Writers currently matched. */
  matched(): number;
  close(): void;
}

export interface Ros2Publication {
  readonly topic: string;
  readonly type: string;
  /** Sends CDR bytes unchanged; a coded error when the transport refuses them. */
  publish(cdr: Uint8Array): Result<void>;
  /** Readers currently matched. */
  matched(): number;
  close(): void;
}

/** A writer or reader seen on the network (the participant's own included). */
export interface EndpointEvent {
  kind: 'publication' | 'subscription';
  /** False when it went away. */
  alive: boolean;
  /** ROS topic name when the wire name maps to one, else the wire name. */
  topic: string;
  /** ROS type name when the wire name maps to one, else the wire name. */
  type: string;
  /** 32 hex digits. */
  participant: string;
  endpoint: string;
}

export interface Ros2Participant {
  readonly domainId: number;
  /** The participant's GUID, 32 hex digits. */
  readonly guid: string;
  subscribe(
    topic: string,
    type: string,
    qos: Ros2Qos,
    onSample: (sample: Sample) => void,
    options?: SubscribeOptions,
  ): Result<Ros2Subscription>;
  advertise(topic: string, type: string, qos: Ros2Qos): Result<Ros2Publication>;
  /**
   * Makes this participant a ROS node in the graph (`ros2 node list` shows it) with the
   * subscriptions and publications made through it, kept up to date as they come and go.
   */
  declareNode(name: string, namespace: string): Result<void>;
  /** Calls `listener` for every endpoint seen from now on (and those already known). */
  onEndpoint(listener: (event: EndpointEvent) => void): () => void;
  /** Deletes every endpoint of this participant. Idempotent. */
  close(): void;
}

export interface OpenOptions {
  domainId: number;
  /** Keep discovery and traffic on this host (ROS_LOCALHOST_ONLY / ROS_AUTOMATIC_DISCOVERY_RANGE). */
  localhostOnly: boolean;
}

export interface Ros2Transport {
  readonly name: 'dds' | 'rclnodejs' | 'fake';
  open(options: OpenOptions): Result<Ros2Participant>;
}
