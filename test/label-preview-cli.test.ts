import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cxp-label-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const template = join(dir, 'shipping.zpl');
writeFileSync(
  template,
  '^XA\n^FO40,40^A0N,40,40^FD{{order}}^FS\n^FO40,100^A0N,30,30^FDto: {{city}}^FS\n^XZ\n',
);

describe('cxp-edge label-preview', () => {
  it('is listed in the help', () => {
    expect(cli('--help').out).toContain('cxp-edge label-preview <template.zpl>');
  });

  it('renders a template with variables to a PNG and exits by itself', () => {
    const out = join(dir, 'out.png');
    const r = cli(
      'label-preview',
      template,
      '--var',
      'order=ORDER 4711',
      '--var',
      'city=Köln ^XZ~JA',
      '--width-mm',
      '50',
      '--height-mm',
      '25',
      '--dpmm',
      '12',
      '-o',
      out,
    );
    expect(r).toMatchObject({ code: 0, signal: null, err: '' });
    expect(r.out).toBe(`${out}: 600x300 px PNG (50x25 mm at 12 dpmm), label 1 of 1 format(s)\n`);
    const png = readFileSync(out);
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(PNG.sync.read(png)).toMatchObject({ width: 600, height: 300 });
  });

  it('uses a 4x6 inch label at 8 dpmm by default', () => {
    const out = join(dir, 'default.png');
    expect(cli('label-preview', template, '--var', 'order=1', '--var', 'city=x', '-o', out).code).toBe(0);
    expect(PNG.sync.read(readFileSync(out))).toMatchObject({ width: 813, height: 1220 });
  });

  it.each([
    ['an unknown variable', ['--var', 'order=1', '--var', 'cty=x'], 'unknown_variable'],
    ['a missing variable', ['--var', 'order=1'], 'missing_variable'],
    ['a bad resolution', ['--var', 'order=1', '--var', 'city=x', '--dpmm', '7'], 'bad_media'],
  ])('prints the coded error of %s and exits 1', (_name, args, rule) => {
    const r = cli('label-preview', template, ...args, '-o', join(dir, 'never.png'));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.err)).toMatchObject({ code: 'INVALID_PARAMS', details: { rule } });
  });

  it('prints the offset of a template problem', () => {
    const broken = join(dir, 'broken.zpl');
    writeFileSync(broken, '^XA^FO{{x}},1^FDa^FS^XZ');
    const r = cli('label-preview', broken, '-o', join(dir, 'never.png'));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.err)).toMatchObject({
      code: 'INVALID_PARAMS',
      details: { rule: 'placeholder_outside_field', offset: 6, template: 'broken' },
    });
  });

  it.each([
    ['a missing file', [join(dir, 'missing.zpl'), '-o', join(dir, 'never.png')]],
    ['no -o', [template]],
    ['-o without a value', [template, '-o']],
    ['an unknown option', [template, '--bogus', '1', '-o', join(dir, 'never.png')]],
    ['a --var without "="', [template, '--var', 'novalue', '-o', join(dir, 'never.png')]],
    ['a width that is no number', [template, '--width-mm', 'wide', '-o', join(dir, 'never.png')]],
  ])('refuses %s with exit 1', (_name, args) => {
    const r = cli('label-preview', ...args);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.err)).toMatchObject({ code: 'INVALID_PARAMS' });
  });
});
