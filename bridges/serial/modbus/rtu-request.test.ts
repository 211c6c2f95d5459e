import { describe, expect, it } from 'vitest';
import {
  RTU_LIMITS,
  encodeRequest,
  expectedResponseLength,
  rtuTiming,
  silentIntervalMicros,
  validateRequest,
  type RtuRequest,
} from './rtu.js';

const hex = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');

function encoded(request: RtuRequest): string {
  const r = encodeRequest(request);
  if (!r.ok) throw r.error;
  return hex(r.value);
}

describe('encodeRequest', () => {
  // Hand-built frames: unit, function, big-endian fields, CRC low byte first.
  const cases: [string, RtuRequest, string][] = [
    [
      'read coils',
      { kind: 'read_coils', unit: 0x11, address: 0x13, quantity: 0x25 },
      '11 01 00 13 00 25 0e 84',
    ],
    [
      'read discrete inputs',
      { kind: 'read_discrete_inputs', unit: 0x11, address: 0xc4, quantity: 0x16 },
      '11 02 00 c4 00 16 ba a9',
    ],
    [
      'read holding registers',
      { kind: 'read_holding_registers', unit: 1, address: 0, quantity: 10 },
      '01 03 00 00 00 0a c5 cd',
    ],
    [
      'read input registers',
      { kind: 'read_input_registers', unit: 0x11, address: 8, quantity: 1 },
      '11 04 00 08 00 01 b2 98',
    ],
    [
      'write single coil on',
      { kind: 'write_single_coil', unit: 0x11, address: 0xac, value: true },
      '11 05 00 ac ff 00 4e 8b',
    ],
    [
      'write single coil off',
      { kind: 'write_single_coil', unit: 1, address: 2, value: false },
      '01 05 00 02 00 00 6c 0a',
    ],
    [
      'write single register',
      { kind: 'write_single_register', unit: 1, address: 1, value: 3 },
      '01 06 00 01 00 03 98 0b',
    ],
    [
      'broadcast write',
      { kind: 'write_single_register', unit: 0, address: 1, value: 3 },
      '00 06 00 01 00 03 99 da',
    ],
    [
      'write multiple registers',
      { kind: 'write_multiple_registers', unit: 0x11, address: 1, values: [0x000a, 0x0102] },
      '11 10 00 01 00 02 04 00 0a 01 02 c6 f0',
    ],
  ];

  it.each(cases)('%s', (_name, request, frame) => {
    expect(encoded(request)).toBe(frame);
  });

  it('accepts the limits exactly', () => {
    const ok = (r: RtuRequest): void => {
      expect(validateRequest(r).ok).toBe(true);
    };
    ok({ kind: 'read_coils', unit: 247, address: 0, quantity: 2000 });
    ok({ kind: 'read_holding_registers', unit: 1, address: 0xffff - 124, quantity: 125 });
    ok({
      kind: 'write_multiple_registers',
      unit: 0,
      address: 0,
      values: new Array<number>(123).fill(0xffff),
    });
    const max = encodeRequest({
      kind: 'write_multiple_registers',
      unit: 1,
      address: 0,
      values: new Array<number>(123).fill(1),
    });
    expect(max.ok && max.value.length).toBe(9 + 246);
  });

  const bad: [string, RtuRequest, string][] = [
    ['read from broadcast', { kind: 'read_holding_registers', unit: 0, address: 0, quantity: 1 }, '/unit'],
    ['unit 248', { kind: 'write_single_register', unit: 248, address: 0, value: 0 }, '/unit'],
    ['126 registers', { kind: 'read_input_registers', unit: 1, address: 0, quantity: 126 }, '/quantity'],
    ['2001 coils', { kind: 'read_coils', unit: 1, address: 0, quantity: 2001 }, '/quantity'],
    ['zero quantity', { kind: 'read_discrete_inputs', unit: 1, address: 0, quantity: 0 }, '/quantity'],
    ['past 65535', { kind: 'read_holding_registers', unit: 1, address: 0xfff0, quantity: 17 }, '/address'],
    ['fractional address', { kind: 'read_coils', unit: 1, address: 1.5, quantity: 1 }, '/address'],
    ['register value', { kind: 'write_single_register', unit: 1, address: 0, value: 0x10000 }, '/value'],
    [
      '124 values',
      { kind: 'write_multiple_registers', unit: 1, address: 0, values: new Array<number>(124).fill(0) },
      '/values',
    ],
    ['no values', { kind: 'write_multiple_registers', unit: 1, address: 0, values: [] }, '/values'],
    [
      'negative value',
      { kind: 'write_multiple_registers', unit: 1, address: 0, values: [1, -1] },
      '/values/1',
    ],
    [
      'coil not boolean',
      { kind: 'write_single_coil', unit: 1, address: 0, value: 1 as unknown as boolean },
      '/value',
    ],
    [
      'unknown kind',
      { kind: 'read_fifo', unit: 1, address: 0, quantity: 1 } as unknown as RtuRequest,
      '/kind',
    ],
  ];

  it.each(bad)('refuses %s as INVALID_PARAMS', (_name, request, path) => {
    const r = encodeRequest(request);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('INVALID_PARAMS');
    expect(r.error.details.errors).toContainEqual(expect.objectContaining({ path }));
  });
});

