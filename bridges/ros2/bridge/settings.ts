import { encodeTrusted, parseBytes } from '../../../src/cxp/codec.js';
import { fail, ok, type Result } from '../../../src/cxp/errors.js';
import type { ContributionInput } from '../../../src/context/contribution.js';
import { pick } from '../../mqtt/bridge/ingest.js';
import { DEFAULT_QOS, SENSOR_DATA_QOS, type Ros2Qos } from '../transport.js';
import type { QosConfig, Ros2BridgeConfig } from './config.js';
import type { RosMessageCodec } from './message-codec.js';

/** The ROS 2 bridge's pure parts: settings from config and environment, payload conversions. */

export type RouteEncoding = 'json' | 'msgpack' | 'cdr';

export function toRos2Qos(q: QosConfig): Ros2Qos {
  if (q === 'default') return { ...DEFAULT_QOS };
  if (q === 'sensor_data') return { ...SENSOR_DATA_QOS };
  const out: Ros2Qos = {
    reliability: q.reliability,
    durability: q.durability,
    history: q.history,
    depth: q.depth,
  };
  if (q.deadline_ms !== undefined) out.deadlineMs = q.deadline_ms;
  if (q.liveliness_lease_ms !== undefined) out.livelinessLeaseMs = q.liveliness_lease_ms;
  if (q.lifespan_ms !== undefined) out.lifespanMs = q.lifespan_ms;
  return out;
}

/** Domain and discovery range from config, else from the ROS 2 environment variables. */
export function networkSettings(
  config: Ros2BridgeConfig,
  env: NodeJS.ProcessEnv,
): { domainId: number; localhostOnly: boolean } {
  const fromEnv = Number(env.ROS_DOMAIN_ID);
  const domainId =
    config.domain_id ?? (Number.isInteger(fromEnv) && fromEnv >= 0 && fromEnv <= 232 ? fromEnv : 0);
  const localhostOnly =
    config.localhost_only ??
    (env.ROS_LOCALHOST_ONLY === '1' || env.ROS_AUTOMATIC_DISCOVERY_RANGE?.toUpperCase() === 'LOCALHOST');
  return { domainId, localhostOnly };
}

export const CONTENT_TYPE = {
  json: 'application/json',
  msgpack: 'application/msgpack',
  cdr: 'application/x-cdr',
} as const;

/** `header.stamp` of a decoded message in epoch ms, when it has a plausible one. */
export function headerStampMs(value: unknown): number | undefined {
  const stamp = pick(value, 'header.stamp');
  if (typeof stamp !== 'object' || stamp === null) return undefined;
  const { sec, nanosec } = stamp as { sec?: unknown; nanosec?: unknown };
  if (typeof sec !== 'number' || typeof nanosec !== 'number' || sec <= 0) return undefined;
  return sec * 1000 + nanosec / 1e6;
}

/** A sample of an `ingest` route as a context contribution: the message, or the route's field of it. */
export function toContribution(
  codec: RosMessageCodec,
  r: Ros2BridgeConfig['ingest'][number],
  cdr: Uint8Array,
): Result<ContributionInput> {
  const decoded = codec.decode(r.type, cdr);
  if (!decoded.ok) return decoded;
  const value = r.field === undefined ? decoded.value : pick(decoded.value, r.field);
  if (value === undefined) return fail('INVALID_PARAMS', `field "${r.field ?? ''}" is not in ${r.type}`);
  const input: ContributionInput = {
    ref: r.ref,
    source: `ros2:${r.topic}`,
    value,
    confidence: r.confidence,
    kind: 'ros2',
    via: [`ros2:${r.topic}`],
  };
  const stamp = headerStampMs(decoded.value);
  if (stamp !== undefined) input.stamp = stamp;
  if (r.retention !== undefined) input.policy = { retention_ttl: r.retention };
  return ok(input);
}

/**
 * ROS reliable pairs with MQTT QoS 1 or 2, best effort with QoS 0 (docs/ros2.md). A route that
 * mixes them works, with the weaker guarantee: what to say once when such a route opens.
 */
export function qosMismatch(reliability: Ros2Qos['reliability'], mqttQos: 0 | 1 | 2): string | undefined {
  if (reliability === 'reliable' && mqttQos === 0)
    return 'reliable ROS topic routed at MQTT QoS 0: the MQTT leg may lose messages';
  if (reliability === 'best_effort' && mqttQos > 0)
    return 'best-effort ROS topic routed at MQTT QoS >= 1: the ROS leg may lose messages';
  return undefined;
}

/** A ROS sample as an MQTT payload: raw CDR, or the JSON mapping as JSON or MessagePack. */
export function toMqttPayload(
  codec: RosMessageCodec | undefined,
  type: string,
  encoding: RouteEncoding,
  cdr: Uint8Array,
): Result<Uint8Array> {
  if (encoding === 'cdr') return ok(cdr);
  if (!codec) return fail('INTERNAL_ERROR', 'no message codec');
  // The mapping gives I-JSON (base64 bytes) for JSON, and keeps uint8 arrays as MessagePack bin.
  const decoded = codec.decode(type, cdr, encoding === 'msgpack' ? 'bytes' : 'base64');
  return decoded.ok ? ok(encodeTrusted(decoded.value, encoding)) : decoded;
}

/** An MQTT payload as CDR for a ROS topic; raw CDR only if it decodes as the route's type. */
export function fromMqttPayload(
  codec: RosMessageCodec | undefined,
  type: string,
  encoding: RouteEncoding,
  payload: Uint8Array,
  maxBytes: number,
): Result<Uint8Array> {
  if (!codec) return fail('INTERNAL_ERROR', 'no message codec');
  if (encoding === 'cdr') {
    // Garbage never reaches ROS.
    const checked = codec.decode(type, payload);
    return checked.ok ? ok(payload) : checked;
  }
  const parsed = parseBytes(payload, encoding, { maxBytes });
  if (!parsed.ok) return parsed;
  return codec.encode(type, parsed.value);
}
