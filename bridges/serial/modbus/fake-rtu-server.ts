import { appendCrc, hasValidCrc } from './crc.js';
import { EXCEPTION_FLAG } from './rtu-exceptions.js';

/**
 * A scriptable Modbus RTU server in memory, for tests of the codec and the serial bridge: it answers
 * request frames from four 65536-entry tables. Pure; no timing (the caller delivers the bytes).
 */

export interface FakeRtuServerOptions {
  unit: number;
  /** Return an exception code to answer with instead of a normal response. */
  exceptionFor?: (functionCode: number, address: number) => number | undefined;
}

const READ_BITS = new Set([0x01, 0x02]);
const READ_REGISTERS = new Set([0x03, 0x04]);

export class FakeRtuServer {
  readonly unit: number;
  readonly coils = new Uint8Array(0x10000);
  readonly discreteInputs = new Uint8Array(0x10000);
  readonly holdingRegisters = new Uint16Array(0x10000);
  readonly inputRegisters = new Uint16Array(0x10000);
  readonly #exceptionFor: FakeRtuServerOptions['exceptionFor'];

  constructor(options: FakeRtuServerOptions) {
    this.unit = options.unit;
    this.#exceptionFor = options.exceptionFor;
  }

  /** The response frame to a request frame; `undefined` for a broadcast, another unit or a bad CRC. */
  respond(frame: Uint8Array): Uint8Array | undefined {
    if (frame.length < 4 || !hasValidCrc(frame)) return undefined;
    const unit = frame[0] ?? 0;
    const fn = frame[1] ?? 0;
    if (unit !== this.unit && unit !== 0) return undefined;
    const address = word(frame, 2);
    const exception = this.#exceptionFor?.(fn, address) ?? this.#unsupported(fn);
    const pdu = exception === undefined ? this.#apply(fn, address, frame) : [fn | EXCEPTION_FLAG, exception];
    return unit === 0 ? undefined : appendCrc(Uint8Array.from([unit, ...pdu]));
  }

  #unsupported(fn: number): number | undefined {
    return READ_BITS.has(fn) || READ_REGISTERS.has(fn) || fn === 0x05 || fn === 0x06 || fn === 0x10
      ? undefined
      : 1;
  }

  #apply(fn: number, address: number, frame: Uint8Array): number[] {
    const quantity = word(frame, 4);
    if (READ_BITS.has(fn))
      return [fn, ...this.#readBits(fn === 0x01 ? this.coils : this.discreteInputs, address, quantity)];
    if (READ_REGISTERS.has(fn)) {
      const table = fn === 0x03 ? this.holdingRegisters : this.inputRegisters;
      const data = Array.from(table.subarray(address, address + quantity)).flatMap(bytesOf);
      return [fn, data.length, ...data];
    }
    if (fn === 0x05) this.coils[address] = quantity === 0xff00 ? 1 : 0;
    if (fn === 0x06) this.holdingRegisters[address] = quantity;
    if (fn === 0x10) {
      for (let i = 0; i < quantity; i++) this.holdingRegisters[address + i] = word(frame, 7 + 2 * i);
    }
    return Array.from(frame.subarray(1, 6));
  }

  #readBits(table: Uint8Array, address: number, quantity: number): number[] {
    const data = new Array<number>(Math.ceil(quantity / 8)).fill(0);
    for (let i = 0; i < quantity; i++) {
      if (table[address + i] === 1) data[i >>> 3] = (data[i >>> 3] ?? 0) | (1 << (i & 7));
    }
    return [data.length, ...data];
  }
}

function word(frame: Uint8Array, at: number): number {
  return ((frame[at] ?? 0) << 8) | (frame[at + 1] ?? 0);
}

function bytesOf(value: number): number[] {
  return [value >>> 8, value & 0xff];
}
