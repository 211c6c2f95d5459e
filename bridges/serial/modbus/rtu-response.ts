import { fail, ok, type Result } from '../../../src/cxp/errors.js';
import { hexExcerpt } from './hex.js';
import {
  coilWord,
  type ReadBitsKind,
  type ReadRegistersKind,
  type ReadRequest,
  type RtuRequest,
  type WriteMultipleRegistersRequest,
  type WriteSingleCoilRequest,
  type WriteSingleRegisterRequest,
} from './rtu-request.js';

/** Decoding of complete, CRC-checked normal responses: one handler per function. Pure. */

export interface ReadBitsResponse {
  kind: ReadBitsKind;
  unit: number;
  address: number;
  /** One entry per requested coil or input, in address order. */
  bits: boolean[];
}

export interface ReadRegistersResponse {
  kind: ReadRegistersKind;
  unit: number;
  address: number;
  /** One unsigned 16-bit value per requested register, in address order. */
  registers: number[];
}

export interface WriteSingleCoilResponse {
  kind: 'write_single_coil';
  unit: number;
  address: number;
  value: boolean;
}

export interface WriteSingleRegisterResponse {
  kind: 'write_single_register';
  unit: number;
  address: number;
  value: number;
}

export interface WriteMultipleRegistersResponse {
  kind: 'write_multiple_registers';
  unit: number;
  address: number;
  quantity: number;
}

export type RtuResponse =
  | ReadBitsResponse
  | ReadRegistersResponse
  | WriteSingleCoilResponse
  | WriteSingleRegisterResponse
  | WriteMultipleRegistersResponse;

/** A complete frame: `bytes[start..end)` holds unit, function, data and a CRC already checked. */
export interface FrameView {
  bytes: Uint8Array;
  start: number;
  end: number;
}

function u16(view: FrameView, at: number): number {
  return ((view.bytes[view.start + at] ?? 0) << 8) | (view.bytes[view.start + at + 1] ?? 0);
}

function byteAt(view: FrameView, at: number): number {
  return view.bytes[view.start + at] ?? 0;
}

function echoMismatch<T>(view: FrameView, what: string): Result<T> {
  return fail('MALFORMED_MESSAGE', `the write response does not echo the request (${what})`, {
    details: { hex: hexExcerpt(view.bytes, view.start, view.end) },
  });
}

function decodeReadBits(request: ReadRequest, kind: ReadBitsKind, view: FrameView): Result<RtuResponse> {
  const bits: boolean[] = [];
  for (let i = 0; i < request.quantity; i++) bits.push(((byteAt(view, 3 + (i >>> 3)) >>> (i & 7)) & 1) === 1);
  return ok({ kind, unit: request.unit, address: request.address, bits });
}

function decodeReadRegisters(
  request: ReadRequest,
  kind: ReadRegistersKind,
  view: FrameView,
): Result<RtuResponse> {
  const registers: number[] = [];
  for (let i = 0; i < request.quantity; i++) registers.push(u16(view, 3 + 2 * i));
  return ok({ kind, unit: request.unit, address: request.address, registers });
}

function decodeWriteSingleCoil(request: WriteSingleCoilRequest, view: FrameView): Result<RtuResponse> {
  const address = u16(view, 2);
  const word = u16(view, 4);
  if (address !== request.address) return echoMismatch(view, `address ${address}`);
  if (word !== coilWord(request.value)) return echoMismatch(view, `coil value 0x${word.toString(16)}`);
  return ok({ kind: request.kind, unit: request.unit, address, value: request.value });
}

function decodeWriteSingleRegister(
  request: WriteSingleRegisterRequest,
  view: FrameView,
): Result<RtuResponse> {
  const address = u16(view, 2);
  const value = u16(view, 4);
  if (address !== request.address) return echoMismatch(view, `address ${address}`);
  if (value !== request.value) return echoMismatch(view, `value ${value}`);
  return ok({ kind: request.kind, unit: request.unit, address, value });
}

function decodeWriteMultiple(request: WriteMultipleRegistersRequest, view: FrameView): Result<RtuResponse> {
  const address = u16(view, 2);
  const quantity = u16(view, 4);
  if (address !== request.address) return echoMismatch(view, `address ${address}`);
  if (quantity !== request.values.length) return echoMismatch(view, `quantity ${quantity}`);
  return ok({ kind: request.kind, unit: request.unit, address, quantity });
}

/**
 * Decodes a normal response whose unit, function, length, byte count and CRC already match `request`;
 * write responses must echo the request (MALFORMED_MESSAGE otherwise).
 */
export function decodeResponse(request: RtuRequest, view: FrameView): Result<RtuResponse> {
  switch (request.kind) {
    case 'read_coils':
    case 'read_discrete_inputs':
      return decodeReadBits(request, request.kind, view);
    case 'read_holding_registers':
    case 'read_input_registers':
      return decodeReadRegisters(request, request.kind, view);
    case 'write_single_coil':
      return decodeWriteSingleCoil(request, view);
    case 'write_single_register':
      return decodeWriteSingleRegister(request, view);
    case 'write_multiple_registers':
      return decodeWriteMultiple(request, view);
  }
}
