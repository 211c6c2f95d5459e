import { describe, it, expect } from 'vitest';
import { CxpError } from '../cxp/errors.js';
import {
  BUILTIN_CATALOGS,
  CatalogRegistry,
  LABEL_CAPABILITIES,
  PRINTING_LABEL,
  PRINTING_MANAGER,
  PRINTING_PRODUCTION,
  PRODUCTION_CAPABILITIES,
  createDefaultCatalogs,
  type CatalogDefinition,
} from './catalogs.js';
import { CAPABILITY_SCHEMAS } from './schema.js';

function catalog(name: string, satisfies: string[] = [], capabilities: string[] = []): CatalogDefinition {
  return {
    name,
    description: name,
    abstract: false,
    satisfies,
    capabilities: capabilities.map((c) => ({ name: c, description: c, operations: [] })),
    tiers: {},
  };
}

describe('built-in catalogs', () => {
  const registry = createDefaultCatalogs();

  it('registers the three printing catalogs under their reference names', () => {
    expect(registry.list().map((c) => c.name)).toEqual([
      'printing/manager',
      'printing/label',
      'printing/production',
    ]);
    expect(registry.get(PRINTING_MANAGER)?.abstract).toBe(true);
    expect(registry.get(PRINTING_LABEL)?.abstract).toBe(false);
  });

  it('lists the reference capabilities, operations and tiers', () => {
    const shape = BUILTIN_CATALOGS.map((c) => ({
      name: c.name,
      satisfies: c.satisfies,
      capabilities: c.capabilities.map((cap) => [
        cap.name,
        cap.operations.map((op) => `${op.name}->${op.returns}`),
      ]),
      tiers: c.tiers,
    }));
    expect(shape).toEqual([
      {
        name: 'printing/manager',
        satisfies: [],
        capabilities: [
          ['job_submission', ['print.submit->print.job_id', 'print.cancel->ActionResult']],
          ['status_monitoring', ['print.job_status->PrintJobStatus', 'print.printer_status->PrinterStatus']],
          ['consumables_tracking', []],
        ],
        tiers: { core: ['job_submission', 'status_monitoring'] },
      },
      {
        name: 'printing/label',
        satisfies: ['printing/manager'],
        capabilities: [
          ['zpl_language', []],
          ['media_validation', ['label.get_media_info->LabelMetadata']],
        ],
        tiers: { industrial: ['zpl_language', 'media_validation'] },
      },
      {
        name: 'printing/production',
        satisfies: ['printing/manager'],
        capabilities: [
          ['folding', []],
          ['gluing', []],
          ['color_calibration', ['production.calibrate->ActionResult']],
        ],
        tiers: { finisher: ['folding', 'gluing'] },
      },
    ]);
  });

  it('uses published schemas for metadata and named results', () => {
    expect(registry.capability(PRINTING_LABEL, 'media_validation')?.metadataSchema).toBe(
      CAPABILITY_SCHEMAS.LabelMetadata,
    );
    expect(registry.capability(PRINTING_PRODUCTION, 'folding')?.metadataSchema).toBe(
      CAPABILITY_SCHEMAS.FinishingMetadata,
    );
    const results = BUILTIN_CATALOGS.flatMap((c) =>
      c.capabilities.flatMap((cap) => cap.operations.map((o) => o.returns)),
    );
    for (const name of results.filter((r) => !r.includes('.')))
      expect(CAPABILITY_SCHEMAS).toHaveProperty(name);
  });

  it('does not list thermal_management or stapling', () => {
    expect(LABEL_CAPABILITIES.thermalManagement).toBe('thermal_management');
    expect(PRODUCTION_CAPABILITIES.stapling).toBe('stapling');
    expect(registry.capability(PRINTING_LABEL, 'thermal_management')).toBeUndefined();
    expect(registry.capability(PRINTING_PRODUCTION, 'stapling')).toBeUndefined();
  });

  it('inherits the manager capabilities and tiers in the concrete catalogs', () => {
    expect([...(registry.capabilities(PRINTING_LABEL)?.keys() ?? [])]).toEqual([
      'zpl_language',
      'media_validation',
      'job_submission',
      'status_monitoring',
      'consumables_tracking',
    ]);
    expect([...(registry.tiers(PRINTING_PRODUCTION)?.keys() ?? [])]).toEqual(['finisher', 'core']);
    expect(registry.tiers(PRINTING_MANAGER)?.has('finisher')).toBe(false);
  });

  it('gives each call a fresh registry and freezes the shared definitions', () => {
    const other = createDefaultCatalogs();
    other.register(catalog('robot/arm'));
    expect(registry.has('robot/arm')).toBe(false);
    expect(Object.isFrozen(BUILTIN_CATALOGS[0])).toBe(true);
    expect(Object.isFrozen(BUILTIN_CATALOGS[1]?.capabilities[1]?.operations)).toBe(true);
    expect(Object.isFrozen(BUILTIN_CATALOGS[2]?.tiers.finisher)).toBe(true);
  });
});

