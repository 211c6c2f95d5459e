import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ready } from 'zpl-renderer-js';
import { afterAll, describe, expect, it } from 'vitest';
import { compileTemplate, type CompiledTemplate } from './template.js';
import { loadTemplates } from './template-files.js';
import { checkZpl, scanZpl } from './zpl.js';

function compiled(text: string): CompiledTemplate {
  const r = compileTemplate('t', text);
  if (!r.ok) throw r.error;
  return r.value;
}

function rendered(t: CompiledTemplate, vars: Record<string, unknown>, options = {}): string {
  const r = t.render(vars, options);
  if (!r.ok) throw r.error;
  return r.value;
}

function compileRejection(text: string) {
  const r = compileTemplate('bad', text);
  if (r.ok) throw new Error(`compiled: ${text}`);
  expect(r.error.code).toBe('INVALID_PARAMS');
  expect(r.error.message).toContain('template bad:');
  return r.error.details as { rule: string; offset: number; template: string };
}

describe('compileTemplate', () => {
  it('adds ^CI28 and ^FH, lists the variables once each', () => {
    const t = compiled(
      '^XA\n^FO50,50^A0N,40,40^FD{{text}}^FS^FO1,1^FDx {{sku}}/{{text}}^FS^FO9,9^FDplain_^FS^XZ',
    );
    expect(t.variables).toEqual(['text', 'sku']);
    expect(rendered(t, { text: 'A', sku: 7 })).toBe(
      '^XA\n^CI28^FO50,50^A0N,40,40^FH^FDA^FS^FO1,1^FH^FDx 7/A^FS^FO9,9^FDplain_^FS^XZ',
    );
  });

  it('escapes the literal "_" of a field that gets ^FH, so it still prints as "_"', () => {
    expect(rendered(compiled('^XA^FDa_b{{v}}^FS^XZ'), { v: '_' })).toBe('^XA^CI28^FH^FDa_5Fb_5F^FS^XZ');
  });

  it('keeps an existing ^FH and escapes values with its indicator', () => {
    const t = compiled('^XA^CI28^FO1,1^FH\\^FD\\41{{v}}^FS^FO2,2^FH^FD_41{{v}}^FS^XZ');
    expect(rendered(t, { v: 'Ä\\_' })).toBe(
      '^XA^CI28^FO1,1^FH\\^FD\\41\\C3\\84\\5C\\5F^FS^FO2,2^FH^FD_41_C3_84_5C_5F^FS^XZ',
    );
  });

  it('accepts templates without placeholders, and placeholder names with dots and dashes', () => {
    expect(compiled('^XA^FDfixed^FS^XZ').variables).toEqual([]);
    expect(compiled('^XA^FD{{order.id}}{{_x-1}}^FS^XZ').variables).toEqual(['order.id', '_x-1']);
    expect(compiled(`^XA^FV{{${'a'.repeat(64)}}}^FS^XZ`).variables).toHaveLength(1);
  });

  it('refuses placeholders outside field data', () => {
    expect(compileRejection('^XA^FO{{x}},10^FDa^FS^XZ')).toMatchObject({
      rule: 'placeholder_outside_field',
      offset: 6,
    });
    expect(compileRejection('^XA^PQ{{n}}^FDa^FS^XZ')).toMatchObject({ rule: 'placeholder_outside_field' });
    expect(compileRejection('{{x}}^XA^XZ')).toMatchObject({ rule: 'placeholder_outside_field', offset: 0 });
    expect(compileRejection('^XA^FXnote {{x}}^FS^XZ')).toMatchObject({ rule: 'placeholder_outside_field' });
  });

  it('refuses malformed placeholders and stray "{{"', () => {
    for (const field of [
      '{{ x }}',
      '{{x}',
      '{{1x}}',
      '{{}}',
      '{{{x}}}',
      `{{${'a'.repeat(65)}}}`,
      'a {{ b',
      '{{x y}}',
    ]) {
      expect(compileRejection(`^XA^FD${field}^FS^XZ`)).toMatchObject({ rule: 'malformed_placeholder' });
    }
    expect(compileRejection('^XA^FDÄ{{^FS^XZ')).toMatchObject({ offset: 8 });
  });

  it('refuses what checkZpl refuses, with the template offset', () => {
    expect(compileRejection('^XA^FD{{x}}^XZ')).toMatchObject({
      rule: 'unclosed_field',
      offset: 3,
      template: 'bad',
    });
    expect(compileRejection('^XA^FD{{x}}^FS')).toMatchObject({ rule: 'unclosed_format' });
    expect(compileRejection('^XA^FD{{x}}^FS^XZ~JA')).toMatchObject({ rule: 'denied_command', offset: 17 });
    expect(compileRejection('^XA^FH^FD{{x}}_zz^FS^XZ')).toMatchObject({ rule: 'bad_hex_escape', offset: 14 });
  });

  it('refuses another encoding than ^CI28 and unusable ^FH indicators', () => {
    expect(compileRejection('^XA^CI0^FD{{x}}^FS^XZ')).toMatchObject({ rule: 'encoding_conflict', offset: 3 });
    for (const ind of [',', 'A', '7']) {
      expect(compileRejection(`^XA^FH${ind}^FD{{x}}^FS^XZ`)).toMatchObject({
        rule: 'bad_hex_indicator',
        offset: 3,
      });
    }
  });
});

