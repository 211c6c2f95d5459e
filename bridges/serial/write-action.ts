import { Buffer } from 'node:buffer';
import { Type, type Static } from '@sinclair/typebox';
import { CxpError, fail, ok, type Result } from '../../src/cxp/errors.js';
import { literalUnion } from '../../src/cxp/schema/common.js';
import type { MessageOf } from '../../src/cxp/schema/index.js';
import { SchemaChecker } from '../../src/cxp/validate.js';
import type { Principal } from '../../src/context/policy.js';
import { checkGuards } from '../../src/runtime/action-guard.js';
import { registerTargetedAction } from '../../src/runtime/targeted-action.js';
import { replies } from '../../devices/shared/replies.js';
import type { GatewayServices } from '../mqtt/bridge/plugin.js';
import type { SerialBridgeConfig } from './config.js';
import { scanRegex } from './decode-parse.js';
import type { Exchange, ReplyReader } from './exchanges.js';
import { modbusReader } from './modbus-poll.js';
import { encodeRequest, type RtuRequest } from './modbus/rtu-request.js';

/**
 * The CXP action `serial.write` (`target` = port id when there are several): text or hex bytes to a
 * stream port, optionally waiting for the reply frame; or one Modbus request to a modbus_rtu port,
 * answered with the decoded response. Every call passes the safety guards first.
 */

const WriteParams = Type.Object(
  {
    text: Type.Optional(Type.String({ minLength: 1, maxLength: 65_536 })),
    hex: Type.Optional(Type.String({ pattern: '^(?:[0-9A-Fa-f]{2}[ :]?)+$', maxLength: 196_608 })),
    modbus: Type.Optional(
      Type.Object(
        {
          function: literalUnion([
            'read_holding_registers',
            'read_input_registers',
            'read_coils',
            'read_discrete_inputs',
            'write_single_coil',
            'write_single_register',
            'write_multiple_registers',
          ] as const),
          unit: Type.Optional(Type.Integer({ minimum: 0, maximum: 247 })),
          address: Type.Integer({ minimum: 0, maximum: 65_535 }),
          quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 2000 })),
          value: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 65_535 }), Type.Boolean()])),
          values: Type.Optional(
            Type.Array(Type.Integer({ minimum: 0, maximum: 65_535 }), { minItems: 1, maxItems: 123 }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    expect_reply: Type.Optional(Type.Boolean()),
    reply_pattern: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    timeout_ms: Type.Optional(Type.Integer({ minimum: 1, maximum: 60_000 })),
  },
  { additionalProperties: false },
);
type WriteParams = Static<typeof WriteParams>;

const checker = new SchemaChecker(WriteParams);

/** What one port offers the action. */
export interface WriteTarget {
  readonly id: string;
  readonly config: SerialBridgeConfig;
  /** Runs one exchange through the port's queue. */
  exchange<R>(exchange: Exchange<R>): Promise<Result<R | undefined>>;
  /** Counts a refused or failed command on the port's route. */
  countError(code: string): void;
}

export interface FrameReply {
  text: string;
  hex: string;
}

export function registerSerialWrite(services: GatewayServices, target: WriteTarget): () => void {
  const { messages } = services.cxp;
  const r = replies(messages);
  return registerTargetedAction(
    services.cxp.dispatcher,
    messages,
    { action: 'serial.write', what: 'serial port', id: target.id },
    async (request, principal) => {
      const refused = precheck(target, request, principal, services);
      if (refused) {
        target.countError(refused.code);
        return r.refuse(request, refused);
      }
      const built = buildExchange(target.config, request.params as WriteParams);
      if (!built.ok) {
        target.countError(built.error.code);
        return r.refuse(request, built.error);
      }
      const done = await target.exchange(built.value.exchange);
      if (!done.ok) {
        target.countError(done.error.code);
        return r.refuse(request, done.error, done.error.code === 'DEVICE_BUSY' ? 'rejected' : 'failed');
      }
      return r.reply(request, 'succeeded', {
        result: {
          port: target.id,
          bytes: built.value.exchange.bytes.length,
          ...(done.value === undefined ? {} : { [built.value.replyKey]: done.value }),
        },
      });
    },
  );
}

