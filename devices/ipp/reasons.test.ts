import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/runtime/config/load.js';
import { createPluginRegistry } from '../../src/runtime/registry.js';
import { pressMatrix, supportOf } from './capabilities.js';
import type { IppConfig } from './config.js';
import { readReasons } from './reasons.js';

const codes = (reasons: string[]) => readReasons(reasons, 'p').errors.map((e) => e.code);

describe('readReasons', () => {
  it('maps the conditions that stop a press to their codes, whatever the suffix', () => {
    expect(codes(['media-jam-warning'])).toEqual(['MEDIA_JAM']);
    expect(codes(['media-jam-error', 'media-empty'])).toEqual(['MEDIA_JAM', 'MEDIA_OUT']);
    expect(codes(['paused'])).toEqual(['PAUSED']);
    expect(codes(['offline-report'])).toEqual([]);
    expect(codes(['door-open-error'])).toEqual(['DEVICE_FAULT']);
    expect(codes(['none', 'moving-to-paused'])).toEqual([]);
  });

  it('names the finisher unit of a finisher fault, and keeps low supplies as warnings', () => {
    const r = readReasons(
      ['stapler-jam-error', 'toner-low-warning', 'media-low', 'toner-empty-warning'],
      'p',
    );
    expect(r.errors).toMatchObject([
      { code: 'DEVICE_FAULT', retryable: false, details: { unit: 'stapler' } },
    ]);
    expect(r.warnings).toEqual(['toner-low-warning', 'media-low', 'toner-empty-warning']);
  });

  it('treats an unknown reason as a fault unless it is a warning or a report', () => {
    expect(codes(['x-vendor-thing'])).toEqual(['DEVICE_FAULT']);
    expect(codes(['x-vendor-thing-warning'])).toEqual([]);
    expect(codes(['x-vendor-thing-report'])).toEqual([]);
  });
});

describe('pressMatrix', () => {
  const config = (extra: Record<string, unknown> = {}) =>
    loadIpp({ kind: 'ipp', id: 'p', url: 'ipp://x/ipp/print', ...extra });

  it('claims folding and gluing only when the press reports them', () => {
    const folder = supportOf({
      'finishings-supported': ['none', 'staple', 'fold-z', 'fold-half'],
      'finishing-template-supported': ['bind'],
    });
    const names = pressMatrix(folder, config()).capabilities.map((c) => c.name);
    expect(names).toEqual(['job_submission', 'status_monitoring', 'folding', 'gluing']);
    expect(pressMatrix(folder, config()).capabilities[2]?.metadata).toMatchObject({
      supported_folds: ['half', 'z'],
    });
    const office = supportOf({ 'finishings-supported': ['none', 'staple'] });
    expect(pressMatrix(office, config()).capabilities.map((c) => c.name)).toEqual([
      'job_submission',
      'status_monitoring',
    ]);
  });
});

/** An ipp device entry with the schema's defaults, through the gateway's own config loader. */
function loadIpp(entry: Record<string, unknown>): IppConfig {
  const loaded = loadConfig({
    text: JSON.stringify({ devices: [entry] }),
    env: {},
    hostname: 't',
    plugins: createPluginRegistry(),
  });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  return loaded.config.devices[0] as unknown as IppConfig;
}
