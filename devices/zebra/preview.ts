/**
 * PNG previews of ZPL with zpl-renderer-js (the Go renderer zebrash compiled to WASM, about 9 MB).
 *
 * - The renderer is imported on the first preview only and kept for the life of the process; nothing
 *   is loaded when no preview is asked for.
 * - Checked with Node 20: once loaded, the Go WASM runtime does not keep the event loop alive
 *   (process.getActiveResourcesInfo() is empty after a render, and a process that rendered exits by
 *   itself). A CLI needs no process.exit(); setting process.exitCode is enough.
 * - A document with several formats is previewed by its FIRST label only (the renderer's single-label
 *   call); checkZpl has already checked the whole document.
 * - Rendering runs on the calling thread and cannot be interrupted: for untrusted input at volume, run
 *   it in a worker.
 */
import type { ZplApi } from 'zpl-renderer-js';
import { fail, ok, type Result } from '../../src/cxp/errors.js';
import { checkZpl, type ZplCheckOptions } from './zpl.js';

export type Dpmm = 6 | 8 | 12 | 24;

export interface PreviewMedia {
  widthMm: number;
  heightMm: number;
  /** Print resolution in dots per millimetre: 6, 8, 12 or 24 (152, 203, 300, 600 dpi). */
  dpmm: Dpmm;
}

/** Largest media side accepted for a preview, in millimetres. */
export const MAX_PREVIEW_MM = 1000;
/** Largest image a preview may allocate, in dots (the renderer holds it as RGBA in memory). */
export const MAX_PREVIEW_DOTS = 25_000_000;

const DPMM: readonly number[] = [6, 8, 12, 24];
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let renderer: Promise<ZplApi> | undefined;

/** Loads the renderer once; a failed load is forgotten so the next preview tries again. */
function loadRenderer(): Promise<ZplApi> {
  if (renderer === undefined) {
    renderer = import('zpl-renderer-js').then(async (m) => (await m.ready).api);
    renderer.catch(() => {
      renderer = undefined;
    });
  }
  return renderer;
}

function mediaProblem(media: PreviewMedia): string | undefined {
  const { widthMm, heightMm, dpmm } = media;
  for (const [key, value] of [
    ['widthMm', widthMm],
    ['heightMm', heightMm],
  ] as const) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_PREVIEW_MM) {
      return `${key} must be a number above 0 and at most ${MAX_PREVIEW_MM}`;
    }
  }
  if (!DPMM.includes(dpmm)) return 'dpmm must be 6, 8, 12 or 24';
  const dots = Math.ceil(widthMm * dpmm) * Math.ceil(heightMm * dpmm);
  return dots > MAX_PREVIEW_DOTS
    ? `the image would have ${dots} dots, more than ${MAX_PREVIEW_DOTS}`
    : undefined;
}

/**
 * Renders the first label of a ZPL document as a PNG. The document is checked with checkZpl first;
 * every problem (bad media, a structural error, a document the renderer cannot draw) is an
 * INVALID_PARAMS result, and a renderer that fails to load is INTERNAL_ERROR. Never throws.
 */
export async function renderPreview(
  zpl: string,
  media: PreviewMedia,
  options: ZplCheckOptions = {},
): Promise<Result<Buffer>> {
  const problem = mediaProblem(media);
  if (problem !== undefined) {
    return fail('INVALID_PARAMS', `preview media: ${problem}`, {
      details: { rule: 'bad_media', errors: [{ path: '/media', message: problem }] },
    });
  }
  const checked = checkZpl(zpl, options);
  if (!checked.ok) return checked;
  let api: ZplApi;
  try {
    api = await loadRenderer();
  } catch (err) {
    return fail('INTERNAL_ERROR', 'the ZPL renderer could not be loaded', { cause: err });
  }
  let png: Buffer;
  try {
    png = Buffer.from(await api.zplToBase64Async(zpl, media.widthMm, media.heightMm, media.dpmm), 'base64');
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return fail('INVALID_PARAMS', `the renderer cannot draw this ZPL: ${message}`, {
      details: { rule: 'render_failed', errors: [{ path: '', message }] },
    });
  }
  if (png.length < 24 || !png.subarray(0, 8).equals(PNG_SIGNATURE)) {
    return fail('INTERNAL_ERROR', 'the ZPL renderer returned something that is not a PNG');
  }
  return ok(png);
}
