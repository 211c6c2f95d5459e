// Malformed input, raw fallbacks, limits and encoder validation.
import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  encodeMessage,
  encodeRequest,
  type IppAttribute,
  type IppMessageInput,
  type IppValue,
} from './codec.js';
import { dateTimeFromDate, dateTimeOffsetMinutes, dateTimeToDate } from './date-time.js';

const HEAD = '02000002 00000001';

function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ''), 'hex');
}

function field(tag: number, name: string, value: Buffer | string): string {
  const n = Buffer.from(name, 'latin1');
  const v = typeof value === 'string' ? Buffer.from(value, 'latin1') : value;
  const len = (k: number) => k.toString(16).padStart(4, '0');
  return (
    tag.toString(16).padStart(2, '0') + len(n.length) + n.toString('hex') + len(v.length) + v.toString('hex')
  );
}

function malformed(bytes: Buffer): { offset: number; reason: string } {
  const result = decodeMessage(bytes);
  expect(result.ok).toBe(false);
  if (result.ok) return { offset: -1, reason: '' };
  expect(result.error.code).toBe('MALFORMED_MESSAGE');
  return result.error.details as { offset: number; reason: string };
}

function single(bytes: Buffer): IppValue | undefined {
  const result = decodeMessage(bytes);
  if (!result.ok) throw result.error;
  return result.value.groups[0]?.attributes[0]?.values[0];
}

const empty = Buffer.alloc(0);
const END = field(0x37, '', empty);
const nested = (depth: number): string =>
  depth === 0
    ? field(0x21, '', hex('00000001'))
    : field(0x34, '', empty) + field(0x4a, '', 'm') + nested(depth - 1) + END;

describe('malformed input is a coded error with offset and reason', () => {
  it.each([
    ['empty input', '', 0, /truncated header/],
    ['no end-of-attributes-tag', `${HEAD} 01`, 9, /no end-of-attributes-tag/],
    ['attribute before a group', `${HEAD} ${field(0x44, 'a', 'b')} 03`, 8, /before the first group/],
    ['additional value first', `${HEAD} 01 ${field(0x44, '', 'b')} 03`, 9, /no attribute before it/],
    ['name-length over 32767', `${HEAD} 01 44 8000`, 10, /more than 32767/],
    ['value past the end', `${HEAD} 01 44 0001 61 0005 6162`, 15, /truncated value/],
    ['name outside US-ASCII', `${HEAD} 01 ${field(0x44, 'a\u00e9', 'b')} 03`, 9, /outside US-ASCII/],
    ['reserved delimiter 0x00', `${HEAD} 00 03`, 8, /reserved delimiter/],
    ['endCollection outside', `${HEAD} 01 ${field(0x44, 'a', 'b')} ${END} 03`, 16, /outside a collection/],
    ['memberAttrName outside', `${HEAD} 01 ${field(0x4a, 'a', 'b')} 03`, 9, /outside a collection/],
    ['begCollection with a value', `${HEAD} 01 ${field(0x34, 'c', 'x')} 03`, 9, /non-empty value/],
    ['no endCollection', `${HEAD} 01 ${field(0x34, 'c', empty)} 03`, 15, /delimiter tag inside a collection/],
    ['truncated collection', `${HEAD} 01 ${field(0x34, 'c', empty)}`, 15, /no endCollection/],
    [
      'value before memberAttrName',
      `${HEAD} 01 ${field(0x34, 'c', empty)} ${field(0x21, '', hex('00000001'))} ${END} 03`,
      15,
      /before memberAttrName/,
    ],
    [
      'member without a value',
      `${HEAD} 01 ${field(0x34, 'c', empty)} ${field(0x4a, '', 'm')} ${END} 03`,
      21,
      /member m has no value/,
    ],
    [
      'named field in a collection',
      `${HEAD} 01 ${field(0x34, 'c', empty)} ${field(0x4a, 'n', 'm')} ${END} 03`,
      15,
      /with a name/,
    ],
    [
      'empty member name',
      `${HEAD} 01 ${field(0x34, 'c', empty)} ${field(0x4a, '', empty)} ${END} 03`,
      15,
      /empty member name/,
    ],
  ])('%s', (_, layout, offset, reason) => {
    const details = malformed(hex(layout));
    expect(details.offset).toBe(offset);
    expect(details.reason).toMatch(reason);
  });

  it('collections 16 deep decode, 17 deep are refused', () => {
    const at = (depth: number) =>
      hex(`${HEAD} 01 ${field(0x34, 'c', empty)} ${field(0x4a, '', 'm')} ${nested(depth - 1)} ${END} 03`);
    expect(decodeMessage(at(16)).ok).toBe(true);
    expect(malformed(at(17)).reason).toMatch(/nested deeper than 16/);
    expect(decodeMessage(at(17), { maxDepth: 17 }).ok).toBe(true);
  });

  it('more than 10,000 attributes or the configured number of values are refused', () => {
    const many = (n: number) => hex(`${HEAD} 01 ${field(0x44, 'a', 'b').repeat(n)} 03`);
    expect(decodeMessage(many(10_000)).ok).toBe(true);
    expect(malformed(many(10_001)).reason).toMatch(/more than 10000 attributes/);
    const values = hex(`${HEAD} 01 ${field(0x44, 'a', 'b')} ${field(0x44, '', 'b').repeat(10)} 03`);
    expect(decodeMessage(values, { maxValues: 11 }).ok).toBe(true);
    expect(decodeMessage(values, { maxValues: 10 }).ok).toBe(false);
  });
});

