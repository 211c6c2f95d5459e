import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { encodeValue, encodingForContentType, parseBytes } from './codec.js';
import { checkDataModel, jsonEqual, utf8Length } from './data-model.js';
import { CxpError } from './errors.js';

const raw = new Packr({ useRecords: false });
const enc = new TextEncoder();

function codeOf(result: ReturnType<typeof parseBytes>): string | undefined {
  return result.ok ? undefined : result.error.code;
}

describe('parseBytes', () => {
  it('parses JSON from bytes and strings, and MessagePack from bytes', () => {
    expect(parseBytes(enc.encode('{"a":[1,"x",null,true]}'), 'json')).toEqual({
      ok: true,
      value: { a: [1, 'x', null, true] },
    });
    expect(parseBytes('{"a":1}', 'json')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseBytes(raw.pack({ a: 1.5 }), 'msgpack')).toEqual({ ok: true, value: { a: 1.5 } });
  });

  it('refuses oversize input before parsing', () => {
    const r = parseBytes('{"a":"' + 'x'.repeat(100) + '"}', 'json', { maxBytes: 50 });
    expect(codeOf(r)).toBe('MESSAGE_TOO_LARGE');
    expect(codeOf(parseBytes('"' + 'é'.repeat(30) + '"', 'json', { maxBytes: 40 }))).toBe(
      'MESSAGE_TOO_LARGE',
    );
    expect(codeOf(parseBytes(new Uint8Array(41), 'msgpack', { maxBytes: 40 }))).toBe('MESSAGE_TOO_LARGE');
  });

  it.each([
    ['invalid JSON', enc.encode('{"a":'), 'json'],
    ['invalid UTF-8', new Uint8Array([0x22, 0xff, 0x22]), 'json'],
    ['empty MessagePack', new Uint8Array(0), 'msgpack'],
    ['truncated MessagePack', new Uint8Array([0x92, 0x01]), 'msgpack'],
    ['trailing MessagePack bytes', new Uint8Array([0x01, 0x02]), 'msgpack'],
    ['MessagePack binary', raw.pack({ b: new Uint8Array([1, 2]) }), 'msgpack'],
    ['MessagePack timestamp', raw.pack({ t: new Date(0) }), 'msgpack'],
    ['MessagePack NaN', raw.pack({ n: NaN }), 'msgpack'],
    ['MessagePack never-used byte', new Uint8Array([0xc1]), 'msgpack'],
    ['lone surrogate', enc.encode('{"s":"\\ud800"}'), 'json'],
    ['__proto__ key', enc.encode('{"__proto__":{"x":1}}'), 'json'],
    ['deep nesting', enc.encode('['.repeat(100) + ']'.repeat(100)), 'json'],
  ] as const)('rejects %s as MALFORMED_MESSAGE', (_name, bytes, encoding) => {
    const r = parseBytes(bytes, encoding);
    expect(codeOf(r)).toBe('MALFORMED_MESSAGE');
  });

  it('rejects MessagePack handed over as a string', () => {
    expect(codeOf(parseBytes('x', 'msgpack'))).toBe('MALFORMED_MESSAGE');
  });

  it('normalises -0 so both encodings agree', () => {
    const r = parseBytes(raw.pack({ z: -0, a: [-0] }), 'msgpack');
    expect(r.ok && Object.is((r.value as { z: number }).z, 0)).toBe(true);
  });
});

describe('encodeValue', () => {
  it('round-trips through both encodings', () => {
    const v = { a: [1, 2.5, 'ü', null], b: { c: true } };
    for (const e of ['json', 'msgpack'] as const) {
      expect(parseBytes(encodeValue(v, e), e)).toEqual({ ok: true, value: v });
    }
  });

  it('throws a coded error for values outside the data model', () => {
    expect(() => encodeValue({ n: Infinity }, 'json')).toThrow(CxpError);
    expect(() => encodeValue({ u: undefined }, 'msgpack')).toThrow(/not JSON data/);
  });
});

describe('content types', () => {
  it.each([
    [undefined, 'json'],
    ['', 'json'],
    ['application/json; charset=utf-8', 'json'],
    ['application/msgpack', 'msgpack'],
    ['application/x-msgpack', 'msgpack'],
    ['application/vnd.msgpack', 'msgpack'],
  ])('%s -> %s', (ct, encoding) => {
    expect(encodingForContentType(ct)).toEqual({ ok: true, value: encoding });
  });

  it('rejects other content types', () => {
    const r = encodingForContentType('text/xml');
    expect(r.ok ? undefined : r.error.code).toBe('UNSUPPORTED_ENCODING');
  });
});

describe('data model helpers', () => {
  it('accepts null-prototype objects and rejects functions and bigints', () => {
    expect(checkDataModel(Object.create(null))).toBeUndefined();
    expect(checkDataModel({ f: () => 1 })?.path).toBe('/f');
    expect(checkDataModel([1n])?.path).toBe('/0');
    expect(checkDataModel({ 'a/b~c': NaN })?.path).toBe('/a~1b~0c');
    expect(checkDataModel({ ['\ud800']: 1 })?.message).toMatch(/well-formed/);
  });

  it('compares JSON values deeply', () => {
    expect(jsonEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBe(true);
    expect(jsonEqual({ a: 1 }, { b: 1 })).toBe(false);
    expect(jsonEqual([1], { 0: 1 })).toBe(false);
    expect(jsonEqual({ 0: 1 }, [1])).toBe(false);
    expect(jsonEqual([1, 2], [1])).toBe(false);
    expect(jsonEqual(1, '1')).toBe(false);
  });

  it('measures UTF-8 length', () => {
    for (const s of ['abc', 'é', '€', '😀', '\ud800x']) {
      expect(utf8Length(s)).toBe(enc.encode(s).byteLength);
    }
  });
});
