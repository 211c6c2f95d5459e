import { Type, type Static } from '@sinclair/typebox';
import { literalUnion } from '../../../src/cxp/schema/common.js';
import { DURATION_PATTERN } from '../../../src/cxp/time.js';
import { refProblem } from '../../../src/context/refs.js';
import { isValidTopicFilter, isValidTopicName } from '../../mqtt/broker/acl.js';
import { rosTopicToDds, rosTypeToDds } from '../msgs/naming.js';

/**
 * Config of one ROS 2 bridge instance (`bridges: [{kind: ros2, ...}]`): the gateway as a ROS 2
 * participant, with routes from ROS topics into context and MQTT, and from MQTT into ROS topics.
 */

const closed = { additionalProperties: false } as const;

const RosTopic = Type.String({
  minLength: 2,
  maxLength: 247,
  description: 'Fully qualified ROS topic, e.g. /robot/odom.',
});
const RosType = Type.String({
  minLength: 3,
  maxLength: 256,
  description: 'ROS type, e.g. nav_msgs/msg/Odometry.',
});

export const QosConfig = Type.Union(
  [
    literalUnion(['default', 'sensor_data'] as const, {
      description:
        'default: reliable, volatile, keep last 10. sensor_data: best effort, volatile, keep last 5.',
    }),
    Type.Object(
      {
        reliability: literalUnion(['reliable', 'best_effort'] as const, { default: 'reliable' }),
        durability: literalUnion(['volatile', 'transient_local'] as const, { default: 'volatile' }),
        history: literalUnion(['keep_last', 'keep_all'] as const, { default: 'keep_last' }),
        depth: Type.Integer({ minimum: 1, maximum: 10_000, default: 10 }),
        deadline_ms: Type.Optional(Type.Integer({ minimum: 1 })),
        liveliness_lease_ms: Type.Optional(Type.Integer({ minimum: 1 })),
        lifespan_ms: Type.Optional(Type.Integer({ minimum: 1 })),
      },
      closed,
    ),
  ],
  { default: 'default' },
);
export type QosConfig = Static<typeof QosConfig>;

const MaxRate = Type.Optional(
  Type.Number({
    exclusiveMinimum: 0,
    maximum: 10_000,
    description: 'Messages per second at most; extra ones are dropped and counted.',
  }),
);

export const RosIngestRoute = Type.Object(
  {
    topic: RosTopic,
    type: RosType,
    ref: Type.String({
      minLength: 3,
      maxLength: 512,
      description: 'Context ref the message (or its field) goes to.',
    }),
    field: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'Dotted path into the message; absent: the whole message.',
      }),
    ),
    qos: QosConfig,
    max_rate_hz: MaxRate,
    confidence: Type.Number({ minimum: 0, maximum: 1, default: 1 }),
    retention: Type.Optional(Type.String({ pattern: DURATION_PATTERN })),
  },
  closed,
);
export type RosIngestRoute = Static<typeof RosIngestRoute>;

const Encoding = literalUnion(['json', 'msgpack', 'cdr'] as const, {
  default: 'json',
  description: 'json or msgpack: the message mapped to JSON (docs/ros2-messages.md); cdr: the raw CDR bytes.',
});

export const RosToMqttRoute = Type.Object(
  {
    topic: RosTopic,
    type: RosType,
    mqtt_topic: Type.String({ minLength: 1, maxLength: 512 }),
    encoding: Encoding,
    mqtt_qos: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)], { default: 0 }),
    retain: Type.Boolean({ default: false }),
    qos: QosConfig,
    max_rate_hz: MaxRate,
  },
  closed,
);
export type RosToMqttRoute = Static<typeof RosToMqttRoute>;

export const MqttToRosRoute = Type.Object(
  {
    mqtt_topic: Type.String({ minLength: 1, maxLength: 512, description: 'MQTT topic filter.' }),
    topic: RosTopic,
    type: RosType,
    encoding: Encoding,
    qos: QosConfig,
    max_rate_hz: MaxRate,
  },
  closed,
);
export type MqttToRosRoute = Static<typeof MqttToRosRoute>;