/** The refusal before any byte is built: writes disabled, bad params, a guard. */
function precheck(
  target: WriteTarget,
  request: MessageOf<'ACTION_REQUEST'>,
  principal: Principal | undefined,
  services: GatewayServices,
): CxpError | undefined {
  const write = target.config.write;
  if (!write.enabled)
    return new CxpError('POLICY_DENIED', `serial.write is not enabled for port ${target.id} (write.enabled)`);
  const params: unknown = request.params ?? {};
  if (!checker.check(params))
    return new CxpError('INVALID_PARAMS', 'serial.write wants one of text, hex or modbus', {
      details: { errors: checker.issues(params).slice(0, 8) },
    });
  const given = [params.text, params.hex, params.modbus].filter((p) => p !== undefined).length;
  if (given !== 1) return new CxpError('INVALID_PARAMS', 'give exactly one of text, hex or modbus');
  const modbusPort = target.config.protocol === 'modbus_rtu';
  if (modbusPort !== (params.modbus !== undefined))
    return new CxpError(
      'INVALID_PARAMS',
      modbusPort
        ? `port ${target.id} speaks Modbus RTU: give params.modbus`
        : `port ${target.id} is a byte stream: give text or hex`,
    );
  const guards = services.cxp.guards();
  if (!write.actuator && guards.length === 0) return undefined;
  const verdict = checkGuards(guards, request, principal);
  return verdict.allow
    ? undefined
    : new CxpError(
        verdict.code,
        verdict.message,
        verdict.details === undefined ? {} : { details: verdict.details },
      );
}

function buildExchange(
  config: SerialBridgeConfig,
  params: WriteParams,
): Result<{ exchange: Exchange<unknown>; replyKey: 'reply' | 'response' }> {
  const timeoutMs = params.timeout_ms ?? config.write.reply_timeout_ms;
  if (params.modbus) {
    const request = modbusRequest(params.modbus, config.modbus?.unit ?? 1);
    const bytes = encodeRequest(request);
    if (!bytes.ok) return bytes;
    const exchange: Exchange<unknown> = {
      bytes: bytes.value,
      timeoutMs,
      retries: 0,
      counted: true,
      what: `serial.write ${request.kind}`,
      ...(request.unit === 0 ? {} : { reader: modbusReader(request) }),
    };
    return ok({ exchange, replyKey: 'response' });
  }
  const bytes =
    params.text !== undefined
      ? Buffer.from(params.text, 'utf8')
      : Buffer.from((params.hex ?? '').replace(/[ :]/g, ''), 'hex');
  if (bytes.length > config.write.max_bytes)
    return fail('INVALID_PARAMS', `${bytes.length} bytes exceed write.max_bytes ${config.write.max_bytes}`);
  let reader: ReplyReader<FrameReply> | undefined;
  if (params.expect_reply === true || params.reply_pattern !== undefined) {
    const pattern = replyPattern(params.reply_pattern);
    if (!pattern.ok) return pattern;
    reader = frameReader(pattern.value);
  }
  return ok({
    exchange: {
      bytes,
      timeoutMs,
      retries: 0,
      counted: true,
      what: 'serial.write',
      ...(reader ? { reader: reader } : {}),
    },
    replyKey: 'reply',
  });
}

function modbusRequest(m: NonNullable<WriteParams['modbus']>, defaultUnit: number): RtuRequest {
  const unit = m.unit ?? defaultUnit;
  switch (m.function) {
    case 'write_single_coil':
      return { kind: m.function, unit, address: m.address, value: m.value === true || m.value === 1 };
    case 'write_single_register':
      return {
        kind: m.function,
        unit,
        address: m.address,
        value: typeof m.value === 'number' ? m.value : -1,
      };
    case 'write_multiple_registers':
      return { kind: m.function, unit, address: m.address, values: m.values ?? [] };
    default:
      return { kind: m.function, unit, address: m.address, quantity: m.quantity ?? 1 };
  }
}

function replyPattern(source: string | undefined): Result<RegExp | undefined> {
  if (source === undefined) return ok(undefined);
  const scan = scanRegex(source);
  if (scan.problem !== undefined) return fail('INVALID_PARAMS', `reply_pattern: ${scan.problem}`);
  try {
    return ok(new RegExp(source));
  } catch (err) {
    return fail('INVALID_PARAMS', `reply_pattern: ${(err as Error).message}`);
  }
}

/** The first frame after the write (matching the pattern when one is given) is the reply. */
function frameReader(pattern: RegExp | undefined): ReplyReader<FrameReply> {
  return {
    take(frame) {
      const text = frame.toString('utf8');
      if (pattern && !pattern.test(text)) return undefined;
      return ok({ text, hex: frame.toString('hex') });
    },
    reset() {
      /* frames are whole: nothing partial to forget */
    },
  };
}
