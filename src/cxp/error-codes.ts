/**
 * The one registry of stable error codes. A code is never reused or renamed; a code that is no longer
 * produced stays here marked `deprecated`. docs/errors.md is generated from this table.
 */

export type ErrorCategory =
  'protocol' | 'context' | 'action' | 'capability' | 'device' | 'safety' | 'internal';

export interface ErrorCodeInfo {
  readonly category: ErrorCategory;
  /** Whether the same request may succeed if sent again unchanged (possibly after a delay). */
  readonly retryable: boolean;
  readonly description: string;
  readonly deprecated?: boolean;
}

const codes = {
  // protocol
  MALFORMED_MESSAGE: {
    category: 'protocol',
    retryable: false,
    description:
      'The bytes are not a valid CXP message: not JSON/MessagePack, not an object, a missing required field, a wrong type, a value out of range, nesting too deep, or a string that is not well-formed Unicode. `details.errors` lists up to 16 problems as `{path, message}`.',
  },
  UNSUPPORTED_VERSION: {
    category: 'protocol',
    retryable: false,
    description:
      'The `cxp_version` major is not one this gateway speaks (it speaks 1.x). `details.supported` lists the supported majors.',
  },
  UNKNOWN_MESSAGE_TYPE: {
    category: 'protocol',
    retryable: false,
    description:
      'The `type` is not one of the nine CXP v1 message types (`details.known` lists them), or a ROS 2 message type has no known definition, itself or one it depends on (`details.ros_type`, `details.missing`; docs/ros2-messages.md).',
  },
  MESSAGE_TOO_LARGE: {
    category: 'protocol',
    retryable: false,
    description:
      'The encoded message is larger than the configured limit. `details.limit` and `details.size` are in bytes.',
  },
  UNSUPPORTED_ENCODING: {
    category: 'protocol',
    retryable: false,
    description: 'The content type or encoding is neither JSON nor MessagePack.',
  },
  EXPIRED: {
    category: 'protocol',
    retryable: false,
    description:
      'The message arrived after its `ts + ttl_ms`, or the context it refers to is past its retention TTL.',
  },
  // context
  UNSUPPORTED_OPERATION: {
    category: 'protocol',
    retryable: false,
    description:
      'The message is valid but this endpoint does not accept it (for example a CONTEXT_DIFF sent to the gateway request topic).',
  },
  UNKNOWN_REF: {
    category: 'context',
    retryable: false,
    description: 'No context entry exists under this ref (it never existed, or it expired and was removed).',
  },
  INVALID_REF: {
    category: 'context',
    retryable: false,
    description:
      'The ref does not follow the ref grammar `<section>/<segment>[/<segment>...]` (docs/protocol.md).',
  },
  POLICY_DENIED: {
    category: 'context',
    retryable: false,
    description:
      'The entry exists but its policy does not allow this principal or this purpose. `details.reason` is `purpose_required`, `purpose_not_allowed` or `audience_not_allowed`.',
  },
  BUDGET_EXCEEDED: {
    category: 'context',
    retryable: false,
    description:
      'The requested budget cannot hold even the first slice; raise `max_bytes` or ask for less depth.',
  },
  RESYNC_REQUIRED: {
    category: 'context',
    retryable: true,
    description:
      'A CONTEXT_DIFF was based on a version the receiver does not hold, or the sender no longer keeps the history asked for. The receiver resynchronises with a full CONTEXT_REQUEST.',
  },
  INVALID_CONTRIBUTION: {
    category: 'context',
    retryable: false,
    description:
      'A contribution to the store was refused: confidence outside 0..1, an unparsable retention TTL, or a value that is not JSON data.',
  },
  STORE_FULL: {
    category: 'context',
    retryable: true,
    description:
      'The context store holds its configured maximum of entries; new refs are refused until some expire.',
  },
  // actions and intents
  UNKNOWN_ACTION: {
    category: 'action',
    retryable: false,
    description: 'No handler is registered for this action name.',
  },
  UNKNOWN_TARGET: {
    category: 'action',
    retryable: false,
    description: 'The action names a target (printer, port, topic) that this gateway does not have.',
  },
  INVALID_PARAMS: {
    category: 'action',
    retryable: false,
    description:
      'The action or intent parameters do not match what the handler accepts. `details.errors` as above.',
  },
  NOT_AUTHORIZED: {
    category: 'action',
    retryable: false,
    description: 'The authenticated principal may not send this action to this target.',
  },
  SAFETY_INTERLOCK: {
    category: 'safety',
    retryable: true,
    description:
      'The safety supervisor holds an active condition that forbids this action. `details.condition_keys` names them; retry after they are cleared.',
  },
  DEADLINE_EXCEEDED: {
    category: 'action',
    retryable: true,
    description: 'The action did not finish within its `deadline_ms`.',
  },
  EVALUATION_ERROR: {
    category: 'action',
    retryable: false,
    description:
      'A decision hook or policy evaluation failed; the intent or action is rejected (fail closed). `details` carries the cause.',
  },
  NO_DECISION_HOOK: {
    category: 'action',
    retryable: false,
    description:
      'Reason code of a rejected INTENT_PROPOSE when no decision hook is configured: nothing can vouch for the intent, so it is rejected (fail closed).',
  },
  // capability exchange
  UNSUPPORTED_PROTOCOL_VERSION: {
    category: 'capability',
    retryable: false,
    description: 'A capability handshake asked for a protocol version the provider does not speak.',
  },
  INTERFACE_MISMATCH: {
    category: 'capability',
    retryable: false,
    description: "The handshake's interface is neither the provider's catalog nor one it satisfies.",
  },
  CAPABILITY_CONFLICT: {
    category: 'capability',
    retryable: false,
    description: 'A capability is listed as both required and optional in one handshake.',
  },
  MISSING_REQUIRED_CAPABILITY: {
    category: 'capability',
    retryable: false,
    description: 'The provider does not offer one or more required capabilities.',
  },
  UNKNOWN_CATALOG: {
    category: 'capability',
    retryable: false,
    description: 'No catalog is registered under this interface name.',
  },
  UNKNOWN_CAPABILITY: {
    category: 'capability',
    retryable: false,
    description: 'A capability matrix names a capability its catalog does not define.',
  },
  UNKNOWN_OPERATION: {
    category: 'capability',
    retryable: false,
    description: 'An operation is not defined for this capability in the catalog.',
  },
  INVALID_METADATA: {
    category: 'capability',
    retryable: false,
    description: "A capability's metadata does not match the catalog's metadata schema.",
  },
  TIER_NOT_SATISFIED: {
    category: 'capability',
    retryable: false,
    description: 'A matrix lacks capabilities that a catalog tier requires. `details.missing` lists them.',
  },
  DUPLICATE_CAPABILITY: {
    category: 'capability',
    retryable: false,
    description:
      'A capability matrix lists the same capability name more than once. `details.capability` names it, `details.index` is its second position.',
  },
  UNKNOWN_TIER: {
    category: 'capability',
    retryable: false,
    description:
      'The catalog (and the catalogs it satisfies) defines no tier of this name. `details.known` lists its tiers.',
  },
  TELEMETRY_OVERFLOW: {
    category: 'capability',
    retryable: true,
    description: 'A telemetry buffer with overflow policy `raise` is full; the item was not recorded.',
  },
  // devices (printers and field devices)
  DEVICE_OFFLINE: {
    category: 'device',
    retryable: true,
    description: 'The device does not answer or its connection is down.',
  },
  CONNECTION_LOST: {
    category: 'device',
    retryable: true,
    description: 'The connection to a device or broker dropped during the operation.',
  },
  DEVICE_BUSY: {
    category: 'device',
    retryable: true,
    description: 'The device is processing another job and its queue is full.',
  },
  PAUSED: {
    category: 'device',
    retryable: true,
    description: 'The printer is paused; jobs are held until it resumes.',
  },
  MEDIA_OUT: {
    category: 'device',
    retryable: true,
    description: 'The printer is out of paper or labels; retry after media is loaded.',
  },
  RIBBON_OUT: {
    category: 'device',
    retryable: true,
    description: 'The thermal-transfer ribbon is out; retry after a ribbon is loaded.',
  },
  HEAD_OPEN: {
    category: 'device',
    retryable: true,
    description: 'The print head is open; retry after it is closed.',
  },
  MEDIA_JAM: {
    category: 'device',
    retryable: true,
    description: 'Media is jammed; retry once the jam is cleared and the printer is ready.',
  },
  MEDIA_MISMATCH: {
    category: 'device',
    retryable: false,
    description: 'The loaded media does not match what the job needs.',
  },
  BUFFER_FULL: {
    category: 'device',
    retryable: true,
    description: "The device's receive buffer is full.",
  },
  DEVICE_FAULT: {
    category: 'device',
    retryable: false,
    description:
      'The device reports a fault with no more specific code (cutter fault, over-temperature, a bad print head, an error bit no table names, a printer not in the expected command language). `details.faults` names what it reported; `retryable` is true where the fault clears by itself (temperature).',
  },
  DEVICE_TIMEOUT: {
    category: 'device',
    retryable: true,
    description:
      'The device did not answer within the time allowed (a serial command expecting a reply, a Modbus poll). `details.timeout_ms` gives the wait.',
  },
  DEVICE_SILENT: {
    category: 'device',
    retryable: true,
    description:
      'A device expected to send at least every `liveness.expect_every_ms` has sent nothing for longer (its port is open). A liveness fault in `resources/serial/<id>`, not an action error.',
  },
  DEVICE_NOISY: {
    category: 'device',
    retryable: true,
    description:
      'A device keeps sending frames that fail to frame or decode (`liveness.error_burst`): wrong baud rate, a loose cable, a changed output format. A liveness fault in `resources/serial/<id>`.',
  },
  UNKNOWN_JOB: {
    category: 'device',
    retryable: false,
    description: 'No job with this id is known (never submitted, or forgotten after its retention).',
  },
  JOB_CANCELED: {
    category: 'device',
    retryable: false,
    description: 'The job was canceled (by print.cancel, or when the device cancelled everything it held).',
  },
  // internal
  INTERNAL_ERROR: {
    category: 'internal',
    retryable: true,
    description: 'A bug or an unexpected failure inside the gateway. It is logged with a stack trace.',
  },
  INVALID_CONFIG: {
    category: 'internal',
    retryable: false,
    description:
      'The configuration is incomplete or inconsistent (a missing or ambiguous secret reference, a malformed MQTT topic filter, a duplicate name, a file that cannot be read); the component refuses to start. `details.problems` lists every problem found.',
  },
  INSECURE_CONFIG: {
    category: 'internal',
    retryable: false,
    description:
      'The configuration would expose a service without the protection the security rules require, for example a listener on a non-loopback interface that accepts anonymous clients, or TLS without a certificate; the component refuses to start. `details.problems` lists them.',
  },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof codes;

export const ERROR_CODES: Readonly<Record<ErrorCode, ErrorCodeInfo>> = codes;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(codes, value);
}
