import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileDecoder, type Decoder } from './decode.js';
import { parseCsv, parseKv, scanRegex } from './decode-parse.js';

const enc = new TextEncoder();
const ctx = { source: 'serial:scale-1', vars: { port: 'scale-1' }, stamp: 1000 };

function decoder(config: unknown): Decoder {
  const compiled = compileDecoder(config);
  if (!compiled.ok) throw compiled.error;
  return compiled.value;
}

const problems = (config: unknown): unknown => {
  const r = compileDecoder(config);
  return r.ok ? [] : (r.error.details.problems as { path: string }[]).map((p) => p.path);
};

describe('regex decoding', () => {
  const scale = decoder({
    parse: { type: 'regex', pattern: '^(?<status>ST|US),(?<mode>GS|NT),\\s*(?<weight>[+-]?[\\d.]+)\\s*kg$' },
    signals: [
      { ref: 'world/scales/{port}/{name}', field: 'weight', unit: 'kg', retention: '10s', confidence: 0.9 },
      { ref: 'world/scales/{port}/stable', field: 'status' },
      { ref: 'world/scales/{port}/grams', field: 'weight', scale: 1000, offset: -5 },
    ],
  });

  it('maps named groups to contributions, parsing numbers', () => {
    const r = scale.decode(enc.encode('ST,GS,+001.25 kg\r'), ctx);
    expect(r).toEqual({
      ok: true,
      value: [
        {
          ref: 'world/scales/scale-1/weight',
          source: 'serial:scale-1',
          value: { value: 1.25, unit: 'kg' },
          confidence: 0.9,
          kind: 'serial',
          stamp: 1000,
          policy: { retention_ttl: '10s' },
        },
        {
          ref: 'world/scales/scale-1/stable',
          source: 'serial:scale-1',
          value: 'ST',
          confidence: 1,
          kind: 'serial',
          stamp: 1000,
        },
        {
          ref: 'world/scales/scale-1/grams',
          source: 'serial:scale-1',
          value: 1245,
          confidence: 1,
          kind: 'serial',
          stamp: 1000,
        },
      ],
    });
  });

  it('refuses a frame that does not match, with a hex excerpt', () => {
    const r = scale.decode(enc.encode('OL,GS,-------'), ctx);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('MALFORMED_MESSAGE');
    expect(r.error.details).toEqual({ excerpt: Buffer.from('OL,GS,-------').toString('hex'), bytes: 13 });
    expect(r.error.message).toContain('4f4c2c');
  });

  it('refuses frames past max_input before running the regex', () => {
    const d = decoder({
      parse: { type: 'regex', pattern: '(?<v>\\d+)', max_input: 8 },
      signals: [{ ref: 'world/x/{port}', field: 'v' }],
    });
    expect(d.decode(enc.encode('123456789'), ctx).ok).toBe(false);
    expect(d.decode(enc.encode('12345678'), ctx).ok).toBe(true);
  });

  it('fills refs from decoded values and refuses values that are not one segment', () => {
    const d = decoder({
      parse: { type: 'regex', pattern: '^(?<id>\\S+) (?<t>\\S+)$' },
      signals: [{ ref: 'world/probes/{id}/temp', field: 't', as: 'number' }],
    });
    expect(d.decode(enc.encode('p-7 21.5'), ctx)).toMatchObject({
      ok: true,
      value: [{ ref: 'world/probes/p-7/temp', value: 21.5 }],
    });
    const bad = d.decode(enc.encode('a/b 21.5'), ctx);
    expect(!bad.ok && bad.error.code).toBe('INVALID_CONTRIBUTION');
    const nan = d.decode(enc.encode('p-7 hot'), ctx);
    expect(!nan.ok && nan.error.code).toBe('INVALID_CONTRIBUTION');
  });

  it('reports every config problem at once', () => {
    expect(
      problems({
        parse: { type: 'regex', pattern: '(?<a>x+)+(' },
        signals: [{ ref: 'world/{b}', field: 'a' }],
      }),
    ).toEqual(['/parse/pattern', '/parse/pattern']);
    expect(
      problems({
        parse: { type: 'regex', pattern: '^(?<a>\\d+)$' },
        signals: [
          { ref: 'world/{b}/x', field: 'a' },
          { ref: 'nowhere/x', field: 'c' },
          { ref: 'world/{port', field: 'a' },
        ],
      }),
    ).toEqual(['/signals/0/ref', '/signals/1/field', '/signals/1/ref', '/signals/2/ref']);
    expect(problems({ parse: { type: 'regex', pattern: 'x' }, signals: [] })).toEqual(['/signals']);
  });

  it('refuses nested repetition and accepts ordinary patterns', () => {
    expect(scanRegex('(a+)+').problem).toBeDefined();
    expect(scanRegex('(?:\\d*,)*$').problem).toBeDefined();
    expect(scanRegex('((ab)*c){2,}').problem).toBeDefined();
    expect(scanRegex('(a{2,5})+').problem).toBeDefined();
    expect(scanRegex('^(?<w>[+-]?\\d+(?:\\.\\d+)?)\\s*(?<u>[a-z]{1,3})$').problem).toBeUndefined();
    expect(scanRegex('(?<a>[(+]+)(?<b>x)?').problem).toBeUndefined();
    expect(scanRegex('(?<a>x)(?<=y)(?<b>z)').names).toEqual(['a', 'b']);
  });
});