describe('values whose bytes do not fit their tag stay raw and re-encode identically', () => {
  it.each([
    ['integer of 2 octets', 0x21, '0001'],
    ['enum 0', 0x23, '00000000'],
    ['boolean 2', 0x22, '02'],
    ['dateTime month 13', 0x31, '07e80d0f0e1e2d072b0100'],
    ['dateTime direction x', 0x31, '07e8030f0e1e2d07780100'],
    ['text that is not UTF-8', 0x41, 'c328'],
    ['keyword that is not UTF-8', 0x44, 'ff'],
    ['textWithLanguage with a bad inner length', 0x35, '0002656e0009'],
    ['out-of-band with content', 0x13, '00'],
    ['extension tag 0x7F', 0x7f, '0000123401'],
    ['unassigned tag 0x20', 0x20, 'abcd'],
    ['unassigned out-of-band 0x11', 0x11, ''],
  ])('%s', (_, tag, valueHex) => {
    const bytes = hex(`${HEAD} 04 ${field(tag, 'x-attr', hex(valueHex))} 03`);
    expect(single(bytes)).toEqual({ tag: 'raw', code: tag, value: hex(valueHex) });
    const decoded = decodeMessage(bytes);
    const again = decoded.ok ? encodeMessage(decoded.value) : decoded;
    expect(again.ok && again.value.equals(bytes)).toBe(true);
  });

  it('a byte-order mark in text is kept', () => {
    expect(single(hex(`${HEAD} 04 ${field(0x41, 't', hex('efbbbf61'))} 03`))).toEqual({
      tag: 'textWithoutLanguage',
      value: '\ufeffa',
    });
  });

  it('an unknown attribute and a reserved group delimiter pass through', () => {
    const bytes = hex(`${HEAD} 0b ${field(0x44, 'x-vendor-mode', 'turbo')} 03 cafe`);
    const result = decodeMessage(bytes);
    expect(result.ok && result.value.groups).toEqual([
      { tag: 0x0b, attributes: [{ name: 'x-vendor-mode', values: [{ tag: 'keyword', value: 'turbo' }] }] },
    ]);
    expect(result.ok && result.value.data.buffer).toBe(bytes.buffer);
    const again = result.ok ? encodeMessage(result.value) : result;
    expect(again.ok && again.value.equals(bytes)).toBe(true);
  });
});

