import {
  Type,
  type SchemaOptions,
  type Static,
  type TLiteral,
  type TProperties,
  type TUnion,
} from '@sinclair/typebox';
import { DURATION_PATTERN } from '../time.js';

/** Shared pieces of every CXP v1 message. Objects accept unknown fields (kept and ignored). */

export const CXP_VERSION = '1.0';
export const SUPPORTED_MAJORS = [1] as const;

/** A closed enum of string literals as a TypeBox union (the literal union stays in the static type). */
export function literalUnion<T extends string>(
  values: readonly T[],
  options?: string | SchemaOptions,
): TUnion<TLiteral<T>[]> {
  const opts = typeof options === 'string' ? { description: options } : (options ?? {});
  return Type.Union(
    values.map((v) => Type.Literal(v)),
    opts,
  );
}

export const Identifier = (description: string, maxLength = 256) =>
  Type.String({ minLength: 1, maxLength, description });

export const DateTime = (description: string) => Type.String({ format: 'date-time', description });

export const Confidence = Type.Number({
  minimum: 0,
  maximum: 1,
  description: 'How much the source trusts this value, 0 (none) to 1 (certain).',
});

export const JsonObject = (description: string) =>
  Type.Record(Type.String(), Type.Unknown(), { description });

export const Version = (description: string) =>
  Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description });

export const SECTIONS = ['task', 'memory', 'world', 'resources', 'decisions', 'policy', 'safety'] as const;
export type Section = (typeof SECTIONS)[number];

export const Source = Type.Object(
  {
    id: Identifier('Identity the sender declares (authorization never relies on it; see docs/protocol.md).'),
    kind: Identifier('What the sender is: gateway, agent, robot, device, operator, ...', 64),
  },
  { title: 'Source', description: 'Who sent the message.' },
);
export type Source = Static<typeof Source>;

export const Policy = Type.Object(
  {
    retention_ttl: Type.Optional(
      Type.String({
        pattern: DURATION_PATTERN,
        description:
          'How long receivers may keep the data: <int><unit>... with units ms, s, m, h, d (e.g. "2h").',
      }),
    ),
    purpose: Type.Optional(
      Type.Array(Identifier('A purpose the data may be used for.', 128), {
        maxItems: 64,
        description: 'Purposes the data may be expanded for; absent or empty means any purpose.',
      }),
    ),
    audience: Type.Optional(
      Type.Array(Identifier('A principal id, or role:<name>.', 128), {
        maxItems: 256,
        description: 'Principals allowed to expand the data; absent or empty means any principal.',
      }),
    ),
  },
  { title: 'Policy', description: 'Governance attached to context: retention, purpose limits, audience.' },
);
export type Policy = Static<typeof Policy>;

export const Integrity = Type.Object(
  {
    alg: Identifier('Hash or signature algorithm, e.g. sha256 or ed25519.', 32),
    hash: Type.String({
      minLength: 1,
      maxLength: 512,
      description: 'Digest of the canonical message (base64url).',
    }),
    sig: Type.Optional(
      Type.String({ minLength: 1, maxLength: 1024, description: 'Detached signature (base64url).' }),
    ),
    key_id: Type.Optional(Identifier('Which configured key signed the message.', 256)),
  },
  { title: 'Integrity' },
);

export const CxpErrorSchema = Type.Object(
  {
    code: Identifier('Stable error code from docs/errors.md.', 64),
    message: Type.String({ maxLength: 4096 }),
    retryable: Type.Boolean(),
    details: Type.Optional(JsonObject('Machine-readable details; the fields depend on the code.')),
  },
  { title: 'CxpError', description: 'A coded, structured error.' },
);
export type CxpErrorSchema = Static<typeof CxpErrorSchema>;

export const Provenance = Type.Object(
  {
    source: Identifier('The source that contributed the value.'),
    kind: Type.Optional(Identifier('Kind of source: ros2, mqtt, serial, printer, agent, ...', 64)),
    stamp: Type.Optional(DateTime('When the source observed or produced the value.')),
    confidence: Type.Optional(Confidence),
    principal: Type.Optional(Identifier('Authenticated principal that submitted it, when known.')),
    via: Type.Optional(
      Type.Array(Identifier('A hop (bridge, topic, port) the value travelled through.', 512), {
        maxItems: 32,
      }),
    ),
    expires_at: Type.Optional(DateTime('When the contribution expires under its retention TTL.')),
  },
  { title: 'Provenance', description: 'Where a value came from.' },
);
export type Provenance = Static<typeof Provenance>;

export const MESSAGE_TYPES = [
  'CONTEXT_PREVIEW',
  'CONTEXT_REQUEST',
  'CONTEXT_EXPAND',
  'CONTEXT_DIFF',
  'CONTEXT_ACK',
  'INTENT_PROPOSE',
  'ACTION_REQUEST',
  'ACTION_RESULT',
  'SAFETY_EVENT',
] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

const envelopeProperties = {
  cxp_version: Type.String({
    pattern: '^1\\.(0|[1-9][0-9]{0,3})$',
    description: 'Protocol version "<major>.<minor>"; this binding is major 1.',
  }),
  id: Type.Optional(Identifier('Unique, time-sortable message id (ULID when sent by the gateway).', 128)),
  ts: Type.Optional(DateTime('When the message was created, RFC 3339 UTC.')),
  source: Type.Optional(Source),
  target: Type.Optional(Identifier('Intended receiver (gateway, device or component id).')),
  correlation_id: Type.Optional(Identifier('The id of the message this one answers.', 128)),
  task_id: Type.Optional(Identifier('The task the message belongs to.')),
  mode: Type.Optional(Type.Union([Type.Literal('FULL'), Type.Literal('SPARSE')])),
  ttl_ms: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 2_147_483_647, description: 'Message validity after ts, in ms.' }),
  ),
  policy: Type.Optional(Policy),
  integrity: Type.Optional(Integrity),
};

/** Builds a message schema: the envelope plus the type's own top-level payload fields. */
export function messageSchema<T extends MessageType, P extends TProperties>(
  type: T,
  payload: P,
  description: string,
) {
  return Type.Object(
    { ...envelopeProperties, type: Type.Literal(type), ...payload },
    { title: type, description, additionalProperties: true },
  );
}

export const Envelope = Type.Object(
  { ...envelopeProperties, type: Type.String({ minLength: 1, maxLength: 64 }) },
  { title: 'Envelope', description: 'Fields every CXP message carries.' },
);
export type Envelope = Static<typeof Envelope>;
