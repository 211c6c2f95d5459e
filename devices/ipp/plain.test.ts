import { describe, expect, it } from 'vitest';
import {
  buildAttributes,
  buildRequest,
  encodeMessage,
  toPlain,
  type IppAttribute,
  type PlainAttributes,
} from './codec.js';

function built(plain: PlainAttributes): IppAttribute[] {
  const result = buildAttributes(plain);
  if (!result.ok) throw result.error;
  return result.value;
}

function refused(plain: PlainAttributes): string {
  const result = buildAttributes(plain);
  expect(result.ok).toBe(false);
  if (result.ok) return '';
  expect(result.error.code).toBe('INVALID_PARAMS');
  return result.error.message;
}

describe('buildAttributes picks the tag from the registry', () => {
  it('name, keyword, enum, integer, boolean, uri, mimeMediaType', () => {
    const attrs = built({
      'job-name': 'x',
      media: 'iso_a4_210x297mm',
      'print-quality': 'high',
      'orientation-requested': 4,
      copies: 3,
      'ipp-attribute-fidelity': true,
      'printer-uri': 'ipp://p/ipp/print',
      'document-format': 'application/pdf',
      'job-state': 'completed',
    });
    expect(attrs.map((a) => [a.name, a.values[0]])).toEqual([
      ['job-name', { tag: 'nameWithoutLanguage', value: 'x' }],
      ['media', { tag: 'keyword', value: 'iso_a4_210x297mm' }],
      ['print-quality', { tag: 'enum', value: 5 }],
      ['orientation-requested', { tag: 'enum', value: 4 }],
      ['copies', { tag: 'integer', value: 3 }],
      ['ipp-attribute-fidelity', { tag: 'boolean', value: true }],
      ['printer-uri', { tag: 'uri', value: 'ipp://p/ipp/print' }],
      ['document-format', { tag: 'mimeMediaType', value: 'application/pdf' }],
      ['job-state', { tag: 'enum', value: 9 }],
    ]);
  });

  it('resolution, range, dateTime, octetString, text and name with language', () => {
    const attrs = built({
      'printer-resolution': { x: 600, y: 600, units: 'dpi' },
      'page-ranges': [
        { lower: 1, upper: 3 },
        { lower: 7, upper: 7 },
      ],
      'printer-current-time': new Date('2024-03-15T13:30:45.789Z'),
      'document-password': Buffer.from('secret'),
      'job-name': { language: 'fr', text: 'été' },
      'printer-info': { language: 'de', text: 'Halle' },
    });
    expect(attrs.map((a) => a.values)).toEqual([
      [{ tag: 'resolution', value: { x: 600, y: 600, units: 3 } }],
      [
        { tag: 'rangeOfInteger', value: { lower: 1, upper: 3 } },
        { tag: 'rangeOfInteger', value: { lower: 7, upper: 7 } },
      ],
      [
        {
          tag: 'dateTime',
          value: {
            ...{ year: 2024, month: 3, day: 15, hours: 13, minutes: 30, seconds: 45, deciSeconds: 7 },
            ...{ utcDirection: '+', utcHours: 0, utcMinutes: 0 },
          },
        },
      ],
      [{ tag: 'octetString', value: Buffer.from('secret') }],
      [{ tag: 'nameWithLanguage', value: { language: 'fr', text: 'été' } }],
      [{ tag: 'textWithLanguage', value: { language: 'de', text: 'Halle' } }],
    ]);
  });

  it('finishings-col members are keywords (the ipp package sent finishing-template as a name)', () => {
    const [col] = built({
      'finishings-col': {
        'finishing-template': 'fold-half',
        folding: [{ 'folding-direction': 'inward', 'folding-reference-edge': 'top' }],
        binding: { 'binding-type': 'perfect', 'binding-reference-edge': 'left' },
      },
    });
    expect(col?.values[0]).toEqual({
      tag: 'collection',
      value: [
        { name: 'finishing-template', values: [{ tag: 'keyword', value: 'fold-half' }] },
        {
          name: 'folding',
          values: [
            {
              tag: 'collection',
              value: [
                { name: 'folding-direction', values: [{ tag: 'keyword', value: 'inward' }] },
                { name: 'folding-reference-edge', values: [{ tag: 'keyword', value: 'top' }] },
              ],
            },
          ],
        },
        {
          name: 'binding',
          values: [
            {
              tag: 'collection',
              value: [
                { name: 'binding-type', values: [{ tag: 'keyword', value: 'perfect' }] },
                { name: 'binding-reference-edge', values: [{ tag: 'keyword', value: 'left' }] },
              ],
            },
          ],
        },
      ],
    });
  });

  it('typed values pass through, for attributes the registry does not know', () => {
    const attrs = built({
      'x-vendor-tray': { tag: 'keyword', value: 'tray-9' },
      'x-vendor-level': [{ tag: 'integer', value: 1 }, { tag: 'no-value' }],
      'date-time-at-completed': { tag: 'unknown' },
    });
    expect(attrs[0]?.values).toEqual([{ tag: 'keyword', value: 'tray-9' }]);
    expect(attrs[1]?.values).toEqual([{ tag: 'integer', value: 1 }, { tag: 'no-value' }]);
    expect(attrs[2]?.values).toEqual([{ tag: 'unknown' }]);
  });

  it('refuses what it cannot tag, with INVALID_PARAMS', () => {
    expect(refused({ 'x-vendor-tray': 'tray-9' })).toMatch(/not in the attribute registry/);
    expect(refused({ copies: 'two' })).toMatch(/copies takes integer/);
    expect(refused({ 'job-name': 7 })).toMatch(/job-name takes name/);
    expect(refused({ 'ipp-attribute-fidelity': 'yes' })).toMatch(/takes boolean/);
    expect(refused({ finishings: [] })).toMatch(/has no value/);
    expect(refused({ finishings: [['staple']] as never })).toMatch(/nested array/);
    expect(refused({ 'media-col': { 'x-dimension-typo': 5 } })).toMatch(/not in the attribute registry/);
    expect(refused({ 'print-quality': 'ultra' })).toMatch(/unknown value "ultra"/);
    expect(refused({ 'printer-resolution': { x: 1, y: 2 } })).toMatch(/fits none/);
  });

  it('a cyclic object is refused at the nesting limit, not a stack overflow', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['media-size'] = { 'x-dimension': 1 };
    const col: Record<string, unknown> = { 'media-size': cyclic };
    cyclic['media-size'] = col;
    const result = buildAttributes({ 'media-col': col as PlainAttributes });
    expect(!result.ok && result.error.code).toBe('INVALID_PARAMS');
  });

  it('buildRequest puts charset and language first, and a caller cannot reorder them', () => {
    const request = buildRequest({
      operation: 'Get-Jobs',
      requestId: 9,
      naturalLanguage: 'de',
      operationAttributes: { 'printer-uri': 'ipp://p/ipp/print', 'attributes-charset': 'utf-8' },
    });
    expect(request.ok && request.value.groups[0]?.attributes.map((a) => a.name)).toEqual([
      'attributes-charset',
      'attributes-natural-language',
      'printer-uri',
    ]);
  });
});