describe('CatalogRegistry.satisfies', () => {
  const registry = createDefaultCatalogs()
    .register(catalog('printing/label/zt600', ['printing/label']))
    .register(catalog('loop/a', ['loop/b']))
    .register(catalog('loop/b', ['loop/a', 'ghost/parent']));

  it.each([
    ['printing/label', 'printing/label', true],
    ['printing/manager', 'printing/manager', true],
    ['unregistered/x', 'unregistered/x', true],
    ['printing/label', 'printing/manager', true],
    ['printing/production', 'printing/manager', true],
    ['printing/label/zt600', 'printing/manager', true],
    ['printing/manager', 'printing/label', false],
    ['printing/label', 'printing/production', false],
    ['printing/production', 'printing/label', false],
    ['unregistered/x', 'printing/manager', false],
    ['loop/a', 'loop/b', true],
    ['loop/b', 'loop/a', true],
    ['loop/a', 'ghost/parent', true],
    ['loop/a', 'printing/manager', false],
  ])('%s satisfies %s: %s', (provider, requested, expected) => {
    expect(registry.satisfies(provider, requested)).toBe(expected);
  });

  it('lists a lineage nearest first, each once, through cycles', () => {
    expect(registry.lineage('printing/label/zt600')).toEqual([
      'printing/label/zt600',
      'printing/label',
      'printing/manager',
    ]);
    expect(registry.lineage('loop/a')).toEqual(['loop/a', 'loop/b', 'ghost/parent']);
  });
});

describe('CatalogRegistry', () => {
  it('answers unknown catalogs with undefined', () => {
    const registry = new CatalogRegistry();
    expect(registry.get('x')).toBeUndefined();
    expect(registry.has('x')).toBe(false);
    expect(registry.capabilities('x')).toBeUndefined();
    expect(registry.capability('x', 'y')).toBeUndefined();
    expect(registry.tiers('x')).toBeUndefined();
    expect(registry.list()).toEqual([]);
  });

  it('lets own definitions win over inherited ones', () => {
    const registry = new CatalogRegistry()
      .register({ ...catalog('base', [], ['shared']), tiers: { t: ['shared'] } })
      .register({ ...catalog('child', ['base'], ['shared', 'own']), tiers: { t: ['own'] } });
    expect(registry.capability('child', 'shared')).toBe(registry.get('child')?.capabilities[0]);
    expect(registry.tiers('child')?.get('t')).toEqual(['own']);
  });

  it('throws a coded error for a duplicate catalog', () => {
    const registry = new CatalogRegistry().register(catalog('a'));
    expect(() => registry.register(catalog('a'))).toThrow(CxpError);
    try {
      registry.register(catalog('a'));
    } catch (err) {
      expect((err as CxpError).code).toBe('INTERNAL_ERROR');
      expect((err as CxpError).retryable).toBe(false);
      expect((err as CxpError).details).toEqual({ catalog: 'a' });
    }
    expect(registry.list()).toHaveLength(1);
  });

  it('throws a coded error for a capability defined twice', () => {
    const registry = new CatalogRegistry();
    expect(() => registry.register(catalog('a', [], ['x', 'y', 'x']))).toThrow(/capability "x" twice/);
    expect(registry.has('a')).toBe(false);
  });
});