describe('the encoder validates', () => {
  const attr = (values: IppValue[], name = 'x'): IppAttribute => ({ name, values });
  const message = (attribute: IppAttribute): IppMessageInput => ({
    code: 2,
    requestId: 1,
    groups: [{ tag: 'job', attributes: [attribute] }],
  });
  const text = (n: number): IppValue => ({ tag: 'textWithoutLanguage', value: 'a'.repeat(n) });

  it.each([
    [
      'a name over 32767',
      attr([{ tag: 'integer', value: 1 }], 'a'.repeat(32_768)),
      /name must be a string of 1..32767/,
    ],
    ['an empty name', attr([{ tag: 'integer', value: 1 }], ''), /name must be a string/],
    ['a name with a space', attr([{ tag: 'integer', value: 1 }], 'job name'), /outside printable US-ASCII/],
    ['a value over 32767 bytes', attr([text(32_768)]), /32768 bytes, more than 32767/],
    ['a value over 65535 bytes', attr([text(70_000)]), /more than 32767/],
    ['an attribute without values', attr([]), /at least one value/],
    ['integer 2^31', attr([{ tag: 'integer', value: 2 ** 31 }]), /integer must be an integer/],
    ['integer 1.5', attr([{ tag: 'integer', value: 1.5 }]), /integer must be an integer/],
    ['enum 0', attr([{ tag: 'enum', value: 0 }]), /enum must be an integer in 1\.\./],
    ['a lone surrogate', attr([{ tag: 'keyword', value: '\ud800' }]), /well-formed Unicode/],
    [
      'dateTime hour 24',
      attr([{ tag: 'dateTime', value: { ...dateTimeFromDate(new Date(0))!, hours: 24 } }]),
      /hours/,
    ],
    ['resolution units 300', attr([{ tag: 'resolution', value: { x: 1, y: 1, units: 300 } }]), /units/],
    ['raw begCollection', attr([{ tag: 'raw', code: 0x34, value: empty }]), /raw code/],
    ['an unknown tag', attr([{ tag: 'float', value: 1 } as unknown as IppValue]), /unknown value tag/],
  ])('refuses %s with INVALID_PARAMS', (_, attribute, reason) => {
    const result = encodeMessage(message(attribute));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe('INVALID_PARAMS');
    expect(!result.ok && result.error.message).toMatch(reason);
  });

  it('accepts a value of exactly 32767 bytes', () => {
    expect(encodeMessage(message(attr([text(32_767)]))).ok).toBe(true);
  });

  it('refuses collections deeper than 16 and a bad header', () => {
    let value: IppValue = { tag: 'integer', value: 1 };
    for (let i = 0; i < 17; i++) value = { tag: 'collection', value: [{ name: 'm', values: [value] }] };
    expect(encodeMessage(message(attr([value]))).ok).toBe(false);
    expect(encodeMessage({ ...message(attr([text(1)])), groups: [{ tag: 3, attributes: [] }] }).ok).toBe(
      false,
    );
    expect(encodeMessage({ ...message(attr([text(1)])), code: 0x10000 }).ok).toBe(false);
    expect(encodeRequest({ operation: 'Print-Everything' as never, requestId: 1, groups: [] }).ok).toBe(
      false,
    );
    expect(encodeRequest({ operation: 'Print-Job', requestId: 0, groups: [] }).ok).toBe(false);
  });

  it('applies the decoder limits, so that nothing it writes is refused on the way back', () => {
    const many = Array.from({ length: 4 }, (): IppAttribute => attr([{ tag: 'integer', value: 1 }]));
    const msg: IppMessageInput = { code: 2, requestId: 1, groups: [{ tag: 'job', attributes: many }] };
    expect(encodeMessage(msg, { maxAttributes: 4 }).ok).toBe(true);
    expect(!encodeMessage(msg, { maxAttributes: 3 }).ok && 'refused').toBe('refused');
    expect(encodeMessage(msg, { maxValues: 3 }).ok).toBe(false);
    expect(encodeMessage({ ...msg, data: 'text' as never }).ok).toBe(false);
  });

  it('IPP/1.1 and IPP/2.0 headers', () => {
    const v11 = encodeRequest({
      version: { major: 1, minor: 1 },
      operation: 'Cancel-Job',
      requestId: 258,
      groups: [],
    });
    expect(v11.ok && v11.value.toString('hex')).toBe('0101000800000102' + '03');
    const v20 = encodeRequest({ operation: 0x000b, requestId: 1, groups: [] });
    expect(v20.ok && v20.value.toString('hex')).toBe('0200000b00000001' + '03');
  });
});

describe('dateTime and Date', () => {
  it('keeps the offset: the same instant seen from +01:00 and -05:30', () => {
    const instant = new Date('2024-03-15T13:30:45.789Z');
    const plusOne = dateTimeFromDate(instant, 60)!;
    expect(plusOne).toMatchObject({ hours: 14, minutes: 30, deciSeconds: 7, utcDirection: '+', utcHours: 1 });
    const minus = dateTimeFromDate(instant, -330)!;
    expect(minus).toMatchObject({ hours: 8, minutes: 0, utcDirection: '-', utcHours: 5, utcMinutes: 30 });
    expect(dateTimeOffsetMinutes(minus)).toBe(-330);
    expect(dateTimeToDate(plusOne).toISOString()).toBe('2024-03-15T13:30:45.700Z');
    expect(dateTimeToDate(minus).toISOString()).toBe('2024-03-15T13:30:45.700Z');
  });

  it('years below 100 are not shifted to the 1900s; invalid input gives undefined', () => {
    const early = dateTimeFromDate(new Date('0050-01-01T00:00:00Z'))!;
    expect(early.year).toBe(50);
    expect(dateTimeToDate(early).toISOString()).toBe('0050-01-01T00:00:00.000Z');
    expect(dateTimeFromDate(new Date(NaN))).toBeUndefined();
    expect(dateTimeFromDate(new Date(0), 15 * 60)).toBeUndefined();
  });
});
