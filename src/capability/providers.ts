import { CxpError } from '../cxp/errors.js';
import type { MessageFactory } from '../cxp/message.js';
import type { MessageOf } from '../cxp/schema/index.js';
import type { ActionHandler, CxpDispatcher } from '../runtime/dispatcher.js';
import { answerHandshake, HANDSHAKE_ACTION } from './action.js';
import type { CatalogRegistry } from './catalog-registry.js';
import type { CapabilityMatrix, ComponentIdentity } from './schema.js';

/**
 * The gateway's capability providers (each printer is one) and the routing of their operations.
 * Every provider answers to a target name; an ACTION_REQUEST for an operation goes to the provider
 * its `target` names, or to the only provider that offers the operation when no target is given.
 * `cap.handshake` is answered here for every provider, from its identity and current matrix.
 */
export interface DeviceProvider {
  /** The target name requests use, e.g. the printer id from config. */
  readonly id: string;
  readonly identity: ComponentIdentity;
  /** The current matrix (a provider may learn its capabilities at runtime). */
  matrix(): CapabilityMatrix;
  /** Handlers by action name (catalog operation names). */
  readonly operations: ReadonlyMap<string, ActionHandler>;
}

export interface ProviderRegistryOptions {
  dispatcher: CxpDispatcher;
  messages: MessageFactory;
  catalogs: CatalogRegistry;
  supportedVersions: readonly number[];
}

/** What the retained `capabilities` topic carries. */
export interface CapabilitiesDocument {
  providers: { id: string; identity: ComponentIdentity; matrix: CapabilityMatrix }[];
}

export class ProviderRegistry {
  readonly #o: ProviderRegistryOptions;
  readonly #providers = new Map<string, DeviceProvider>();
  readonly #routed = new Set<string>();
  readonly #listeners = new Set<() => void>();

  constructor(options: ProviderRegistryOptions) {
    this.#o = options;
    this.#route(HANDSHAKE_ACTION, (request) => {
      const found = this.#find(request, HANDSHAKE_ACTION);
      if (!found.ok) return found.result;
      const provider = found.provider;
      return answerHandshake(
        this.#o.messages,
        request,
        { identity: provider.identity, matrix: provider.matrix() },
        { registry: this.#o.catalogs, supportedVersions: this.#o.supportedVersions },
      );
    });
  }

  /** Adds a provider; its operations become actions. Throws on a duplicate id (config prevents it). */
  add(provider: DeviceProvider): void {
    if (this.#providers.has(provider.id))
      throw new CxpError('INVALID_CONFIG', `two providers are named "${provider.id}"`);
    this.#providers.set(provider.id, provider);
    for (const action of provider.operations.keys()) {
      this.#route(action, (request, principal, context) => {
        const found = this.#find(request, action);
        if (!found.ok) return found.result;
        const handler = found.provider.operations.get(action);
        if (!handler) return this.#reject(request, 'UNKNOWN_ACTION', `no handler for ${action}`);
        // The handler (and the safety guard in it) sees the target the request resolved to, so a
        // rule naming a printer also covers requests that leave the target out.
        const resolved = request.target === undefined ? { ...request, target: found.provider.id } : request;
        return handler(resolved, principal, context);
      });
    }
    this.changed();
  }

  remove(id: string): void {
    if (this.#providers.delete(id)) this.changed();
  }

  get(id: string): DeviceProvider | undefined {
    return this.#providers.get(id);
  }

  /** Calls `listener` whenever a provider is added or removed, or reports a changed matrix. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A provider calls this when its matrix changed (the capabilities topic is republished). */
  changed(): void {
    for (const listener of this.#listeners) listener();
  }

  document(): CapabilitiesDocument {
    return {
      providers: [...this.#providers.values()].map((p) => ({
        id: p.id,
        identity: p.identity,
        matrix: p.matrix(),
      })),
    };
  }

  #route(action: string, handler: ActionHandler): void {
    if (this.#routed.has(action)) return;
    this.#routed.add(action);
    this.#o.dispatcher.registerAction(action, handler);
  }

  #find(
    request: MessageOf<'ACTION_REQUEST'>,
    action: string,
  ): { ok: true; provider: DeviceProvider } | { ok: false; result: MessageOf<'ACTION_RESULT'> } {
    const offering = [...this.#providers.values()].filter(
      (p) => action === HANDSHAKE_ACTION || p.operations.has(action),
    );
    const known = offering.map((p) => p.id);
    if (request.target === undefined) {
      const [only, ...more] = offering;
      if (only && more.length === 0) return { ok: true, provider: only };
      return {
        ok: false,
        result: this.#reject(
          request,
          'UNKNOWN_TARGET',
          offering.length === 0
            ? `no provider offers ${action}`
            : `${action} needs a target: ${known.join(', ')}`,
          { known },
        ),
      };
    }
    const provider = this.#providers.get(request.target);
    if (provider && (action === HANDSHAKE_ACTION || provider.operations.has(action)))
      return { ok: true, provider };
    return {
      ok: false,
      result: this.#reject(
        request,
        'UNKNOWN_TARGET',
        provider ? `${request.target} does not offer ${action}` : `no provider named "${request.target}"`,
        { known },
      ),
    };
  }

  #reject(
    request: MessageOf<'ACTION_REQUEST'>,
    code: 'UNKNOWN_TARGET' | 'UNKNOWN_ACTION',
    message: string,
    details: Record<string, unknown> = {},
  ): MessageOf<'ACTION_RESULT'> {
    return this.#o.messages.create('ACTION_RESULT', {
      correlation_id: request.id ?? '*',
      action: request.action,
      status: 'rejected',
      error: new CxpError(code, message, { details }).toWire(),
    });
  }
}
