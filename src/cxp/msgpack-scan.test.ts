import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { invalidUtf8At, scanMsgpack } from './msgpack-scan.js';

const packr = new Packr({ useRecords: false, variableMapSize: true });
const scan = (bytes: Uint8Array | number[]) =>
  scanMsgpack(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), 64);

describe('scanMsgpack', () => {
  it('accepts everything msgpackr packs from JSON data, in every width', () => {
    const big = 'x'.repeat(70_000);
    const value = {
      ints: [0, 127, -1, -32, 200, -200, 40_000, -40_000, 5_000_000_000, -5_000_000_000],
      floats: [1.5, -2.25e300],
      flags: [true, false, null],
      s: ['é€😀', 'y'.repeat(40), 'z'.repeat(300), big],
      wide: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])),
      long: Array.from({ length: 70_000 }, () => 0),
    };
    expect(scan(packr.pack(value))).toBeUndefined();
    expect(
      scan(packr.pack(Object.fromEntries(Array.from({ length: 70_000 }, (_, i) => [`k${i}`, 1])))),
    ).toBeUndefined();
    expect(scan([0xca, 0, 0, 0, 0])).toBeUndefined();
  });

  it.each([
    ['invalid UTF-8 in a string', [0xa2, 0xff, 0x41], 'not valid UTF-8'],
    ['a lone surrogate encoded as UTF-8', [0xa3, 0xed, 0xa0, 0x80], 'not valid UTF-8'],
    ['a __proto__ key', [0x81, 0xa9, ...Buffer.from('__proto__'), 0x80], '__proto__'],
    ['an integer map key', [0x81, 0x01, 0x02], 'keys must be strings'],
    ['binary', [0xc4, 0x01, 0x00], 'binary'],
    ['an extension', [0xd4, 0x05, 0x01], 'extension'],
    ['the never-used byte', [0xc1], 'unused'],
    ['a truncated string', [0xa5, 0x41], 'past the end'],
    ['a truncated header', [0xcd, 0x01], 'unexpected end'],
    ['a truncated str8 header', [0xd9], 'unexpected end'],
    ['a container longer than the data', [0xdd, 0xff, 0xff, 0xff, 0xff], 'longer than the data'],
    ['a missing element', [0x92, 0x01], 'longer than the data'],
    ['a missing map value', [0x81, 0xa1, 0x61], 'unexpected end'],
    ['trailing bytes', [0x01, 0x02], 'after the end'],
  ])('rejects %s', (_name, bytes, message) => {
    expect(scan(bytes)?.message).toContain(message);
  });

  it('rejects nesting deeper than the limit before msgpackr recurses', () => {
    expect(scan(new Uint8Array(100_000).fill(0x91))?.message).toContain('nesting deeper than 64');
  });
});

describe('invalidUtf8At', () => {
  const at = (bytes: number[]) => invalidUtf8At(new Uint8Array(bytes), 0, bytes.length);
  it.each([
    [[0x41, 0xc3, 0xa9], undefined],
    [[0xe2, 0x82, 0xac], undefined],
    [[0xf0, 0x9f, 0x98, 0x80], undefined],
    [[0xf4, 0x8f, 0xbf, 0xbf], undefined],
    [[0xc0, 0x80], 0],
    [[0xe0, 0x80, 0x80], 0],
    [[0xed, 0xa0, 0x80], 0],
    [[0xf4, 0x90, 0x80, 0x80], 0],
    [[0xf5, 0x80, 0x80, 0x80], 0],
    [[0x41, 0xe2, 0x82], 1],
    [[0xe2, 0x28, 0xa1], 0],
    [[0xf0, 0x9f, 0x98, 0x41], 0],
  ])('%j -> %s', (bytes, expected) => {
    expect(at(bytes)).toBe(expected);
  });
});
