import { CxpError, fail, ok, type Result } from '../cxp/errors.js';
import { SchemaChecker, type ValidationIssue } from '../cxp/validate.js';
import type { CapabilityDefinition, CatalogRegistry, OperationDefinition } from './catalog-registry.js';
import { checkerFor, decodeWith, describe } from './decode.js';
import { CapabilityMatrix, type Capability } from './schema.js';

/** Checks of capability matrices, operations and tiers against the catalogs of a registry. */

const matrixChecker = new SchemaChecker(CapabilityMatrix);

/** Checks the shape of an untrusted matrix (INVALID_PARAMS); catalog checks are validateMatrix's. */
export function decodeCapabilityMatrix(value: unknown): Result<CapabilityMatrix> {
  return decodeWith(matrixChecker, value, 'capability matrix');
}

interface EntryContext {
  readonly catalog: string;
  readonly known: ReadonlyMap<string, CapabilityDefinition>;
  readonly seen: Set<string>;
}

/**
 * Every problem of a matrix against a catalog (own and inherited capabilities), at most one per
 * entry, in matrix order: DUPLICATE_CAPABILITY, UNKNOWN_CAPABILITY, or INVALID_METADATA whose
 * `details.errors` paths point into the matrix (`/capabilities/<i>/metadata/...`). An unregistered
 * catalog gives the single issue UNKNOWN_CATALOG. An empty list means the matrix is valid.
 */
export function validateMatrix(
  matrix: CapabilityMatrix,
  catalog: string,
  registry: CatalogRegistry,
): CxpError[] {
  const known = registry.capabilities(catalog);
  if (known === undefined) return [unknownCatalog(catalog)];
  const context: EntryContext = { catalog, known, seen: new Set() };
  const issues: CxpError[] = [];
  matrix.capabilities.forEach((capability, index) => {
    const issue = checkEntry(capability, index, context);
    if (issue !== undefined) issues.push(issue);
  });
  return issues;
}

function checkEntry(capability: Capability, index: number, context: EntryContext): CxpError | undefined {
  const { name } = capability;
  const where = { catalog: context.catalog, capability: name, index };
  if (context.seen.has(name)) {
    return new CxpError('DUPLICATE_CAPABILITY', `capability "${name}" is listed more than once`, {
      details: where,
    });
  }
  context.seen.add(name);
  const definition = context.known.get(name);
  if (definition === undefined) {
    return new CxpError('UNKNOWN_CAPABILITY', `catalog ${context.catalog} defines no capability "${name}"`, {
      details: { ...where, known: [...context.known.keys()] },
    });
  }
  if (definition.metadataSchema === undefined) return undefined;
  const checker = checkerFor(definition.metadataSchema);
  const metadata = capability.metadata ?? {};
  if (checker.check(metadata)) return undefined;
  const errors = checker.issues(metadata).map((issue) => underMetadata(issue, index));
  return new CxpError('INVALID_METADATA', `metadata of capability "${name}": ${describe(errors)}`, {
    details: { ...where, errors },
  });
}

function underMetadata(issue: ValidationIssue, index: number): ValidationIssue {
  const prefix = `/capabilities/${index}/metadata`;
  return { path: issue.path === '/' ? prefix : `${prefix}${issue.path}`, message: issue.message };
}

/** The definition of an operation of a capability (own or inherited) of a catalog. */
export function validateOperation(
  catalog: string,
  capability: string,
  operation: string,
  registry: CatalogRegistry,
): Result<OperationDefinition> {
  const known = registry.capabilities(catalog);
  if (known === undefined) return { ok: false, error: unknownCatalog(catalog) };
  const definition = known.get(capability);
  if (definition === undefined) {
    return fail('UNKNOWN_CAPABILITY', `catalog ${catalog} defines no capability "${capability}"`, {
      details: { catalog, capability, known: [...known.keys()] },
    });
  }
  const found = definition.operations.find((op) => op.name === operation);
  if (found !== undefined) return ok(found);
  return fail(
    'UNKNOWN_OPERATION',
    `capability "${capability}" of ${catalog} has no operation "${operation}"`,
    {
      details: { catalog, capability, operation, known: definition.operations.map((op) => op.name) },
    },
  );
}

/**
 * Whether a matrix offers every capability a tier requires; the value is the tier's list. Tiers are
 * looked up in the catalog first, then in the catalogs it satisfies.
 */
export function checkTier(
  matrix: CapabilityMatrix,
  catalog: string,
  tier: string,
  registry: CatalogRegistry,
): Result<readonly string[]> {
  const tiers = registry.tiers(catalog);
  if (tiers === undefined) return { ok: false, error: unknownCatalog(catalog) };
  const required = tiers.get(tier);
  if (required === undefined) {
    return fail('UNKNOWN_TIER', `catalog ${catalog} has no tier "${tier}"`, {
      details: { catalog, tier, known: [...tiers.keys()] },
    });
  }
  const offered = new Set(matrix.capabilities.map((c) => c.name));
  const missing = required.filter((name) => !offered.has(name));
  if (missing.length === 0) return ok(required);
  return fail('TIER_NOT_SATISFIED', `tier "${tier}" of ${catalog} also needs: ${missing.join(', ')}`, {
    details: { catalog, tier, missing },
  });
}

function unknownCatalog(catalog: string): CxpError {
  return new CxpError('UNKNOWN_CATALOG', `no catalog is registered as "${catalog}"`, {
    details: { catalog },
  });
}
