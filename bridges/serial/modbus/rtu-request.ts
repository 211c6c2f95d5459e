import { fail, ok, type Result } from '../../../src/cxp/errors.js';
import { appendCrc } from './crc.js';

/** Modbus RTU requests: the seven functions the serial bridge polls and writes with. Pure. */

export type ReadBitsKind = 'read_coils' | 'read_discrete_inputs';
export type ReadRegistersKind = 'read_holding_registers' | 'read_input_registers';
export type ReadKind = ReadBitsKind | ReadRegistersKind;

export interface ReadRequest {
  kind: ReadKind;
  /** Server address 1..247 (reads are never broadcast). */
  unit: number;
  /** Zero-based protocol address 0..65535 of the first item. */
  address: number;
  /** Items to read: 1..2000 coils or inputs, 1..125 registers. */
  quantity: number;
}

export interface WriteSingleCoilRequest {
  kind: 'write_single_coil';
  /** Server address 1..247, or 0 to broadcast (no response). */
  unit: number;
  address: number;
  value: boolean;
}

export interface WriteSingleRegisterRequest {
  kind: 'write_single_register';
  unit: number;
  address: number;
  /** 0..65535. */
  value: number;
}

export interface WriteMultipleRegistersRequest {
  kind: 'write_multiple_registers';
  unit: number;
  address: number;
  /** 1..123 register values, each 0..65535. */
  values: readonly number[];
}

export type RtuRequest =
  ReadRequest | WriteSingleCoilRequest | WriteSingleRegisterRequest | WriteMultipleRegistersRequest;

export type RtuRequestKind = RtuRequest['kind'];

export const FUNCTION_CODES = {
  read_coils: 0x01,
  read_discrete_inputs: 0x02,
  read_holding_registers: 0x03,
  read_input_registers: 0x04,
  write_single_coil: 0x05,
  write_single_register: 0x06,
  write_multiple_registers: 0x10,
} as const satisfies Record<RtuRequestKind, number>;

/** Limits from the Modbus application protocol and the serial line specification. */
export const RTU_LIMITS = {
  /** An RTU frame (address, PDU, CRC) is at most this many bytes. */
  maxFrame: 256,
  maxUnit: 247,
  broadcastUnit: 0,
  maxReadBits: 2000,
  maxReadRegisters: 125,
  maxWriteRegisters: 123,
} as const;

/** Unit, function, exception code and CRC. */
export const EXCEPTION_RESPONSE_LENGTH = 5;

const COIL_ON = 0xff00;

interface Issue {
  path: string;
  message: string;
}

export function isReadKind(kind: RtuRequestKind): kind is ReadKind {
  return kind.startsWith('read_');
}

export function isReadBitsKind(kind: RtuRequestKind): kind is ReadBitsKind {
  return kind === 'read_coils' || kind === 'read_discrete_inputs';
}

/** Checks a request against the protocol limits, reporting every problem as INVALID_PARAMS. */
export function validateRequest(request: RtuRequest): Result<RtuRequest> {
  const issues: Issue[] = [];
  if (!Object.hasOwn(FUNCTION_CODES, request.kind)) {
    issues.push({ path: '/kind', message: 'not a supported Modbus request kind' });
    return invalid(issues);
  }
  const read = isReadKind(request.kind);
  checkInt(issues, '/unit', request.unit, read ? 1 : 0, RTU_LIMITS.maxUnit);
  checkInt(issues, '/address', request.address, 0, 0xffff);
  const span = requestSpan(request);
  const maxSpan = spanLimit(request.kind);
  if (checkInt(issues, read ? '/quantity' : '/values', span, 1, maxSpan)) {
    if (Number.isInteger(request.address) && request.address + span > 0x10000)
      issues.push({ path: '/address', message: 'address + quantity runs past 65535' });
  }
  checkValues(issues, request);
  return issues.length === 0 ? ok(request) : invalid(issues);
}

function invalid(issues: Issue[]): Result<RtuRequest> {
  const first = issues[0];
  const text = first === undefined ? 'invalid request' : `${first.path}: ${first.message}`;
  return fail('INVALID_PARAMS', `invalid Modbus request (${text})`, { details: { errors: issues } });
}

function requestSpan(request: RtuRequest): number {
  switch (request.kind) {
    case 'write_single_coil':
    case 'write_single_register':
      return 1;
    case 'write_multiple_registers':
      return Array.isArray(request.values) ? request.values.length : Number.NaN;
    default:
      return request.quantity;
  }
}

function spanLimit(kind: RtuRequestKind): number {
  if (isReadBitsKind(kind)) return RTU_LIMITS.maxReadBits;
  if (kind === 'write_multiple_registers') return RTU_LIMITS.maxWriteRegisters;
  return isReadKind(kind) ? RTU_LIMITS.maxReadRegisters : 1;
}

function checkValues(issues: Issue[], request: RtuRequest): void {
  if (request.kind === 'write_single_coil' && typeof request.value !== 'boolean')
    issues.push({ path: '/value', message: 'a coil value is true or false' });
  if (request.kind === 'write_single_register') checkInt(issues, '/value', request.value, 0, 0xffff);
  if (request.kind === 'write_multiple_registers' && Array.isArray(request.values)) {
    request.values.forEach((v, i) => checkInt(issues, `/values/${i}`, v, 0, 0xffff));
  }
}

function checkInt(issues: Issue[], path: string, value: unknown, min: number, max: number): boolean {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return true;
  issues.push({ path, message: `must be an integer in ${min}..${max}` });
  return false;
}

/** The bytes of a request frame, CRC included; INVALID_PARAMS when the request breaks a limit. */
export function encodeRequest(request: RtuRequest): Result<Uint8Array> {
  const valid = validateRequest(request);
  if (!valid.ok) return valid;
  const head = [request.unit, FUNCTION_CODES[request.kind], request.address >>> 8, request.address & 0xff];
  switch (request.kind) {
    case 'write_single_coil':
      return ok(frame([...head, ...word(request.value ? COIL_ON : 0)]));
    case 'write_single_register':
      return ok(frame([...head, ...word(request.value)]));
    case 'write_multiple_registers': {
      const n = request.values.length;
      return ok(frame([...head, ...word(n), n * 2, ...request.values.flatMap(word)]));
    }
    default:
      return ok(frame([...head, ...word(request.quantity)]));
  }
}

function word(value: number): number[] {
  return [(value >>> 8) & 0xff, value & 0xff];
}

function frame(bytes: number[]): Uint8Array {
  return appendCrc(Uint8Array.from(bytes));
}

/** The data byte count of a normal read response: packed bits or two bytes per register. */
export function expectedByteCount(request: ReadRequest): number {
  return isReadBitsKind(request.kind) ? Math.ceil(request.quantity / 8) : request.quantity * 2;
}

/**
 * The length in bytes of the normal response to a valid request (an exception response is always
 * EXCEPTION_RESPONSE_LENGTH). A broadcast gets no response: 0.
 */
export function expectedResponseLength(request: RtuRequest): number {
  if (request.unit === RTU_LIMITS.broadcastUnit) return 0;
  // Reads: unit, function, byte count, data, CRC. Writes echo unit, function, address, value, CRC.
  return isReadKind(request.kind) ? 5 + expectedByteCount(request as ReadRequest) : 8;
}

/** The coil value encoding of write single coil (0xFF00 on, 0x0000 off). */
export function coilWord(value: boolean): number {
  return value ? COIL_ON : 0;
}
