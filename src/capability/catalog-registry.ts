import type { TObject } from '@sinclair/typebox';
import { CxpError } from '../cxp/errors.js';

/**
 * Catalogs name the capabilities an interface may offer, the operations each capability answers,
 * the metadata schema each capability's metadata must match, and tiers (named sets of required
 * capabilities). A catalog may satisfy other catalogs: it then stands in for them in a handshake and
 * inherits their capabilities and tiers (its own definitions win on a name clash).
 */

export interface OperationDefinition {
  /** Action name, e.g. print.submit. */
  readonly name: string;
  /** What the operation returns: a schema name from CAPABILITY_SCHEMAS, or a scalar tag such as print.job_id. */
  readonly returns: string;
}

export interface CapabilityDefinition {
  readonly name: string;
  readonly description: string;
  /** Schema the capability's metadata must match; absent means any object. */
  readonly metadataSchema?: TObject;
  readonly operations: readonly OperationDefinition[];
}

export interface CatalogDefinition {
  /** Interface name, e.g. printing/label. */
  readonly name: string;
  readonly description: string;
  /** An abstract catalog is only a contract other catalogs satisfy; informative, not enforced. */
  readonly abstract: boolean;
  /** Catalogs this one satisfies directly (the relation is transitive). */
  readonly satisfies: readonly string[];
  readonly capabilities: readonly CapabilityDefinition[];
  /** Tier name to the capabilities it requires. */
  readonly tiers: Readonly<Record<string, readonly string[]>>;
}

/** The catalogs a component can speak. Registration is wiring, so mistakes in it throw. */
export class CatalogRegistry {
  readonly #catalogs = new Map<string, CatalogDefinition>();

  /** Adds a catalog. Throws a CxpError (INTERNAL_ERROR) for a duplicate catalog or capability name. */
  register(catalog: CatalogDefinition): this {
    if (this.#catalogs.has(catalog.name)) {
      throw wiringError(`catalog "${catalog.name}" is already registered`, { catalog: catalog.name });
    }
    const names = new Set<string>();
    for (const capability of catalog.capabilities) {
      if (names.has(capability.name)) {
        throw wiringError(`catalog "${catalog.name}" defines capability "${capability.name}" twice`, {
          catalog: catalog.name,
          capability: capability.name,
        });
      }
      names.add(capability.name);
    }
    this.#catalogs.set(catalog.name, catalog);
    return this;
  }

  get(name: string): CatalogDefinition | undefined {
    return this.#catalogs.get(name);
  }

  has(name: string): boolean {
    return this.#catalogs.has(name);
  }

  /** Registered catalogs in registration order. */
  list(): CatalogDefinition[] {
    return [...this.#catalogs.values()];
  }

  /**
   * The catalog's name followed by every catalog it satisfies, nearest first, each once. Names a
   * catalog declares but that are not registered are listed, without their own parents.
   */
  lineage(name: string): string[] {
    const order: string[] = [];
    const seen = new Set<string>([name]);
    for (let queue = [name], next = queue.shift(); next !== undefined; next = queue.shift()) {
      order.push(next);
      for (const parent of this.#catalogs.get(next)?.satisfies ?? []) {
        if (seen.has(parent)) continue;
        seen.add(parent);
        queue.push(parent);
      }
    }
    return order;
  }

  /** Whether a provider of `providerInterface` can serve a client asking for `requestedInterface`. */
  satisfies(providerInterface: string, requestedInterface: string): boolean {
    return this.lineage(providerInterface).includes(requestedInterface);
  }

  /** Own and inherited capabilities of a catalog by name, or undefined when it is not registered. */
  capabilities(catalog: string): ReadonlyMap<string, CapabilityDefinition> | undefined {
    if (!this.#catalogs.has(catalog)) return undefined;
    const out = new Map<string, CapabilityDefinition>();
    for (const name of this.lineage(catalog)) {
      for (const capability of this.#catalogs.get(name)?.capabilities ?? []) {
        if (!out.has(capability.name)) out.set(capability.name, capability);
      }
    }
    return out;
  }

  /** A capability of the catalog, own or inherited. */
  capability(catalog: string, capability: string): CapabilityDefinition | undefined {
    return this.capabilities(catalog)?.get(capability);
  }

  /** Own and inherited tiers of a catalog, or undefined when it is not registered. */
  tiers(catalog: string): ReadonlyMap<string, readonly string[]> | undefined {
    if (!this.#catalogs.has(catalog)) return undefined;
    const out = new Map<string, readonly string[]>();
    for (const name of this.lineage(catalog)) {
      const tiers = this.#catalogs.get(name)?.tiers ?? {};
      for (const [tier, required] of Object.entries(tiers)) {
        if (!out.has(tier)) out.set(tier, required);
      }
    }
    return out;
  }
}

function wiringError(message: string, details: Record<string, unknown>): CxpError {
  return new CxpError('INTERNAL_ERROR', message, { details, retryable: false });
}
