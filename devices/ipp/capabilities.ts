import { MANAGER_CAPABILITIES, PRODUCTION_CAPABILITIES } from '../../src/capability/catalogs.js';
import type { CapabilityMatrix } from '../../src/capability/schema.js';
import type { IppConfig } from './config.js';
import type { PlainOutput, PlainRecord } from './plain.js';

/**
 * What a press can do, from what it reports (never from its name): finishings, finishing templates,
 * media, sides, colour modes, document formats. The printing/production matrix claims folding only
 * when the press reports a fold, and gluing only when it reports binding.
 */

/** Printer attributes asked for by name (`all` leaves out some finishing attributes on some printers). */
export const PRINTER_ATTRIBUTES = [
  'printer-state',
  'printer-state-reasons',
  'printer-state-message',
  'printer-is-accepting-jobs',
  'printer-make-and-model',
  'printer-name',
  'printer-uuid',
  'finishings-supported',
  'finishing-template-supported',
  'finishings-col-database',
  'media-supported',
  'media-col-database',
  'media-type-supported',
  'sides-supported',
  'print-color-mode-supported',
  'document-format-supported',
  'copies-supported',
  'marker-names',
  'marker-levels',
  'marker-colors',
] as const;

export interface PressSupport {
  finishings: Set<string>;
  templates: Set<string>;
  media: Set<string>;
  mediaTypes: Set<string>;
  sides: Set<string>;
  colorModes: Set<string>;
  formats: Set<string>;
  copies: { lower: number; upper: number } | undefined;
}

const strings = (v: PlainOutput[] | undefined): string[] =>
  (v ?? []).filter((x): x is string => typeof x === 'string');

export function supportOf(printer: PlainRecord): PressSupport {
  const templates = new Set(strings(printer['finishing-template-supported']));
  for (const entry of printer['finishings-col-database'] ?? []) {
    if (typeof entry === 'object' && !ArrayBuffer.isView(entry) && !('tag' in entry) && !('lower' in entry)) {
      for (const t of strings((entry as PlainRecord)['finishing-template'])) templates.add(t);
    }
  }
  const range = printer['copies-supported']?.[0];
  return {
    finishings: new Set(strings(printer['finishings-supported'])),
    templates,
    media: new Set(strings(printer['media-supported'])),
    mediaTypes: new Set(strings(printer['media-type-supported'])),
    sides: new Set(strings(printer['sides-supported'])),
    colorModes: new Set(strings(printer['print-color-mode-supported'])),
    formats: new Set(strings(printer['document-format-supported'])),
    copies: rangeOf(range),
  };
}

/** Every finishing the press reports, as finishings enum names or templates. */
export function finishingNames(s: PressSupport): string[] {
  return [...new Set([...s.finishings, ...s.templates])].filter((f) => f !== 'none').sort();
}

export function pressMatrix(s: PressSupport | undefined, config: IppConfig): CapabilityMatrix {
  const capabilities: CapabilityMatrix['capabilities'] = [
    { name: MANAGER_CAPABILITIES.jobSubmission },
    { name: MANAGER_CAPABILITIES.statusMonitoring },
  ];
  if (!s) {
    if (config.calibration) capabilities.push({ name: PRODUCTION_CAPABILITIES.colorCalibration });
    return { capabilities };
  }
  const all = finishingNames(s);
  const folds = all
    .filter((f) => f === 'fold' || f.startsWith('fold-'))
    .map((f) => (f === 'fold' ? 'fold' : f.slice(5)));
  const binds = all.some((f) => f === 'bind' || f.startsWith('bind-') || f === 'perfect-bind');
  if (folds.length > 0)
    capabilities.push({
      name: PRODUCTION_CAPABILITIES.folding,
      metadata: {
        supported_folds: folds,
        glue_types: binds ? config.finisher.glue_types : [],
        max_thickness_mm: config.finisher.max_thickness_mm,
      },
    });
  if (binds) capabilities.push({ name: PRODUCTION_CAPABILITIES.gluing });
  if (config.calibration) capabilities.push({ name: PRODUCTION_CAPABILITIES.colorCalibration });
  return { capabilities };
}

function rangeOf(v: PlainOutput | undefined): { lower: number; upper: number } | undefined {
  if (typeof v !== 'object' || ArrayBuffer.isView(v)) return undefined;
  const r = v as { lower?: unknown; upper?: unknown };
  return typeof r.lower === 'number' && typeof r.upper === 'number'
    ? { lower: r.lower, upper: r.upper }
    : undefined;
}
