import { Type, type Static } from '@sinclair/typebox';
import { literalUnion } from '../../../src/cxp/schema/common.js';
import { DURATION_PATTERN } from '../../../src/cxp/time.js';
import { refProblem, RefSelector } from '../../../src/context/refs.js';
import { isValidTopicFilter, isValidTopicName } from '../broker/acl.js';

/**
 * Config of one MQTT bridge instance (`bridges: [{kind: mqtt, ...}]`): ingest rules turn field topics
 * into context, export rules turn context into topics.
 */

const closed = { additionalProperties: false } as const;

export const IngestRule = Type.Object(
  {
    filter: Type.String({
      minLength: 1,
      maxLength: 512,
      description: 'MQTT topic filter; each + and a trailing # capture segments for the ref template.',
    }),
    ref: Type.String({
      minLength: 3,
      maxLength: 512,
      description:
        'Context ref template: {1}, {2}... are the + captures in order, {#} the # remainder, {topic} the whole topic with / kept.',
    }),
    field: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'Dotted path of the value in the payload; absent: the whole payload.',
      }),
    ),
    stamp_field: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'Dotted path of the source stamp (RFC 3339 or epoch ms).',
      }),
    ),
    encoding: literalUnion(['auto', 'json', 'msgpack', 'text'] as const, {
      default: 'auto',
      description: 'auto: JSON when the payload parses as JSON, else text.',
    }),
    unit: Type.Optional(
      Type.String({ minLength: 1, maxLength: 32, description: 'Stored as {value, unit}.' }),
    ),
    confidence: Type.Number({ minimum: 0, maximum: 1, default: 1 }),
    retention: Type.Optional(
      Type.String({ pattern: DURATION_PATTERN, description: 'Retention TTL of the contribution.' }),
    ),
    source: Type.Optional(
      Type.String({ minLength: 1, maxLength: 256, description: 'Contributor id; default mqtt:<topic>.' }),
    ),
  },
  closed,
);
export type IngestRule = Static<typeof IngestRule>;

export const ExportRule = Type.Object(
  {
    ref: Type.String({
      minLength: 1,
      maxLength: 512,
      description: 'A ref or selector (*, **) of the context to export.',
    }),
    topic: Type.String({
      minLength: 1,
      maxLength: 512,
      pattern: '^[^#+]+$',
      description:
        'Topic template: {ref} is the ref, {name} its last segment, {path} the ref without its section.',
    }),
    qos: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)], { default: 0 }),
    retain: Type.Boolean({ default: false }),
    encoding: literalUnion(['json', 'msgpack'] as const, { default: 'json' }),
    payload: literalUnion(['value', 'slice'] as const, {
      default: 'value',
      description: 'value: the resolved value; slice: value with stamp, confidence and provenance.',
    }),
    max_rate_hz: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, maximum: 10_000, description: 'Per ref.' }),
    ),
  },
  closed,
);
export type ExportRule = Static<typeof ExportRule>;

export const MqttBridgeConfig = Type.Object(
  {
    kind: Type.Literal('mqtt'),
    id: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
    ingest: Type.Array(IngestRule, { default: [], maxItems: 1000 }),
    export: Type.Array(ExportRule, { default: [], maxItems: 1000 }),
    queue: Type.Object(
      {
        capacity: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10_000 }),
        policy: literalUnion(['block', 'drop-oldest', 'drop-newest'] as const, {
          default: 'block',
          description:
            'block: a full queue pauses reading from the broker (TCP backpressure; nothing dropped here, the broker queues or drops by its own limits). drop-oldest / drop-newest: keep reading and discard, counted in cxp_edge_messages_dropped_total{reason="queue_full"}.',
        }),
      },
      { ...closed, default: {} },
    ),
  },
  closed,
);
export type MqttBridgeConfig = Static<typeof MqttBridgeConfig>;

/** Checks the schema cannot express: valid MQTT filters and topics, refs in a known section. */
export function checkBridgeConfig(config: MqttBridgeConfig): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  config.ingest.forEach((rule, i) => {
    if (!isValidTopicFilter(rule.filter))
      problems.push({ path: `/ingest/${i}/filter`, message: `"${rule.filter}" is not an MQTT topic filter` });
    const sample = rule.ref.replace(/\{(\d+|#|topic)\}/g, 'x');
    const problem = refProblem(sample);
    if (problem !== undefined)
      problems.push({
        path: `/ingest/${i}/ref`,
        message: `the ref template cannot give a valid ref: ${problem}`,
      });
  });
  config.export.forEach((rule, i) => {
    const ref = rule.ref.includes('*') ? RefSelector.problem(rule.ref) : refProblem(rule.ref);
    if (ref !== undefined) problems.push({ path: `/export/${i}/ref`, message: ref });
    if (!isValidTopicName(rule.topic.replace(/\{(ref|name|path)\}/g, 'x'))) {
      problems.push({ path: `/export/${i}/topic`, message: `"${rule.topic}" cannot give a valid topic` });
    }
  });
  return problems;
}
