import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appendCrc, crc16Modbus, hasValidCrc } from './crc.js';

/** Independent bit-at-a-time CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF) to check the table. */
function bitwiseCrc(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

const hex = (s: string): Uint8Array => Uint8Array.from(s.split(' ').map((h) => parseInt(h, 16)));

describe('crc16Modbus', () => {
  const vectors: [string, number][] = [
    ['01 03 00 00 00 0a', 0xcdc5],
    ['11 03 00 6b 00 03', 0x8776],
    ['01 06 00 01 00 03', 0x0b98],
    ['11 83 02', 0x34c1],
  ];

  it.each(vectors)('%s has CRC 0x%s', (frame, expected) => {
    const bytes = hex(frame);
    expect(bitwiseCrc(bytes)).toBe(expected);
    expect(crc16Modbus(bytes)).toBe(expected);
  });

  it('gives the catalogue check value for "123456789"', () => {
    const bytes = new TextEncoder().encode('123456789');
    expect(bitwiseCrc(bytes)).toBe(0x4b37);
    expect(crc16Modbus(bytes)).toBe(0x4b37);
  });

  it('is 0xFFFF for no bytes and honours start/end', () => {
    expect(crc16Modbus(new Uint8Array(0))).toBe(0xffff);
    const bytes = hex('aa 01 03 00 00 00 0a bb');
    expect(crc16Modbus(bytes, 1, 7)).toBe(0xcdc5);
  });

  it('matches the bitwise implementation on random data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(crc16Modbus(bytes)).toBe(bitwiseCrc(bytes));
      }),
    );
  });
});

describe('appendCrc / hasValidCrc', () => {
  it('appends the CRC low byte first', () => {
    expect(Array.from(appendCrc(hex('01 03 00 00 00 0a')))).toEqual([1, 3, 0, 0, 0, 10, 0xc5, 0xcd]);
  });

  it('accepts its own frames and rejects any single-bit error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 254 }), fc.nat(), (body, flip) => {
        const framed = appendCrc(body);
        expect(hasValidCrc(framed)).toBe(true);
        const bit = flip % (framed.length * 8);
        framed[bit >>> 3] = (framed[bit >>> 3] ?? 0) ^ (1 << (bit & 7));
        expect(hasValidCrc(framed)).toBe(false);
      }),
    );
  });

  it('rejects frames shorter than three bytes', () => {
    expect(hasValidCrc(hex('ff ff'))).toBe(false);
    expect(hasValidCrc(new Uint8Array(0))).toBe(false);
  });
});
