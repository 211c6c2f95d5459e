import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import {
  BinaryBitmap,
  Code128Reader,
  HybridBinarizer,
  QRCodeReader,
  RGBLuminanceSource,
  type Reader,
} from '@zxing/library';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { renderPreview, type PreviewMedia } from './preview.js';
import { compileTemplate } from './template.js';

const media: PreviewMedia = { widthMm: 50, heightMm: 30, dpmm: 8 };

async function png(zpl: string, m: PreviewMedia = media): Promise<Buffer> {
  const r = await renderPreview(zpl, m);
  if (!r.ok) throw r.error;
  return r.value;
}

async function templatePng(text: string, vars: Record<string, unknown>, m: PreviewMedia = media) {
  const t = compileTemplate('t', text);
  if (!t.ok) throw t.error;
  const zpl = t.value.render(vars);
  if (!zpl.ok) throw zpl.error;
  return png(zpl.value, m);
}

/** The decoded RGBA pixels, hashed (comparing hashes is fast and fails readably). */
const rgba = (buf: Buffer): string => createHash('sha256').update(PNG.sync.read(buf).data).digest('hex');

/** Decodes one barcode from a horizontal band of the image (the label is black on opaque white). */
function decode(buf: Buffer, reader: Reader, band: { top: number; height: number }): string {
  const image = PNG.sync.read(buf);
  const lum = new Uint8ClampedArray(image.width * image.height);
  for (let i = 0; i < lum.length; i++) {
    const [r = 0, g = 0, b = 0, a = 0] = image.data.subarray(i * 4, i * 4 + 4);
    lum[i] = Math.round(((r * 299 + g * 587 + b * 114) / 1000) * (a / 255) + 255 * (1 - a / 255));
  }
  const source = new RGBLuminanceSource(lum, image.width, image.height).crop(
    0,
    band.top,
    image.width,
    band.height,
  );
  return reader.decode(new BinaryBitmap(new HybridBinarizer(source))).getText();
}

describe('renderPreview', () => {
  it('renders a PNG of the media size', async () => {
    const buf = await png('^XA^FO50,50^A0N,40,40^FDHello^FS^XZ');
    expect(buf.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(PNG.sync.read(buf)).toMatchObject({ width: 400, height: 240 });
    const big = await png('^XA^FO50,50^A0N,40,40^FDHello^FS^XZ', {
      widthMm: 101.6,
      heightMm: 152.4,
      dpmm: 12,
    });
    expect(PNG.sync.read(big)).toMatchObject({ width: 1220, height: 1829 });
  });

  it('previews the first label of several', async () => {
    const first = await png('^XA^FO10,10^A0N,40,40^FDfirst^FS^XZ');
    expect(
      rgba(await png('^XA^FO10,10^A0N,40,40^FDfirst^FS^XZ^XA^FO10,10^A0N,40,40^FDsecond^FS^XZ')),
    ).toEqual(rgba(first));
  });

  it.each([
    ['garbage', 'garbage without caret', 'outside_format'],
    ['empty', '', 'no_format'],
    ['unclosed format', '^XA^FO50,50^FDunterminated', 'unclosed_field'],
    ['unmatched end', '^FDx^FS^XZ', 'outside_format'],
    ['nested', '^XA^XA^XZ', 'nested_format'],
    ['a format with nothing to draw', '^XA^XZ', 'render_failed'],
    ['an empty field', '^XA^FO10,10^FD^FS^XZ', 'render_failed'],
    ['a denied command', '^XA^FDx^FS^XZ~JR', 'denied_command'],
  ])('refuses %s with a coded error', async (_name, zpl, rule) => {
    const r = await renderPreview(zpl, media);
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS', details: { rule } } });
  });

  it.each([
    { widthMm: 0, heightMm: 30, dpmm: 8 },
    { widthMm: Number.NaN, heightMm: 30, dpmm: 8 },
    { widthMm: 50, heightMm: -1, dpmm: 8 },
    { widthMm: 50, heightMm: 1001, dpmm: 8 },
    { widthMm: 50, heightMm: 30, dpmm: 7 },
    { widthMm: 1000, heightMm: 1000, dpmm: 24 },
  ])('refuses media %o', async (m) => {
    const r = await renderPreview('^XA^FDx^FS^XZ', m as PreviewMedia);
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS', details: { rule: 'bad_media' } } });
  });
});

describe('rendering round trip', () => {
  const text = '^XA^FO50,50^A0N,40,40^FD{{text}}^FS^XZ';

  it('ordinary text prints exactly as the hand-written literal', async () => {
    const literal = rgba(await png('^XA^CI28^FO50,50^A0N,40,40^FDORDER 4711^FS^XZ'));
    expect(rgba(await templatePng(text, { text: 'ORDER 4711' }))).toEqual(literal);
    // The comparison can tell labels apart.
    expect(rgba(await templatePng(text, { text: 'ORDER 4712' }))).not.toEqual(literal);
  });

  it('^ ~ _ \\ and UTF-8 print as the hand-escaped literal', async () => {
    const literal = '^XA^CI28^FO50,50^A0N,40,40^FH^FDA_5EB_7EC_5FD_5CE_C3_84^FS^XZ';
    expect(rgba(await templatePng(text, { text: 'A^B~C_D\\EÄ' }))).toEqual(rgba(await png(literal)));
    expect(rgba(await templatePng(text, { text: 'Ä' }))).toEqual(
      rgba(await png('^XA^CI28^FO50,50^A0N,40,40^FDÄ^FS^XZ')),
    );
  });

  it('barcode data survives: Code 128 and QR decode to the exact values', async () => {
    const label = '^XA^FO60,40^BY2^BCN,100,Y,N,N^FD{{sku}}^FS' + '^FO60,280^BQN,2,6^FDQA,{{url}}^FS^XZ';
    const cases = [
      { sku: 'SKU-4711-AB', url: 'https://example.invalid/o?id=4711' },
      { sku: 'A^B~C_D\\E', url: 'https://example.invalid/o?q=^~_\\&x=1' },
    ];
    for (const vars of cases) {
      const buf = await templatePng(label, vars, { widthMm: 80, heightMm: 90, dpmm: 8 });
      expect(decode(buf, new Code128Reader(), { top: 0, height: 260 })).toBe(vars.sku);
      expect(decode(buf, new QRCodeReader(), { top: 260, height: 460 })).toBe(vars.url);
    }
  });
});

describe('renderer loading', () => {
  it('is not loaded before a preview is drawn, and does not keep the process alive', () => {
    const root = join(import.meta.dirname, '..', '..');
    const script = `
      import { renderPreview } from './devices/zebra/preview.ts';
      const m = { widthMm: 20, heightMm: 10, dpmm: 8 };
      const refused = await renderPreview('garbage', m);
      const before = typeof globalThis.Go;
      const drawn = await renderPreview('^XA^FDx^FS^XZ', m);
      console.log(JSON.stringify({ refused: refused.ok, before, drawn: drawn.ok, after: typeof globalThis.Go }));
    `;
    // No process.exit() in the script: the child must end by itself once the render is done.
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      timeout: 25_000,
    });
    expect({ status: r.status, signal: r.signal, err: r.stderr }).toEqual({
      status: 0,
      signal: null,
      err: '',
    });
    expect(JSON.parse(r.stdout)).toEqual({
      refused: false,
      before: 'undefined',
      drawn: true,
      after: 'function',
    });
  });
});
