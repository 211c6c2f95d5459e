import { describe, it, expect } from 'vitest';
import { PRINTING_LABEL, PRINTING_MANAGER, PRINTING_PRODUCTION, createDefaultCatalogs } from './catalogs.js';
import { checkTier, decodeCapabilityMatrix, validateMatrix, validateOperation } from './matrix.js';
import type { CapabilityMatrix } from './schema.js';

const registry = createDefaultCatalogs();

const matrix = (...capabilities: CapabilityMatrix['capabilities']): CapabilityMatrix => ({ capabilities });
const names = (...list: string[]): CapabilityMatrix => matrix(...list.map((name) => ({ name })));

const media = {
  name: 'media_validation',
  metadata: { width_mm: 101.6, height_mm: 152.4, material: 'paper' },
};
const folding = {
  name: 'folding',
  metadata: { supported_folds: ['half', 'z'], glue_types: [], max_thickness_mm: 2.5 },
};

describe('validateMatrix', () => {
  it('accepts own and inherited capabilities with valid metadata', () => {
    const label = matrix({ name: 'zpl_language' }, media, { name: 'job_submission', metadata: { any: 1 } });
    expect(validateMatrix(label, PRINTING_LABEL, registry)).toEqual([]);
    const press = matrix(
      folding,
      { name: 'gluing' },
      { name: 'color_calibration' },
      { name: 'consumables_tracking' },
    );
    expect(validateMatrix(press, PRINTING_PRODUCTION, registry)).toEqual([]);
    expect(validateMatrix(matrix(), PRINTING_MANAGER, registry)).toEqual([]);
  });

  it('reports capabilities the catalog does not define', () => {
    const issues = validateMatrix(
      names('zpl_language', 'folding', 'thermal_management'),
      PRINTING_LABEL,
      registry,
    );
    expect(issues.map((i) => [i.code, i.details.capability, i.details.index])).toEqual([
      ['UNKNOWN_CAPABILITY', 'folding', 1],
      ['UNKNOWN_CAPABILITY', 'thermal_management', 2],
    ]);
    expect(issues[0]?.details.known).toContain('job_submission');
  });

  it('does not let the abstract catalog accept a concrete catalog capability', () => {
    const issues = validateMatrix(names('job_submission', 'zpl_language'), PRINTING_MANAGER, registry);
    expect(issues.map((i) => i.code)).toEqual(['UNKNOWN_CAPABILITY']);
  });

  it('reports metadata that does not match the schema, with paths into the matrix', () => {
    const bad = matrix(
      { name: 'zpl_language' },
      { name: 'media_validation', metadata: { width_mm: -1, height_mm: 'tall' } },
    );
    const [issue, ...rest] = validateMatrix(bad, PRINTING_LABEL, registry);
    expect(rest).toEqual([]);
    expect(issue?.code).toBe('INVALID_METADATA');
    expect(issue?.details.capability).toBe('media_validation');
    const paths = (issue?.details.errors as { path: string }[]).map((e) => e.path);
    expect(paths).toContain('/capabilities/1/metadata/width_mm');
    expect(paths).toContain('/capabilities/1/metadata/height_mm');
    expect(issue?.message).toContain('/capabilities/1/metadata/');
  });

  it('treats absent metadata as {} and reports the missing fields', () => {
    const [issue] = validateMatrix(names('folding'), PRINTING_PRODUCTION, registry);
    expect(issue?.code).toBe('INVALID_METADATA');
    const paths = (issue?.details.errors as { path: string }[]).map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/capabilities/0/metadata/supported_folds',
        '/capabilities/0/metadata/glue_types',
        '/capabilities/0/metadata/max_thickness_mm',
      ]),
    );
  });

  it('points at the metadata itself when it is not an object', () => {
    const bad = matrix({ name: 'media_validation', metadata: 'A4' as unknown as Record<string, unknown> });
    const [issue] = validateMatrix(bad, PRINTING_LABEL, registry);
    const paths = (issue?.details.errors as { path: string }[]).map((e) => e.path);
    expect(paths).toContain('/capabilities/0/metadata');
  });

  it('reports a capability listed twice once, at its second position', () => {
    const issues = validateMatrix(
      names('zpl_language', 'gluing', 'zpl_language', 'zpl_language'),
      PRINTING_LABEL,
      registry,
    );
    expect(issues.map((i) => [i.code, i.details.index])).toEqual([
      ['UNKNOWN_CAPABILITY', 1],
      ['DUPLICATE_CAPABILITY', 2],
      ['DUPLICATE_CAPABILITY', 3],
    ]);
  });

  it('reports an unknown catalog as its only issue', () => {
    const issues = validateMatrix(names('x', 'x'), 'robot/arm', registry);
    expect(issues.map((i) => [i.code, i.details.catalog])).toEqual([['UNKNOWN_CATALOG', 'robot/arm']]);
  });
});