describe('toPlain', () => {
  it('always gives arrays, names enums, nests collections, keeps out-of-band values typed', () => {
    const plain = toPlain([
      { name: 'printer-state', values: [{ tag: 'enum', value: 4 }] },
      {
        name: 'finishings-supported',
        values: [3, 100, 0x40000046].map((value) => ({ tag: 'enum' as const, value })),
      },
      { name: 'printer-state-message', values: [{ tag: 'no-value' }] },
      { name: 'x-raw', values: [{ tag: 'raw', code: 0x7f, value: Buffer.from([1, 2]) }] },
      {
        name: 'media-col-ready',
        values: [
          {
            tag: 'collection',
            value: [{ name: 'media-type', values: [{ tag: 'keyword', value: 'plain' }] }],
          },
        ],
      },
      { name: 'printer-state', values: [{ tag: 'enum', value: 5 }] },
    ]);
    expect(plain).toEqual({
      'printer-state': ['processing'],
      'finishings-supported': ['none', 'fold-z', 0x40000046],
      'printer-state-message': [{ tag: 'no-value' }],
      'x-raw': [{ tag: 'raw', code: 0x7f, value: Buffer.from([1, 2]) }],
      'media-col-ready': [{ 'media-type': ['plain'] }],
    });
  });

  it('a peer attribute named __proto__ is an ordinary key', () => {
    const plain = toPlain([{ name: '__proto__', values: [{ tag: 'keyword', value: 'x' }] }]);
    expect(Object.getPrototypeOf(plain)).toBeNull();
    expect(Object.keys(plain)).toEqual(['__proto__']);
  });
});

describe('built attributes encode', () => {
  it('a typed value with a bad range is caught by the encoder', () => {
    const attrs = built({ copies: 2 ** 31 });
    const encoded = encodeMessage({ code: 2, requestId: 1, groups: [{ tag: 'job', attributes: attrs }] });
    expect(!encoded.ok && encoded.error.message).toMatch(
      /integer must be an integer in -2147483648\.\.2147483647/,
    );
  });
});