export const Ros2BridgeConfig = Type.Object(
  {
    kind: Type.Literal('ros2'),
    id: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
    backend: literalUnion(['auto', 'dds', 'rclnodejs'] as const, {
      default: 'auto',
      description: 'auto: rclnodejs when ROS 2 is sourced (ROS_DISTRO) and it loads, else dds.',
    }),
    domain_id: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 232, description: 'Default: ROS_DOMAIN_ID, else 0.' }),
    ),
    localhost_only: Type.Optional(
      Type.Boolean({
        description: 'Default: ROS_LOCALHOST_ONLY=1 or ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST.',
      }),
    ),
    node_name: Type.String({
      pattern: '^[A-Za-z][A-Za-z0-9_]{0,254}$',
      default: 'cxp_edge',
      description: 'The ROS node the gateway appears as (ros2 node list).',
    }),
    namespace: Type.String({
      pattern: '^/([A-Za-z][A-Za-z0-9_]*(/[A-Za-z][A-Za-z0-9_]*)*)?$',
      default: '/',
      description: 'Namespace of that node.',
    }),
    publish_action: Type.Array(Type.Object({ topic: RosTopic, type: RosType, qos: QosConfig }, closed), {
      default: [],
      maxItems: 1000,
      description:
        'ROS topics the CXP action ros2.publish may write to (nothing else); every call passes the safety guards first.',
    }),
    cxp_topics: Type.Boolean({
      default: true,
      description: 'Carry CXP on /cxp/preview, /cxp/diff, /cxp/in and /cxp/out (std_msgs/String JSON).',
    }),
    msg_dirs: Type.Array(
      Type.Object(
        { path: Type.String({ minLength: 1 }), package: Type.Optional(Type.String({ minLength: 1 })) },
        closed,
      ),
      {
        default: [],
        maxItems: 64,
        description: 'Extra .msg directories (pkg/msg/*.msg, or *.msg with package).',
      },
    ),
    ingest: Type.Array(RosIngestRoute, { default: [], maxItems: 1000 }),
    to_mqtt: Type.Array(RosToMqttRoute, { default: [], maxItems: 1000 }),
    from_mqtt: Type.Array(MqttToRosRoute, { default: [], maxItems: 1000 }),
    queue: Type.Object(
      {
        capacity: Type.Integer({
          minimum: 1,
          maximum: 100_000,
          default: 1024,
          description: 'Samples per subscription waiting for the gateway; beyond: dropped and counted.',
        }),
      },
      { ...closed, default: {} },
    ),
  },
  closed,
);
export type Ros2BridgeConfig = Static<typeof Ros2BridgeConfig>;

/** Checks the schema cannot express: ROS names, MQTT topics and refs. */
export function checkRos2BridgeConfig(config: Ros2BridgeConfig): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const names = (path: string, topic: string, type: string) => {
    const t = rosTopicToDds(topic);
    if (!t.ok) problems.push({ path: `${path}/topic`, message: t.error.message });
    const ty = rosTypeToDds(type);
    if (!ty.ok) problems.push({ path: `${path}/type`, message: ty.error.message });
  };
  config.ingest.forEach((r, i) => {
    names(`/ingest/${i}`, r.topic, r.type);
    const p = refProblem(r.ref);
    if (p !== undefined) problems.push({ path: `/ingest/${i}/ref`, message: p });
  });
  config.to_mqtt.forEach((r, i) => {
    names(`/to_mqtt/${i}`, r.topic, r.type);
    if (!isValidTopicName(r.mqtt_topic))
      problems.push({
        path: `/to_mqtt/${i}/mqtt_topic`,
        message: `"${r.mqtt_topic}" is not an MQTT topic name`,
      });
  });
  config.publish_action.forEach((r, i) => {
    names(`/publish_action/${i}`, r.topic, r.type);
  });
  config.from_mqtt.forEach((r, i) => {
    names(`/from_mqtt/${i}`, r.topic, r.type);
    if (!isValidTopicFilter(r.mqtt_topic))
      problems.push({
        path: `/from_mqtt/${i}/mqtt_topic`,
        message: `"${r.mqtt_topic}" is not an MQTT topic filter`,
      });
  });
  return problems;
}