describe('expectedResponseLength', () => {
  it('follows function and quantity', () => {
    expect(expectedResponseLength({ kind: 'read_coils', unit: 1, address: 0, quantity: 1 })).toBe(6);
    expect(expectedResponseLength({ kind: 'read_coils', unit: 1, address: 0, quantity: 9 })).toBe(7);
    expect(
      expectedResponseLength({ kind: 'read_discrete_inputs', unit: 1, address: 0, quantity: 2000 }),
    ).toBe(255);
    expect(
      expectedResponseLength({ kind: 'read_holding_registers', unit: 1, address: 0, quantity: 125 }),
    ).toBe(255);
    expect(expectedResponseLength({ kind: 'read_input_registers', unit: 1, address: 0, quantity: 3 })).toBe(
      11,
    );
    expect(expectedResponseLength({ kind: 'write_single_coil', unit: 1, address: 0, value: true })).toBe(8);
    expect(
      expectedResponseLength({ kind: 'write_multiple_registers', unit: 1, address: 0, values: [1, 2] }),
    ).toBe(8);
    expect(expectedResponseLength({ kind: 'write_single_register', unit: 0, address: 0, value: 1 })).toBe(0);
    expect(RTU_LIMITS.maxFrame).toBe(256);
  });
});

describe('rtuTiming', () => {
  it('scales with the character time up to 19200 baud', () => {
    // 9600 8E1: 11 bits per character, 1145.83 us; t3.5 = 4010.4 us.
    const t = rtuTiming({ baudRate: 9600, parity: 'even', stopBits: 1 });
    expect(t.ok && t.value).toMatchObject({
      characterBits: 11,
      interCharacterMicros: 1719,
      silentIntervalMicros: 4011,
    });
    // 19200 8N1: 10 bits, 520.83 us per character.
    expect(silentIntervalMicros({ baudRate: 19200, parity: 'none', stopBits: 1 })).toEqual({
      ok: true,
      value: 1823,
    });
    expect(silentIntervalMicros({ baudRate: 9600, parity: 'none', stopBits: 2, dataBits: 7 })).toEqual({
      ok: true,
      value: 3646,
    });
  });

  it('uses the fixed 750 us / 1750 us above 19200 baud', () => {
    const t = rtuTiming({ baudRate: 115200, parity: 'none', stopBits: 1 });
    expect(t.ok && t.value).toMatchObject({ interCharacterMicros: 750, silentIntervalMicros: 1750 });
  });

  it('refuses impossible formats without throwing', () => {
    for (const baudRate of [0, -9600, Number.NaN, Infinity]) {
      const r = silentIntervalMicros({ baudRate, parity: 'none', stopBits: 1 });
      expect(r.ok || r.error.code).toBe('INVALID_PARAMS');
    }
    const r = rtuTiming({ baudRate: 9600, parity: 'mark' as 'none', stopBits: 3 as 1 });
    expect(r.ok).toBe(false);
  });
});
