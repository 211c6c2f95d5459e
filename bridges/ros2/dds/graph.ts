import { fail, ok, type Result } from '../../../src/cxp/errors.js';
import { MessageRegistry } from '../msgs/registry.js';
import { RosCodec } from '../msgs/codec.js';
import { PRE_IRON_DISTROS } from '../msgs/builtin/humble.js';
import type { DdsBinding } from './binding.js';

/**
 * The ROS 2 graph on DDS: rmw implementations announce which nodes live in a participant, and which
 * of its readers and writers belong to each node, on the DDS topic `ros_discovery_info`
 * (rmw_dds_common/msg/ParticipantEntitiesInfo, reliable, transient local, keep last 1). Without it
 * `ros2 node list` does not show the gateway, even though its topics work.
 */

export const GRAPH_TOPIC = 'ros_discovery_info';
export const GRAPH_TYPE = 'rmw_dds_common::msg::dds_::ParticipantEntitiesInfo_';
const GRAPH_ROS_TYPE = 'rmw_dds_common/msg/ParticipantEntitiesInfo';

const NODE_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const NAMESPACE = /^\/(?:[A-Za-z][A-Za-z0-9_]*(?:\/[A-Za-z][A-Za-z0-9_]*)*)?$/;

/** A GUID (32 hex digits) as an rmw Gid: 16 bytes (Iron and later) or 24 zero-padded (Humble). */
export function gidOf(guidHex: string, size: 16 | 24): { data: number[] } {
  const bytes = Array.from(Buffer.from(guidHex, 'hex'));
  while (bytes.length < size) bytes.push(0);
  return { data: bytes.slice(0, size) };
}

export class GraphAnnouncer {
  readonly #b: DdsBinding;
  readonly #participant: number;
  readonly #participantGuid: string;
  readonly #codec: RosCodec;
  readonly #gidSize: 16 | 24;
  readonly #readers = new Set<string>();
  readonly #writers = new Set<string>();
  #node: { name: string; namespace: string } | undefined;
  #writer: number | undefined;

  constructor(binding: DdsBinding, participant: number, participantGuid: string, distro: string | undefined) {
    this.#b = binding;
    this.#participant = participant;
    this.#participantGuid = participantGuid;
    this.#codec = new RosCodec(MessageRegistry.build([], distro === undefined ? {} : { distro }).registry);
    // The built-in rmw_dds_common/Gid follows the distro the same way (msgs/builtin/humble.ts).
    this.#gidSize = distro !== undefined && PRE_IRON_DISTROS.has(distro.toLowerCase()) ? 24 : 16;
  }

  declare(name: string, namespace: string): Result<void> {
    if (!NODE_NAME.test(name)) return fail('INVALID_PARAMS', `"${name}" is not a ROS node name`);
    if (!NAMESPACE.test(namespace)) return fail('INVALID_PARAMS', `"${namespace}" is not a ROS namespace`);
    try {
      if (this.#writer === undefined) {
        const topic = this.#b.createTopic(this.#participant, GRAPH_TOPIC, GRAPH_TYPE);
        this.#writer = this.#b.createWriter(this.#participant, topic, {
          reliability: 'reliable',
          durability: 'transient_local',
          history: 'keep_last',
          depth: 1,
        });
      }
    } catch (err) {
      return fail(
        'INTERNAL_ERROR',
        `could not announce the ROS node: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    this.#node = { name, namespace };
    return this.#announce();
  }

  added(kind: 'reader' | 'writer', guid: string): void {
    (kind === 'reader' ? this.#readers : this.#writers).add(guid);
    void this.#announce();
  }

  removed(kind: 'reader' | 'writer', guid: string): void {
    (kind === 'reader' ? this.#readers : this.#writers).delete(guid);
    void this.#announce();
  }

  /** The message as it is announced now (for tests and logs). */
  info(): unknown {
    const gid = (g: string) => gidOf(g, this.#gidSize);
    return {
      gid: gid(this.#participantGuid),
      node_entities_info_seq: this.#node
        ? [
            {
              node_namespace: this.#node.namespace,
              node_name: this.#node.name,
              reader_gid_seq: [...this.#readers].map(gid),
              writer_gid_seq: [...this.#writers].map(gid),
            },
          ]
        : [],
    };
  }

  #announce(): Result<void> {
    if (this.#writer === undefined || this.#node === undefined) return ok(undefined);
    const cdr = this.#codec.encode(GRAPH_ROS_TYPE, this.info());
    if (!cdr.ok) return cdr;
    try {
      this.#b.write(this.#writer, cdr.value);
      return ok(undefined);
    } catch (err) {
      return fail(
        'INTERNAL_ERROR',
        `ros_discovery_info not written: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
}
