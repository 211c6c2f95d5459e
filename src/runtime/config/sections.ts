import { Type, type Static } from '@sinclair/typebox';
import { literalUnion } from '../../cxp/schema/common.js';
import { DURATION_PATTERN } from '../../cxp/time.js';
import { LOG_LEVELS } from '../log.js';

/** Config sections of the gateway core. Every object rejects unknown keys; defaults live here. */

const closed = { additionalProperties: false } as const;
const Port = (def: number, description: string) =>
  Type.Integer({ minimum: 0, maximum: 65_535, default: def, description });
const Host = (def: string) => Type.String({ minLength: 1, default: def, description: 'Listen address.' });
const Secret = {
  password_file: Type.Optional(
    Type.String({ minLength: 1, description: 'File holding the password (first line).' }),
  ),
  password_env: Type.Optional(
    Type.String({ minLength: 1, description: 'Environment variable holding the password.' }),
  ),
};

export const GatewaySection = Type.Object(
  {
    id: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9_.-]{1,64}$',
        description: 'Gateway id, used in topics (cxp/v1/<id>/...). Default: the host name.',
      }),
    ),
    state_dir: Type.String({
      minLength: 1,
      default: './state',
      description: 'Where store-and-forward queues and latched state live (systemd: /var/lib/cxp-edge).',
    }),
    shutdown_timeout_ms: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000 }),
  },
  { ...closed, default: {} },
);

export const LogSection = Type.Object(
  { level: literalUnion(LOG_LEVELS, { default: 'info', description: 'Minimum level written to stdout.' }) },
  { ...closed, default: {} },
);

export const HttpSection = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    host: Host('127.0.0.1'),
    port: Port(9464, 'Port of /healthz, /readyz and /metrics.'),
  },
  { ...closed, default: {} },
);

export const MqttSection = Type.Object(
  {
    url: Type.Optional(
      Type.String({
        pattern: '^(mqtts?|wss?)://',
        description: 'Broker URL. Default: the embedded broker (mqtt://<broker.host>:<broker.port>).',
      }),
    ),
    client_id: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: 'Default: cxp-edge-<gateway id>.' }),
    ),
    username: Type.Optional(Type.String({ minLength: 1 })),
    ...Secret,
    ca_file: Type.Optional(Type.String({ minLength: 1 })),
    cert_file: Type.Optional(Type.String({ minLength: 1, description: 'Client certificate (mutual TLS).' })),
    key_file: Type.Optional(Type.String({ minLength: 1 })),
    protocol: Type.Union([Type.Literal('auto'), Type.Literal('3.1.1'), Type.Literal('5')], {
      default: 'auto',
      description: 'auto: MQTT 5 when the broker accepts it, else 3.1.1.',
    }),
    keepalive_s: Type.Integer({ minimum: 5, maximum: 3600, default: 30 }),
    connect_timeout_ms: Type.Integer({ minimum: 500, maximum: 120_000, default: 10_000 }),
    reconnect: Type.Object(
      {
        initial_ms: Type.Integer({ minimum: 10, default: 500 }),
        max_ms: Type.Integer({ minimum: 100, default: 30_000 }),
        jitter: Type.Number({ minimum: 0, maximum: 1, default: 0.2 }),
      },
      { ...closed, default: {} },
    ),
    inflight: Type.Integer({
      minimum: 1,
      maximum: 65_535,
      default: 64,
      description: 'QoS 1/2 messages in flight.',
    }),
    store_forward: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        max_bytes: Type.Integer({ minimum: 65_536, default: 64 * 1024 * 1024 }),
        max_age_s: Type.Integer({ minimum: 1, default: 86_400 }),
      },
      { ...closed, default: {} },
    ),
  },
  { ...closed, default: {} },
);

export const CxpSection = Type.Object(
  {
    topic_prefix: Type.String({ pattern: '^[^#+]+$', default: 'cxp/v1' }),
    encoding: literalUnion(['json', 'msgpack'] as const, {
      default: 'json',
      description: 'Encoding of messages the gateway starts (replies follow the request).',
    }),
    max_message_bytes: Type.Integer({ minimum: 1024, maximum: 16 * 1024 * 1024, default: 1024 * 1024 }),
    preview_interval_s: Type.Integer({
      minimum: 1,
      default: 30,
      description: 'Retained PREVIEW refreshed at least this often.',
    }),
    preview_min_interval_ms: Type.Integer({
      minimum: 0,
      default: 250,
      description: 'At most one PREVIEW per this interval on change.',
    }),
    telemetry_interval_s: Type.Integer({ minimum: 1, default: 60 }),
    diff_qos: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)], { default: 0 }),
    request_queue: Type.Integer({
      minimum: 1,
      default: 1000,
      description: 'Requests waiting to be answered; beyond: dropped.',
    }),
  },
  { ...closed, default: {} },
);

export const ContextSection = Type.Object(
  {
    max_refs: Type.Integer({ minimum: 1, default: 100_000 }),
    max_contributions_per_ref: Type.Integer({ minimum: 1, default: 64 }),
    history_ops: Type.Integer({ minimum: 1, default: 10_000 }),
    expire_interval_ms: Type.Integer({ minimum: 10, default: 1000 }),
    default_retention: Type.Record(Type.String(), Type.String({ pattern: DURATION_PATTERN }), {
      default: {},
    }),
  },
  { ...closed, default: {} },
);

export type GatewaySection = Static<typeof GatewaySection>;
export type HttpSection = Static<typeof HttpSection>;
export type MqttSection = Static<typeof MqttSection>;
export type CxpSection = Static<typeof CxpSection>;
export type ContextSection = Static<typeof ContextSection>;
