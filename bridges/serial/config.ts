import { Type, type Static } from '@sinclair/typebox';
import { literalUnion } from '../../src/cxp/schema/common.js';
import { DecodeConfig, SignalRule } from './decode-config.js';
import { FramingConfig } from './framing-config.js';
import { RegisterEntrySchema } from './modbus/registers-schema.js';
import { PortSelectorConfig } from './port-resolve.js';

/**
 * Config of one serial port (`bridges: [{kind: serial, ...}]`): where the port is, its line
 * settings, and either a byte stream cut into frames and decoded (`protocol: stream`) or Modbus RTU
 * polling (`protocol: modbus_rtu`). Its `id` is the target of `serial.write`, the `{port}` of ref
 * templates, and names its status entry `resources/serial/<id>`.
 */

const closed = { additionalProperties: false } as const;
const ms = (min: number, max: number, dflt: number, description: string) =>
  Type.Integer({ minimum: min, maximum: max, default: dflt, description });

const BitEntry = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_.-]{0,63}$' }),
    offset: Type.Integer({ minimum: 0, maximum: 1999, description: 'Bit index within the polled block.' }),
  },
  closed,
);

export const ModbusPoll = Type.Object(
  {
    name: Type.String({
      pattern: '^[A-Za-z0-9_.-]{1,64}$',
      description: 'Names the poll in logs and metrics.',
    }),
    function: literalUnion(
      ['read_holding_registers', 'read_input_registers', 'read_coils', 'read_discrete_inputs'] as const,
      { description: 'Modbus function 3, 4, 1 or 2.' },
    ),
    unit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 247, description: 'Server address; default modbus.unit.' }),
    ),
    address: Type.Integer({ minimum: 0, maximum: 65_535, description: 'Zero-based first item.' }),
    quantity: Type.Integer({
      minimum: 1,
      maximum: 2000,
      description: 'Items read: 1..125 registers, 1..2000 bits.',
    }),
    every_ms: ms(10, 3_600_000, 1000, 'Poll period.'),
    registers: Type.Array(RegisterEntrySchema, {
      default: [],
      maxItems: 512,
      description: 'Register reads: typed values at offsets within the block.',
    }),
    bits: Type.Array(BitEntry, {
      default: [],
      maxItems: 2000,
      description: 'Coil and discrete input reads: named bits at offsets within the block.',
    }),
    signals: Type.Array(SignalRule, {
      minItems: 1,
      maxItems: 256,
      description: 'Context signals from the named values (field = register or bit name).',
    }),
  },
  closed,
);
export type ModbusPoll = Static<typeof ModbusPoll>;

export const ModbusConfig = Type.Object(
  {
    unit: Type.Integer({ minimum: 1, maximum: 247, default: 1, description: 'Default server address.' }),
    response_timeout_ms: ms(10, 60_000, 500, 'Time allowed for a response to start and complete.'),
    retries: Type.Integer({
      minimum: 0,
      maximum: 5,
      default: 1,
      description: 'Repeats of a request that timed out or came back corrupt.',
    }),
    polls: Type.Array(ModbusPoll, { default: [], maxItems: 64 }),
  },
  closed,
);
export type ModbusConfig = Static<typeof ModbusConfig>;

export const SerialBridgeConfig = Type.Object(
  {
    kind: Type.Literal('serial'),
    id: Type.String({
      pattern: '^[A-Za-z0-9_.-]{1,64}$',
      description: 'Port id: target of serial.write, {port} in ref templates.',
    }),
    port: PortSelectorConfig,
    baud_rate: Type.Integer({ minimum: 50, maximum: 4_000_000, default: 9600 }),
    data_bits: Type.Union([Type.Literal(5), Type.Literal(6), Type.Literal(7), Type.Literal(8)], {
      default: 8,
    }),
    parity: literalUnion(['none', 'even', 'odd', 'mark', 'space'] as const, { default: 'none' }),
    stop_bits: Type.Union([Type.Literal(1), Type.Literal(1.5), Type.Literal(2)], { default: 1 }),
    rs485: Type.Optional(
      Type.Object(
        {
          rts_on_send: Type.Boolean({ default: true, description: 'RTS level while sending.' }),
          rts_after_send: Type.Boolean({ default: false, description: 'RTS level after sending.' }),
          delay_before_send_ms: Type.Integer({ minimum: 0, maximum: 1000, default: 0 }),
          delay_after_send_ms: Type.Integer({ minimum: 0, maximum: 1000, default: 0 }),
        },
        {
          ...closed,
          description:
            'Kernel RS-485 mode (TIOCSRS485) for adapters whose driver switches the transceiver by RTS.',
        },
      ),
    ),
    reconnect: Type.Object(
      {
        initial_ms: ms(10, 600_000, 500, 'First reopen delay after the port failed to open or went away.'),
        max_ms: ms(10, 3_600_000, 10_000, 'Longest reopen delay.'),
      },
      { ...closed, default: {} },
    ),
    protocol: literalUnion(['stream', 'modbus_rtu'] as const, {
      default: 'stream',
      description: 'stream: frames decoded by rules; modbus_rtu: the gateway polls a Modbus server.',
    }),
    framing: Type.Optional(FramingConfig),
    decode: Type.Optional(DecodeConfig),
    modbus: Type.Optional(ModbusConfig),
    liveness: Type.Object(
      {
        expect_every_ms: Type.Optional(
          Type.Integer({
            minimum: 10,
            maximum: 86_400_000,
            description:
              'The device sends (or answers a poll) at least this often; longer silence is DEVICE_SILENT. Default: unchecked for stream ports, 3 poll periods plus the response timeout for Modbus.',
          }),
        ),
        error_burst: Type.Object(
          {
            count: Type.Integer({ minimum: 1, maximum: 100_000, default: 10 }),
            window_ms: ms(100, 3_600_000, 10_000, 'Frame or decode errors within this window.'),
          },
          {
            ...closed,
            default: {},
            description: 'This many errors within the window make the port noisy (DEVICE_NOISY).',
          },
        ),
      },
      { ...closed, default: {} },
    ),
    write: Type.Object(
      {
        enabled: Type.Boolean({ default: false, description: 'Whether serial.write may send to this port.' }),
        actuator: Type.Boolean({
          default: true,
          description:
            'The device moves or switches something (a controller, a relay): serial.write needs a safety guard that allows it and is refused while none is configured (fail closed). false for scales and scanners: allowed unless a configured guard refuses.',
        }),
        max_bytes: Type.Integer({ minimum: 1, maximum: 65_536, default: 1024 }),
        reply_timeout_ms: ms(1, 60_000, 1000, 'Default wait for an expected reply.'),
        queue_capacity: Type.Integer({
          minimum: 1,
          maximum: 1000,
          default: 16,
          description: 'Writes waiting per port; more are refused with DEVICE_BUSY.',
        }),
      },
      { ...closed, default: {} },
    ),
  },
  closed,
);
export type SerialBridgeConfig = Static<typeof SerialBridgeConfig>;
