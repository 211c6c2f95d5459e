import { CatalogRegistry, type CatalogDefinition } from './catalog-registry.js';
import { FinishingMetadata, LabelMetadata } from './result-schema.js';

export * from './catalog-registry.js';

/**
 * The printing catalogs of the reference package (cxp 3.1.0), names exactly as published. They are
 * the device face of this gateway: Zebra printers speak printing/label, IPP production presses
 * printing/production, and both stand in for the abstract printing/manager.
 */

export const PRINTING_MANAGER = 'printing/manager';
export const PRINTING_LABEL = 'printing/label';
export const PRINTING_PRODUCTION = 'printing/production';

export const MANAGER_CAPABILITIES = {
  jobSubmission: 'job_submission',
  statusMonitoring: 'status_monitoring',
  consumablesTracking: 'consumables_tracking',
} as const;

/**
 * `thermal_management` is a named constant of the reference package but is not listed in its
 * printing/label catalog, so it is not listed here either: a matrix offering it is rejected with
 * UNKNOWN_CAPABILITY until the catalog defines it.
 */
export const LABEL_CAPABILITIES = {
  zplLanguage: 'zpl_language',
  thermalManagement: 'thermal_management',
  mediaValidation: 'media_validation',
} as const;

/** `stapling`, like thermal_management, is a named constant that the catalog does not list. */
export const PRODUCTION_CAPABILITIES = {
  folding: 'folding',
  gluing: 'gluing',
  stapling: 'stapling',
  colorCalibration: 'color_calibration',
} as const;

export const OPERATIONS = {
  printSubmit: 'print.submit',
  printCancel: 'print.cancel',
  printJobStatus: 'print.job_status',
  printPrinterStatus: 'print.printer_status',
  labelGetMediaInfo: 'label.get_media_info',
  productionCalibrate: 'production.calibrate',
} as const;

export const TIERS = { core: 'core', industrial: 'industrial', finisher: 'finisher' } as const;

/** Freezes a built-in catalog and its lists so that no consumer can change it for the others. */
function frozen(catalog: CatalogDefinition): CatalogDefinition {
  for (const capability of catalog.capabilities) {
    for (const operation of capability.operations) Object.freeze(operation);
    Object.freeze(capability.operations);
    Object.freeze(capability);
  }
  for (const required of Object.values(catalog.tiers)) Object.freeze(required);
  Object.freeze(catalog.tiers);
  Object.freeze(catalog.satisfies);
  Object.freeze(catalog.capabilities);
  return Object.freeze(catalog);
}

export const PRINTING_MANAGER_CATALOG: CatalogDefinition = frozen({
  name: PRINTING_MANAGER,
  description: 'Abstract print manager: submit jobs, follow them and the printer, track consumables.',
  abstract: true,
  satisfies: [],
  capabilities: [
    {
      name: MANAGER_CAPABILITIES.jobSubmission,
      description: 'Accepts and cancels print jobs.',
      operations: [
        { name: OPERATIONS.printSubmit, returns: 'print.job_id' },
        { name: OPERATIONS.printCancel, returns: 'ActionResult' },
      ],
    },
    {
      name: MANAGER_CAPABILITIES.statusMonitoring,
      description: 'Reports job and printer state.',
      operations: [
        { name: OPERATIONS.printJobStatus, returns: 'PrintJobStatus' },
        { name: OPERATIONS.printPrinterStatus, returns: 'PrinterStatus' },
      ],
    },
    {
      name: MANAGER_CAPABILITIES.consumablesTracking,
      description: 'Reports toner, ink, ribbon and media levels.',
      operations: [],
    },
  ],
  tiers: { [TIERS.core]: [MANAGER_CAPABILITIES.jobSubmission, MANAGER_CAPABILITIES.statusMonitoring] },
});

export const PRINTING_LABEL_CATALOG: CatalogDefinition = frozen({
  name: PRINTING_LABEL,
  description: 'Label printers (thermal, ZPL).',
  abstract: false,
  satisfies: [PRINTING_MANAGER],
  capabilities: [
    { name: LABEL_CAPABILITIES.zplLanguage, description: 'Prints ZPL II.', operations: [] },
    {
      name: LABEL_CAPABILITIES.mediaValidation,
      description: 'Knows the loaded label media and checks jobs against it.',
      metadataSchema: LabelMetadata,
      operations: [{ name: OPERATIONS.labelGetMediaInfo, returns: 'LabelMetadata' }],
    },
  ],
  tiers: { [TIERS.industrial]: [LABEL_CAPABILITIES.zplLanguage, LABEL_CAPABILITIES.mediaValidation] },
});

export const PRINTING_PRODUCTION_CATALOG: CatalogDefinition = frozen({
  name: PRINTING_PRODUCTION,
  description: 'Production presses with inline finishing.',
  abstract: false,
  satisfies: [PRINTING_MANAGER],
  capabilities: [
    {
      name: PRODUCTION_CAPABILITIES.folding,
      description: 'Folds sheets inline.',
      metadataSchema: FinishingMetadata,
      operations: [],
    },
    { name: PRODUCTION_CAPABILITIES.gluing, description: 'Applies adhesive inline.', operations: [] },
    {
      name: PRODUCTION_CAPABILITIES.colorCalibration,
      description: 'Runs colour calibration.',
      operations: [{ name: OPERATIONS.productionCalibrate, returns: 'ActionResult' }],
    },
  ],
  tiers: { [TIERS.finisher]: [PRODUCTION_CAPABILITIES.folding, PRODUCTION_CAPABILITIES.gluing] },
});

export const BUILTIN_CATALOGS: readonly CatalogDefinition[] = Object.freeze([
  PRINTING_MANAGER_CATALOG,
  PRINTING_LABEL_CATALOG,
  PRINTING_PRODUCTION_CATALOG,
]);

/** A fresh registry holding the three printing catalogs. */
export function createDefaultCatalogs(): CatalogRegistry {
  const registry = new CatalogRegistry();
  for (const catalog of BUILTIN_CATALOGS) registry.register(catalog);
  return registry;
}