describe('decodeCapabilityMatrix', () => {
  it('accepts a matrix and rejects a malformed one', () => {
    expect(decodeCapabilityMatrix({ capabilities: [media] })).toEqual({
      ok: true,
      value: { capabilities: [media] },
    });
    const bad = decodeCapabilityMatrix({ capabilities: [{ metadata: {} }] });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.code).toBe('INVALID_PARAMS');
  });
});

describe('validateOperation', () => {
  it.each([
    [PRINTING_MANAGER, 'job_submission', 'print.submit', 'print.job_id'],
    [PRINTING_LABEL, 'status_monitoring', 'print.printer_status', 'PrinterStatus'],
    [PRINTING_LABEL, 'media_validation', 'label.get_media_info', 'LabelMetadata'],
    [PRINTING_PRODUCTION, 'color_calibration', 'production.calibrate', 'ActionResult'],
  ])('%s %s answers %s with %s', (catalog, capability, operation, returns) => {
    expect(validateOperation(catalog, capability, operation, registry)).toEqual({
      ok: true,
      value: { name: operation, returns },
    });
  });

  it.each([
    ['robot/arm', 'job_submission', 'print.submit', 'UNKNOWN_CATALOG'],
    [PRINTING_MANAGER, 'media_validation', 'label.get_media_info', 'UNKNOWN_CAPABILITY'],
    [PRINTING_LABEL, 'job_submission', 'print.job_status', 'UNKNOWN_OPERATION'],
    [PRINTING_PRODUCTION, 'folding', 'production.fold', 'UNKNOWN_OPERATION'],
  ])('%s %s %s fails with %s', (catalog, capability, operation, code) => {
    const result = validateOperation(catalog, capability, operation, registry);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe(code);
  });

  it('lists the operations a capability has', () => {
    const result = validateOperation(PRINTING_MANAGER, 'job_submission', 'print.pause', registry);
    expect(!result.ok && result.error.details.known).toEqual(['print.submit', 'print.cancel']);
  });
});

describe('checkTier', () => {
  it.each([
    [PRINTING_MANAGER, 'core', names('job_submission', 'status_monitoring')],
    [PRINTING_LABEL, 'industrial', matrix({ name: 'zpl_language' }, media)],
    [PRINTING_LABEL, 'core', names('status_monitoring', 'job_submission', 'zpl_language')],
    [PRINTING_PRODUCTION, 'finisher', matrix(folding, { name: 'gluing' })],
  ])('%s tier %s is satisfied', (catalog, tier, offered) => {
    const result = checkTier(offered, catalog, tier, registry);
    expect(result.ok).toBe(true);
  });

  it('returns the tier requirements', () => {
    expect(checkTier(names('folding', 'gluing'), PRINTING_PRODUCTION, 'finisher', registry)).toEqual({
      ok: true,
      value: ['folding', 'gluing'],
    });
  });

  it('lists the missing capabilities', () => {
    const result = checkTier(names('zpl_language'), PRINTING_LABEL, 'industrial', registry);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('TIER_NOT_SATISFIED');
    expect(result.error.details).toEqual({
      catalog: PRINTING_LABEL,
      tier: 'industrial',
      missing: ['media_validation'],
    });
  });

  it('rejects an unknown tier with the known ones, and an unknown catalog', () => {
    const tier = checkTier(names(), PRINTING_LABEL, 'finisher', registry);
    expect(!tier.ok && [tier.error.code, tier.error.details.known]).toEqual([
      'UNKNOWN_TIER',
      ['industrial', 'core'],
    ]);
    const proto = checkTier(names(), PRINTING_LABEL, 'constructor', registry);
    expect(!proto.ok && proto.error.code).toBe('UNKNOWN_TIER');
    const catalog = checkTier(names(), 'robot/arm', 'core', registry);
    expect(!catalog.ok && catalog.error.code).toBe('UNKNOWN_CATALOG');
  });
});