describe('csv decoding', () => {
  const d = decoder({
    parse: { type: 'csv', fields: ['id', '', 'temp', 'label'] },
    signals: [
      { ref: 'world/cells/{id}/temp', field: 'temp', unit: 'degC' },
      { ref: 'world/cells/{id}/label', field: 'label', as: 'string', optional: true },
    ],
  });

  it('splits fields, skips unnamed columns and handles quotes', () => {
    expect(d.decode(enc.encode('c1, ignored , 20.5 ,"a, ""b"""'), ctx)).toMatchObject({
      ok: true,
      value: [{ ref: 'world/cells/c1/temp', value: { value: 20.5, unit: 'degC' } }, { value: 'a, "b"' }],
    });
    expect(d.decode(enc.encode('c2,x,7'), ctx)).toMatchObject({ ok: true, value: [{ value: { value: 7 } }] });
  });

  it('refuses unterminated quotes and missing required fields', () => {
    const quote = d.decode(enc.encode('c1,x,1,"open'), ctx);
    expect(!quote.ok && quote.error.code).toBe('MALFORMED_MESSAGE');
    const missing = d.decode(enc.encode('c1,x'), ctx);
    expect(!missing.ok && missing.error.code).toBe('INVALID_CONTRIBUTION');
  });

  it('parses records directly', () => {
    expect(parseCsv('a;"b;c";', { delimiter: ';', quote: '"' }, true)).toEqual({
      ok: true,
      value: ['a', 'b;c', ''],
    });
    expect(parseCsv('"a"b', { delimiter: ',', quote: '"' }, true).ok).toBe(false);
    expect(
      problems({
        parse: { type: 'csv', fields: ['a', 'a'], quote: ',' },
        signals: [{ ref: 'world/x', field: 'z' }],
      }),
    ).toEqual(['/parse/fields', '/parse/quote', '/signals/0/field']);
  });
});

describe('json decoding', () => {
  const d = decoder({
    parse: { type: 'json', root: 'data' },
    signals: [
      { ref: 'world/scales/{port}/{name}', field: 'weight.value', unit: 'g' },
      { ref: 'world/scales/{port}/tare', field: 'tare', optional: true },
    ],
  });

  it('picks dotted paths from each JSON line', () => {
    expect(d.decode(enc.encode('{"data":{"weight":{"value":12.5}}}'), ctx)).toMatchObject({
      ok: true,
      value: [{ ref: 'world/scales/scale-1/weight.value', value: { value: 12.5, unit: 'g' } }],
    });
  });

  it('refuses lines that are not JSON or lack the root', () => {
    for (const bad of ['{"data":', '{"other":1}', '\xff']) {
      const r = d.decode(Buffer.from(bad, 'latin1'), ctx);
      expect(!r.ok && r.error.code).toBe('MALFORMED_MESSAGE');
    }
  });
});

describe('kv decoding', () => {
  const d = decoder({
    parse: { type: 'kv', pair_separator: ' ' },
    signals: [
      { ref: 'world/ph/{port}/ph', field: 'PH' },
      { ref: 'world/ph/{port}/temp', field: 'T', scale: 0.1 },
    ],
  });

  it('reads key=value pairs', () => {
    expect(d.decode(enc.encode('PH=7.02  T=215 junk'), ctx)).toMatchObject({
      ok: true,
      value: [{ value: 7.02 }, { value: 21.5 }],
    });
    expect(parseKv('a:1;b:2;;c', { pair_separator: ';', separator: ':' }, true)).toEqual({
      ok: true,
      value: new Map([
        ['a', '1'],
        ['b', '2'],
      ]),
    });
  });

  it('refuses frames without pairs and values that do not scale', () => {
    expect(d.decode(enc.encode('hello'), ctx).ok).toBe(false);
    const r = d.decode(enc.encode('PH=7 T=warm'), ctx);
    expect(!r.ok && r.error.code).toBe('INVALID_CONTRIBUTION');
  });
});

describe('decoding untrusted bytes', () => {
  const all = [
    decoder({
      parse: { type: 'regex', pattern: '^(?<a>\\w+)=(?<b>.*)$' },
      signals: [{ ref: 'world/{a}', field: 'b' }],
    }),
    decoder({ parse: { type: 'csv', fields: ['a', 'b'] }, signals: [{ ref: 'world/{a}', field: 'b' }] }),
    decoder({ parse: { type: 'json' }, signals: [{ ref: 'world/{a}', field: 'b.c', scale: 2 }] }),
    decoder({ encoding: 'latin1', parse: { type: 'kv' }, signals: [{ ref: 'world/{a}', field: 'b' }] }),
  ];

  it('property: random bytes never throw, and failures carry a hex excerpt', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        for (const d of all) {
          const r = d.decode(bytes, ctx);
          if (!r.ok) {
            expect(['MALFORMED_MESSAGE', 'INVALID_CONTRIBUTION']).toContain(r.error.code);
            expect(r.error.details.excerpt).toBe(
              Buffer.from(bytes.subarray(0, 32)).toString('hex') + (bytes.length > 32 ? '…' : ''),
            );
          }
        }
      }),
    );
  });

  it('property: printable text never throws either', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        for (const d of all) expect(() => d.decode(enc.encode(s), ctx)).not.toThrow();
      }),
    );
  });
});
