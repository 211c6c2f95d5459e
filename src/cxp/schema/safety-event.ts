import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Identifier, JsonObject, literalUnion, messageSchema } from './common.js';

/** SAFETY_EVENT: a transition of a safety condition, with robot frame and timebase. */

export const SEVERITIES = ['INFO', 'WARNING', 'PROTECTIVE', 'EMERGENCY'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const SAFETY_STATES = ['RAISED', 'ACKNOWLEDGED', 'CLEARED'] as const;
export type SafetyState = (typeof SAFETY_STATES)[number];

export const RECOMMENDED_ACTIONS = [
  'none',
  'notify',
  'reject_command',
  'speed_limit',
  'controlled_stop',
  'request_emergency_stop',
  'reinitialise_source',
] as const;

export const TF_STATUSES = [
  'OK',
  'NOT_APPLICABLE',
  'LOOKUP_ERROR',
  'CONNECTIVITY_ERROR',
  'EXTRAPOLATION_ERROR',
  'INVALID_ARGUMENT_ERROR',
  'TIMEOUT_ERROR',
  'TRANSFORM_ERROR',
] as const;

export const CLOCKS = ['ros', 'sim', 'system', 'steady'] as const;
export const SYNC_METHODS = ['ptp', 'chrony', 'ntp', 'sim', 'none'] as const;
export const SYNC_STATES = ['LOCKED', 'SLEWING', 'STEPPING', 'UNSYNCHRONISED', 'UNKNOWN'] as const;

const Nanoseconds = (description: string, signed = false) =>
  Type.String({ pattern: signed ? '^-?[0-9]{1,20}$' : '^[0-9]{1,20}$', description });

export const RosTime = Type.Object(
  {
    sec: Type.Integer({ minimum: -2_147_483_648, maximum: 2_147_483_647 }),
    nanosec: Type.Integer({ minimum: 0, maximum: 999_999_999 }),
  },
  { title: 'RosTime', description: 'builtin_interfaces/Time.' },
);

export const Timebase = Type.Object(
  {
    clock: literalUnion(CLOCKS, 'Which clock `stamp` is in; sim means ROS time from /clock.'),
    stamp: RosTime,
    utc: DateTime('System clock (UTC) at emission.'),
    monotonic_ns: Nanoseconds('Monotonic clock at emission; comparable only within one boot_id.'),
    offset_ns: Type.Optional(Nanoseconds('Estimated source minus gateway clock offset.', true)),
    uncertainty_ns: Type.Optional(Nanoseconds('Bound on the offset estimate.')),
    sync: Type.Object(
      {
        method: literalUnion(SYNC_METHODS),
        state: literalUnion(SYNC_STATES),
      },
      {
        title: 'ClockSync',
        description: 'Clock discipline at emission; more fields (stratum, ...) may follow.',
      },
    ),
    valid: Type.Optional(
      Type.Boolean({ description: 'False when the stamp is zero or sim time has not started.' }),
    ),
    epoch: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Increments on every detected clock jump.' }),
    ),
    source_stamp: Type.Optional(RosTime),
    detection_latency_ms: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { title: 'Timebase' },
);
export type Timebase = Static<typeof Timebase>;

const Vector3 = Type.Object({ x: Type.Number(), y: Type.Number(), z: Type.Number() }, { title: 'Vector3' });

export const Pose = Type.Object(
  {
    position: Vector3,
    orientation: Type.Object(
      { x: Type.Number(), y: Type.Number(), z: Type.Number(), w: Type.Number() },
      { title: 'Quaternion' },
    ),
  },
  { title: 'Pose', description: 'REP-103: metres, right-handed, x forward, y left, z up.' },
);

export const FrameId = Type.String({
  minLength: 1,
  maxLength: 256,
  pattern: '^[^/\\s][^\\s]*$',
  description: 'tf2 frame id: not empty, no leading slash, no whitespace.',
});

export const Frame = Type.Object(
  {
    frame_id: FrameId,
    pose: Type.Optional(Type.Union([Pose, Type.Null()], { description: 'null when the pose is unknown.' })),
    covariance: Type.Optional(
      Type.Union([Type.Array(Type.Number(), { minItems: 36, maxItems: 36 }), Type.Null()], {
        description: '6x6 row-major over x, y, z, rot X, rot Y, rot Z; null means unknown.',
      }),
    ),
    tf_status: literalUnion(
      TF_STATUSES,
      'How the pose was obtained; a failed lookup never blocks the event.',
    ),
    robot_frame: Type.Optional(FrameId),
    map_epoch: Type.Optional(Type.Integer({ minimum: 0 })),
    zone: Type.Optional(Identifier('Zone or polygon that triggered the event.', 128)),
  },
  { title: 'Frame' },
);
export type Frame = Static<typeof Frame>;

export const Subject = Type.Object(
  {
    transport: literalUnion([
      'ros2',
      'mqtt',
      'serial',
      'printer',
      'policy',
      'supervisor',
      'gateway',
    ] as const),
    id: Identifier('Device, endpoint or rule the condition is about (hardware_id).'),
    path: Type.Optional(Identifier('Topic, port path or printer URI.', 1024)),
    data_quality: Type.Optional(literalUnion(['GOOD', 'BAD', 'STALE', 'UNKNOWN'] as const)),
  },
  {
    title: 'Subject',
    description: 'Where the condition was observed. The envelope source is the supervisor.',
  },
);

export const Violation = Type.Object(
  {
    rule_id: Identifier('The policy rule that fired.', 128),
    decision: literalUnion(['DENY', 'LIMIT', 'ALLOW_WITH_WARNING'] as const),
    request_id: Type.Optional(Identifier('The offending request.', 128)),
    action: Type.Optional(Identifier('The offending action.', 128)),
    constraint: Type.Optional(
      Type.Object(
        {
          quantity: Identifier('What was limited, e.g. linear_speed.', 64),
          limit: Type.Union([Type.Number(), Type.Null()], {
            description: 'null means unlimited; 0 means stop.',
          }),
          observed: Type.Union([Type.Number(), Type.Null()]),
          unit: Identifier('SI unit.', 16),
        },
        { title: 'Constraint' },
      ),
    ),
    principal: Type.Optional(Identifier('Who asked.')),
  },
  { title: 'Violation', description: 'For policy.* kinds: which rule fired and what was decided.' },
);

const Audit = Type.Object(
  {
    by: Identifier('Principal.'),
    at: DateTime('When.'),
    comment: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { title: 'Audit' },
);

export const SafetyEvent = messageSchema(
  'SAFETY_EVENT',
  {
    condition_key: Identifier(
      'Stable key: one active condition per key, e.g. serial:/dev/ttyUSB0#fault.serial_disconnect.',
      512,
    ),
    seq: Type.Integer({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'Strictly increasing per boot_id.',
    }),
    boot_id: Identifier('Changes at every supervisor start.', 128),
    kind: Type.String({ pattern: '^(fault|policy)\\.[a-z0-9_]+$', maxLength: 128 }),
    severity: literalUnion(SEVERITIES),
    state: literalUnion(SAFETY_STATES),
    latched: Type.Boolean({ description: 'Clearing needs safety.reset.' }),
    message: Type.String({ maxLength: 4096 }),
    frame: Frame,
    timebase: Timebase,
    related_refs: Type.Array(Identifier('Context ref the event concerns.', 512), { maxItems: 256 }),
    recommended_action: literalUnion(RECOMMENDED_ACTIONS),
    assurance: Type.Literal('non_safety_rated'),
    subject: Type.Optional(Subject),
    violation: Type.Optional(Violation),
    condition_instance: Type.Optional(Identifier('Activation episode; new after CLEARED.', 128)),
    active: Type.Optional(Type.Boolean({ description: 'Is the condition present now (debounced)?' })),
    acked: Type.Optional(Type.Boolean()),
    cause: Type.Optional(Identifier('Detail such as timeout or graceful_disconnect.', 64)),
    diag_level: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 3, description: 'DiagnosticStatus level.' }),
    ),
    occurrences: Type.Optional(Type.Integer({ minimum: 0 })),
    suppressed_count: Type.Optional(Type.Integer({ minimum: 0 })),
    first_raised_at: Type.Optional(DateTime('First RAISED of this instance.')),
    last_seen_at: Type.Optional(DateTime('Last time the condition was observed.')),
    ack: Type.Optional(Audit),
    reset: Type.Optional(Audit),
    clear_reason: Type.Optional(
      literalUnion(['condition_resolved', 'reset', 'superseded', 'source_reinitialised'] as const),
    ),
    requested_stop_category: Type.Optional(
      Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2), Type.Null()], {
        description: 'Advisory only.',
      }),
    ),
    values: Type.Optional(
      Type.Array(
        Type.Object({ key: Type.String({ maxLength: 256 }), value: Type.String({ maxLength: 4096 }) }),
        {
          maxItems: 64,
        },
      ),
    ),
    details: Type.Optional(JsonObject('Free detail.')),
  },
  'A safety condition transition with robot frame and timebase. Not safety rated.',
);
export type SafetyEvent = Static<typeof SafetyEvent>;
