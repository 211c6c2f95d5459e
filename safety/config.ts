import { Type, type Static } from '@sinclair/typebox';
import { literalUnion } from '../src/cxp/schema/common.js';
import { SEVERITIES } from '../src/cxp/schema/safety-event.js';

/**
 * The `safety:` section: the supervisor's rules. Enabling the supervisor is what lets actions that
 * move things (ros2.publish, serial.write to an actuator) through at all: without it they fail
 * closed. A supervisor with no rule would allow everything, so it needs at least one.
 */

const closed = { additionalProperties: false } as const;
const ms = (min: number, max: number, description: string, dflt?: number) =>
  Type.Integer({ minimum: min, maximum: max, description, ...(dflt === undefined ? {} : { default: dflt }) });

const RuleId = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$', description: 'Names the rule in events.' });
const Severity = literalUnion(SEVERITIES);

const Latch = Type.Union(
  [
    Type.Literal('none'),
    Type.Literal('immediate'),
    Type.Object({ after_ms: ms(1, 86_400_000, 'Latch once active this long.') }, closed),
  ],
  { description: 'none: clears when the input returns; immediate: waits for safety.reset.' },
);

const Interlocks = Type.Array(
  Type.String({
    pattern: '^[a-z0-9_.]+(:[^\\s]+)?$',
    maxLength: 256,
    description:
      '<action> or <action>:<target>; the target is the request target (ros2.publish: the topic); * is a wildcard.',
  }),
  {
    maxItems: 64,
    default: [],
    description:
      'Actions refused (SAFETY_INTERLOCK) while this rule holds a PROTECTIVE or EMERGENCY condition that is not cleared.',
  },
);

/** What every fault rule shares: how its condition behaves. */
const faultCommon = {
  id: RuleId,
  severity: Severity,
  latch: Type.Optional(Latch),
  raise_after_ms: ms(0, 3_600_000, 'The fault must hold this long before it is raised.', 0),
  clear_after_ms: ms(0, 3_600_000, 'The fault must be gone this long before it counts as returned.', 0),
  interlocks: Interlocks,
  recommended_action: Type.Optional(
    literalUnion([
      'none',
      'notify',
      'reject_command',
      'speed_limit',
      'controlled_stop',
      'request_emergency_stop',
      'reinitialise_source',
    ] as const),
  ),
};

export const HeartbeatRule = Type.Object(
  {
    kind: Type.Literal('heartbeat'),
    ...faultCommon,
    ref: Type.String({
      minLength: 3,
      maxLength: 512,
      description: 'Context ref (or selector with * and **) that must be updated at least every timeout_ms.',
    }),
    timeout_ms: ms(1, 86_400_000, 'Longest time between two updates.'),
    startup_grace_ms: Type.Optional(
      ms(0, 86_400_000, 'A ref never updated this long after start is missing (default timeout_ms).'),
    ),
  },
  closed,
);

export const RangeRule = Type.Object(
  {
    kind: Type.Literal('range'),
    ...faultCommon,
    ref: Type.String({ minLength: 3, maxLength: 512, description: 'Context ref or selector of the value.' }),
    field: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description:
          'Dotted path inside the value; default `value` for {value, unit}, else the value itself.',
      }),
    ),
    min: Type.Optional(Type.Number()),
    max: Type.Optional(Type.Number()),
    unit: Type.Optional(
      Type.String({ minLength: 1, maxLength: 32, description: 'Required unit of {value, unit}.' }),
    ),
  },
  closed,
);

export const DeviceRule = Type.Object(
  {
    kind: Type.Literal('device'),
    ...faultCommon,
    refs: Type.Array(Type.String({ minLength: 3, maxLength: 512 }), {
      minItems: 1,
      maxItems: 16,
      default: ['resources/printers/*', 'resources/serial/*'],
      description: 'Device status entries ({online, errors[{code}]}) to watch.',
    }),
    codes: Type.Record(Type.String({ pattern: '^[A-Z][A-Z0-9_]{1,63}$' }), Severity, {
      default: {},
      description:
        'Severity per error code (e.g. MEDIA_JAM: PROTECTIVE); codes not listed get the rule severity; DEVICE_OFFLINE is the device being offline.',
    }),
    ignore: Type.Array(Type.String({ pattern: '^[A-Z][A-Z0-9_]{1,63}$' }), {
      default: [],
      maxItems: 64,
      description: 'Codes that are no fault here (e.g. PAUSED).',
    }),
  },
  closed,
);

const policyCommon = {
  id: RuleId,
  severity: Type.Optional(Severity),
  actions: Type.Array(Type.String({ pattern: '^[a-z0-9_.]+(:[^\\s]+)?$', maxLength: 256 }), {
    minItems: 1,
    maxItems: 64,
    description: 'Requests this rule checks: <action> or <action>:<target>, * wildcards.',
  }),
};

export const SpeedLimitRule = Type.Object(
  {
    kind: Type.Literal('speed_limit'),
    ...policyCommon,
    fields: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
      minItems: 1,
      maxItems: 3,
      default: ['message.linear.x', 'message.linear.y', 'message.linear.z'],
      description: 'Dotted paths in params whose Euclidean norm is the speed (m/s).',
    }),
    max_mps: Type.Number({ minimum: 0, maximum: 100, description: 'Largest speed allowed; 0 means stop.' }),
  },
  closed,
);

export const RequireRule = Type.Object(
  {
    kind: Type.Literal('require'),
    ...policyCommon,
    principals: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
        minItems: 1,
        maxItems: 256,
        description: 'Only these principal ids may send the request.',
      }),
    ),
    purposes: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 128 }), {
        minItems: 1,
        maxItems: 64,
        description: 'The request must state one of these purposes (params.purpose).',
      }),
    ),
  },
  closed,
);

export const SafetyRule = Type.Union([HeartbeatRule, RangeRule, DeviceRule, SpeedLimitRule, RequireRule]);
export type SafetyRule = Static<typeof SafetyRule>;
export type FaultRule = Static<typeof HeartbeatRule> | Static<typeof RangeRule> | Static<typeof DeviceRule>;
export type PolicyRule = Static<typeof SpeedLimitRule> | Static<typeof RequireRule>;

export const SafetySection = Type.Object(
  {
    enabled: Type.Boolean({
      default: false,
      description:
        'Run the supervisor. Actions that move things are refused (fail closed) until it runs; with it, they pass unless a rule refuses them.',
    }),
    tick_ms: ms(5, 1000, 'How often deadlines are checked.', 20),
    robot_frame: Type.String({
      default: 'base_link',
      minLength: 1,
      maxLength: 256,
      description: 'Frame of events without a pose.',
    }),
    pose_ref: Type.Optional(
      Type.String({
        minLength: 3,
        maxLength: 512,
        description:
          'Context ref of the robot pose ({frame_id, pose}) events carry when their signal has none.',
      }),
    ),
    rules: Type.Array(SafetyRule, { default: [], maxItems: 1024 }),
  },
  { ...closed, default: {} },
);
export type SafetySection = Static<typeof SafetySection>;
