import { describe, expect, it } from 'vitest';
import { CxpError } from '../../src/cxp/errors.js';
import { checkZpl, ensureUtf8, escapeFieldData, scanZpl, setCopies, utf8Length } from './zpl.js';

/** What a printer makes of `^FH` data: the escapes turned back into bytes, read as UTF-8. */
function unescape(data: string, indicator = '_'): string {
  const bytes: number[] = [];
  for (let i = 0; i < data.length; i++) {
    if (data[i] === indicator) {
      bytes.push(parseInt(data.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(data.charCodeAt(i));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

function rejection(zpl: string, options = {}) {
  const r = checkZpl(zpl, options);
  if (r.ok) throw new Error(`accepted: ${zpl}`);
  expect(r.error.code).toBe('INVALID_PARAMS');
  return r.error.details as { rule: string; offset: number; command?: string };
}

describe('escapeFieldData', () => {
  it('keeps printable ASCII other than ^ ~ _ \\', () => {
    expect(escapeFieldData('ORDER 4711, Box #3 (a/b) {x}')).toBe('ORDER 4711, Box #3 (a/b) {x}');
  });

  it('escapes the prefixes, the indicator, the backslash, control characters and DEL', () => {
    expect(escapeFieldData('^~_\\')).toBe('_5E_7E_5F_5C');
    expect(escapeFieldData('a\r\nb\tc\0d\x7f\x1b')).toBe('a_0D_0Ab_09c_00d_7F_1B');
  });

  it('escapes non-ASCII as its UTF-8 bytes, lone surrogates as U+FFFD', () => {
    expect(escapeFieldData('Ä€😀')).toBe('_C3_84_E2_82_AC_F0_9F_98_80');
    expect(escapeFieldData('a\ud800b\udc00')).toBe('a_EF_BF_BDb_EF_BF_BD');
  });

  it('escapes a custom indicator too', () => {
    expect(escapeFieldData('a#b\\', '#')).toBe('a#23b#5C');
    expect(escapeFieldData('_', '\\')).toBe('\\5F');
    for (const bad of ['', '__', 'A', '7', '^', '~', ',', ' ', 'Ä']) {
      expect(() => escapeFieldData('x', bad)).toThrow(CxpError);
    }
  });

  it('gives printable ASCII without prefixes that reads back as the value, for every BMP code unit', () => {
    let all = '';
    for (let c = 0; c <= 0xffff; c++) all += String.fromCharCode(c);
    all += '😀𝄞';
    const escaped = escapeFieldData(all);
    expect(escaped).toMatch(/^[\x20-\x7e]*$/);
    expect(escaped).not.toMatch(/[\^~\\]/);
    expect(escaped).not.toMatch(/_(?![0-9A-F]{2})/);
    const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
    const wellFormed = all.replace(lone, '\ufffd');
    expect(unescape(escaped)).toBe(wellFormed);
  });
});

describe('utf8Length and scanZpl', () => {
  it('counts UTF-8 bytes like TextEncoder', () => {
    for (const s of ['', 'abc', 'Ä', '€', '😀', '\ud800', 'a\udc00😀']) {
      expect(utf8Length(s)).toBe(new TextEncoder().encode(s).length);
    }
  });

  it('splits commands at every ^ and ~, also inside field data', () => {
    const zpl = '^XA^fdA~jab^FS^XZ';
    expect(scanZpl(zpl).map((c) => [c.name, zpl.slice(c.paramStart, c.end)])).toEqual([
      ['^XA', ''],
      ['^FD', 'A'],
      ['~JA', 'b'],
      ['^FS', ''],
      ['^XZ', ''],
    ]);
  });
});

describe('checkZpl', () => {
  it('summarises formats, labels (^PQ) and the media size', () => {
    const zpl = '\r\n^XA^PW812^LL1218^FO10,10^FDa^FS^PQ3,0,1,Y^XZ\n^XA^FH^FD_5E_c3_84^FS^XZ\n';
    expect(checkZpl(zpl)).toEqual({
      ok: true,
      value: { formats: 2, labels: 4, widthDots: 812, lengthDots: 1218 },
    });
    expect(checkZpl('^XA^XZ')).toEqual({ ok: true, value: { formats: 1, labels: 1 } });
    expect(checkZpl('~SD20^XA~TA000^FDx^FS^PQ\n^XZ')).toMatchObject({ ok: true, value: { labels: 1 } });
  });

  it('rejects documents larger than the limit', () => {
    expect(rejection('^XA^XZ', { maxBytes: 5 })).toMatchObject({ rule: 'too_large', offset: 5 });
    // 16 bytes in UTF-8, 14 UTF-16 code units
    expect(rejection('^XA^FDÄÄ^FS^XZ', { maxBytes: 15 })).toMatchObject({ rule: 'too_large', size: 16 });
    expect(checkZpl('^XA^FDÄÄ^FS^XZ', { maxBytes: 16 }).ok).toBe(true);
  });

  it('needs at least one format', () => {
    expect(rejection('')).toMatchObject({ rule: 'no_format', offset: 0 });
    expect(rejection(' \r\n\t')).toMatchObject({ rule: 'no_format' });
    expect(rejection('~SD20')).toMatchObject({ rule: 'no_format' });
  });

  it('allows only whitespace and tilde commands outside formats', () => {
    expect(rejection('hello^XA^XZ')).toMatchObject({ rule: 'outside_format', offset: 0 });
    expect(rejection('  x^XA^XZ')).toMatchObject({ rule: 'outside_format', offset: 2 });
    expect(rejection('^XA^XZ junk')).toMatchObject({ rule: 'outside_format', offset: 7 });
    expect(rejection('^XA^XZ^FO1,1^XA^XZ')).toMatchObject({ rule: 'outside_format', offset: 6 });
    expect(rejection('\0^XA^XZ')).toMatchObject({ rule: 'outside_format', offset: 0 });
  });

  it('balances ^XA and ^XZ', () => {
    expect(rejection('^XZ')).toMatchObject({ rule: 'unmatched_end', offset: 0 });
    expect(rejection('^XA^XZ^XZ')).toMatchObject({ rule: 'unmatched_end', offset: 6 });
    expect(rejection('^XA^FDa^FS^XA^XZ')).toMatchObject({ rule: 'nested_format', offset: 10 });
    expect(rejection('^XA^XZ^XA^FDa^FS')).toMatchObject({ rule: 'unclosed_format', offset: 6 });
  });

  it('needs ^FS right after field data', () => {
    expect(rejection('^XA^FDabc^XZ')).toMatchObject({ rule: 'unclosed_field', offset: 3 });
    expect(rejection('^XA^FDa^FO1,1^FDb^FS^XZ')).toMatchObject({ rule: 'unclosed_field', offset: 3 });
    expect(rejection('^XA^FVa~SD20^FS^XZ')).toMatchObject({ rule: 'unclosed_field', offset: 3 });
    expect(rejection('^XA^FDa')).toMatchObject({ rule: 'unclosed_field', offset: 3 });
    // Data that was never escaped breaks out of its field and starts a second format.
    expect(rejection('^XA^FDx^XZ^XA^FO0,0^FDPWNED^FS^XZ^FS^XZ')).toMatchObject({ rule: 'unclosed_field' });
  });

  it('checks ^FH escapes with the field indicator', () => {
    expect(rejection('^XA^FH^FDab_zz^FS^XZ')).toMatchObject({ rule: 'bad_hex_escape', offset: 11 });
    expect(rejection('^XA^FH^FDab_4^FS^XZ')).toMatchObject({ rule: 'bad_hex_escape' });
    expect(checkZpl('^XA^FH\\^FD\\41_x^FS^FDa_^FS^XZ').ok).toBe(true);
  });

  it('checks ^PQ quantities', () => {
    for (const zpl of ['^XA^PQ0^XZ', '^XA^PQabc^XZ', '^XA^PQ123456789^XZ', '^XA^PQ-1^XZ']) {
      expect(rejection(zpl)).toMatchObject({ rule: 'bad_quantity', offset: 3 });
    }
  });

  it.each([
    ['~JR', 'power-on reset'],
    ['~CC', '~CC+'],
    ['~CT', '~CT+'],
    ['~CD', '~CD;'],
    ['^CC', '^XA^CC+^XZ'],
    ['^CT', '^XA^CT+^XZ'],
    ['^CD', '^XA^CD;^XZ'],
    ['~JA', '^XA^FDa^FS^XZ~JA'],
    ['~JX', '~JX'],
    ['~JP', '~JP'],
    ['~PP', '~PP'],
    ['^PP', '^XA^PP^XZ'],
    ['~PS', '~PS'],
    ['^JU', '^XA^JUS^XZ'],
    ['^KP', '^XA^KP1234^XZ'],
    ['^ID', '^XA^IDE:*.*^XZ'],
    ['~EG', '~EG'],
    ['~JD', '~JD'],
    ['^SC', '^XA^SC9600^XZ'],
  ])('refuses %s', (command, zpl) => {
    const doc = zpl.includes(command) ? zpl : `${command}^XA^XZ`;
    const details = rejection(doc);
    expect(details).toMatchObject({ rule: 'denied_command', command, offset: doc.indexOf(command) });
    expect(rejection(doc.toLowerCase())).toMatchObject({ rule: 'denied_command', command });
  });

  it('refuses host queries and network settings', () => {
    expect(rejection('~HS^XA^XZ')).toMatchObject({ rule: 'host_query', command: '~HS', offset: 0 });
    expect(rejection('^XA^HH^XZ')).toMatchObject({ rule: 'host_query', command: '^HH', offset: 3 });
    expect(rejection('^XA^NS1,10.0.0.9^XZ')).toMatchObject({ rule: 'network_settings', command: '^NS' });
  });

  it('refuses downloads unless they are allowed', () => {
    for (const zpl of ['~DGR:LOGO.GRF,2,1,FF00^XA^XZ', '~DYE:F.TTF,B,T,10,,x^XA^XZ', '^XA^DFR:F.ZPL^FS^XZ']) {
      expect(rejection(zpl)).toMatchObject({
        rule: 'download',
        offset: zpl.indexOf(zpl.startsWith('^') ? '^DF' : '~'),
      });
      expect(checkZpl(zpl, { allowDownloads: true }).ok).toBe(true);
    }
  });

  it('reports offsets in UTF-8 bytes', () => {
    expect(rejection('^XA^CI28^FDÄ😀^FS^XZ~JR')).toMatchObject({ rule: 'denied_command', offset: 23 });
  });
});

describe('setCopies', () => {
  it('replaces the quantity of every ^PQ and keeps its other parameters', () => {
    expect(setCopies('^XA^PQ5,0,1,Y^XZ^XA^PQ 2 \r\n^XZ', 7)).toBe('^XA^PQ7,0,1,Y^XZ^XA^PQ 7 \r\n^XZ');
    expect(setCopies('^XA^PQ,0,1,Y^XZ', 3)).toBe('^XA^PQ3,0,1,Y^XZ');
  });

  it('adds ^PQ before ^XZ where a format has none', () => {
    const zpl = setCopies('^XA^FDa^FS^XZ\n^XA^PQ2^XZ\n^XA^XZ', 12);
    expect(zpl).toBe('^XA^FDa^FS^PQ12^XZ\n^XA^PQ12^XZ\n^XA^PQ12^XZ');
    expect(checkZpl(zpl)).toMatchObject({ ok: true, value: { formats: 3, labels: 36 } });
  });

  it('refuses copies outside 1..99999999', () => {
    for (const n of [0, -1, 1.5, 100_000_000, Number.NaN]) {
      expect(() => setCopies('^XA^XZ', n)).toThrow(CxpError);
    }
    expect(setCopies('^XA^XZ', 99_999_999)).toBe('^XA^PQ99999999^XZ');
  });
});

describe('ensureUtf8', () => {
  it('puts ^CI28 right after every ^XA that lacks it', () => {
    expect(ensureUtf8('^XA^CI28^XZ^XA\n^FDa^FS^XZ^XA^CI0^XZ')).toBe(
      '^XA^CI28^XZ^XA\n^CI28^FDa^FS^XZ^XA^CI28^CI0^XZ',
    );
    expect(ensureUtf8('^XA^CI 28\n^XZ')).toBe('^XA^CI 28\n^XZ');
  });
});