describe('CompiledTemplate.render', () => {
  const t = compiled('^XA^FO10,10^FD{{a}} {{b}}^FS^XZ');

  it('turns strings, finite numbers and booleans into text', () => {
    expect(rendered(t, { a: 1.5, b: false })).toBe('^XA^CI28^FO10,10^FH^FD1.5 false^FS^XZ');
    expect(rendered(t, { a: '', b: true })).toBe('^XA^CI28^FO10,10^FH^FD true^FS^XZ');
  });

  it.each([
    ['missing_variable', 'a', { b: 'x' }],
    ['missing_variable', 'a', { a: undefined, b: 'x' }],
    ['unknown_variable', 'c', { a: 'x', b: 'y', c: 'typo' }],
    ['bad_variable_type', 'a', { a: null, b: 'x' }],
    ['bad_variable_type', 'a', { a: { x: 1 }, b: 'x' }],
    ['bad_variable_type', 'a', { a: ['x'], b: 'x' }],
    ['bad_variable_type', 'a', { a: Number.NaN, b: 'x' }],
    ['bad_variable_type', 'a', { a: 1n, b: 'x' }],
    ['value_too_large', 'b', { a: 'x', b: 'Ä'.repeat(2049) }],
  ])('refuses with %s naming %s (case %#)', (rule, variable, vars) => {
    const r = t.render(vars);
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS', details: { rule, variable } } });
    if (!r.ok)
      expect(r.error.details.errors).toContainEqual(expect.objectContaining({ path: `/${variable}` }));
  });

  it('reports every bad variable together and does not read inherited keys', () => {
    const r = t.render(Object.create({ a: 'inherited' }) as Record<string, unknown>);
    expect(r.ok || r.error.details.errors).toEqual([
      { path: '/a', message: 'no value given' },
      { path: '/b', message: 'no value given' },
    ]);
  });

  it('counts the value limit in UTF-8 bytes and can raise it', () => {
    expect(t.render({ a: 'Ä'.repeat(2048), b: 'x' }).ok).toBe(true);
    expect(t.render({ a: 'x'.repeat(5000), b: 'x' }, { maxValueBytes: 5000 }).ok).toBe(true);
    expect(t.render({ a: 'x'.repeat(5001), b: 'x' }, { maxValueBytes: 5000 }).ok).toBe(false);
  });
});

describe('hostile values stay inside their field', () => {
  const template = compiled('^XA^FO20,20^A0N,30,30^FD>{{v}}<^FS^FO20,80^A0N,30,30^FDafter^FS^XZ');
  const hostile = [
    '^XZ^XA^FO0,0^FDPWNED^FS^XZ',
    '~JA',
    '~JR',
    '^FS~CC+',
    '_',
    '__5E',
    '\\',
    '\\&',
    '\r\n\t\0',
    [...Array(32).keys(), 0x7f].map((c) => String.fromCharCode(c)).join(''),
    '😀 👍🏽 ÄÖÜ €',
    '\ud800x\udfff',
    '{{v}}',
    'x^'.repeat(5000),
  ];

  it.each(hostile.map((v) => [JSON.stringify(v).slice(0, 40), v]))('%s', async (_label, value) => {
    const zpl = rendered(template, { v: value }, { maxValueBytes: 20_000 });
    expect(checkZpl(zpl)).toMatchObject({ ok: true, value: { formats: 1, labels: 1 } });
    const names = scanZpl(zpl).map((c) => c.name);
    expect(names).toEqual([
      '^XA',
      '^CI',
      '^FO',
      '^A0',
      '^FH',
      '^FD',
      '^FS',
      '^FO',
      '^A0',
      '^FD',
      '^FS',
      '^XZ',
    ]);
    const data = /\^FD>(.*)<\^FS/s.exec(zpl)?.[1] ?? '';
    expect(data).toMatch(/^[\x20-\x7e]*$/);
    expect(data).not.toMatch(/[\^~]/);
    const { api } = await ready;
    expect(await api.zplToBase64MultipleAsync(zpl, 50, 30, 8)).toHaveLength(1);
  });
});

describe('loadTemplates', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cxp-zpl-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it('loads inline texts, named files and a directory of *.zpl', () => {
    mkdirSync(join(dir, 'ok'));
    writeFileSync(join(dir, 'ok', 'box.zpl'), '^XA^FD{{n}}^FS^XZ');
    writeFileSync(join(dir, 'ok', 'notes.txt'), 'not a template');
    const r = loadTemplates({
      inline: { small: '^XA^FDx^FS^XZ' },
      files: { big: write('big.zpl', '^XA^FD{{a}}^FS^XZ') },
      dir: join(dir, 'ok'),
    });
    expect(r.ok && [...r.value.keys()]).toEqual(['small', 'big', 'box']);
    expect(r.ok && r.value.get('box')?.variables).toEqual(['n']);
    expect(loadTemplates({})).toEqual({ ok: true, value: new Map() });
  });

  it('reports every problem with its path', () => {
    const bad = write('bad.zpl', '^XA^FD{{x}}^XZ');
    const r = loadTemplates({
      inline: { one: '^XA^FO{{x}},1^FDa^FS^XZ', twice: '^XA^XZ', 'bad name!': '^XA^XZ' },
      files: { bad, missing: join(dir, 'missing.zpl'), twice: write('twice.zpl', '^XA^XZ') },
      dir: join(dir, 'no-such-dir'),
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('INVALID_CONFIG');
    const problems = r.error.details.problems as { path: string; message: string }[];
    expect(problems.map((p) => p.path)).toEqual([
      join(dir, 'no-such-dir'),
      join(dir, 'missing.zpl'),
      'inline.one',
      'inline.bad name!',
      bad,
      join(dir, 'twice.zpl'),
    ]);
    expect(problems[2]?.message).toContain('not inside ^FD');
    expect(problems[4]?.message).toMatch(/not closed by \^FS.*byte 3/);
    expect(problems[5]?.message).toContain('defined twice');
  });
});
