import { fail, ok, type Result } from '../../cxp/errors.js';
import type { MessageFactory } from '../../cxp/message.js';
import type { MessageOf } from '../../cxp/schema/index.js';
import type { Slice } from '../../cxp/schema/context-messages.js';
import { fromWire, type Stored } from '../contribution.js';
import type { ContextStore } from '../store.js';

export type ReplicaState = 'unsynced' | 'resyncing' | 'synced';

/** Messages the replica wants sent to its provider. */
export type ReplicaOutput = MessageOf<'CONTEXT_REQUEST'> | MessageOf<'CONTEXT_ACK'>;

export interface ContextReplicaOptions {
  /** The replica's own store; it must only be changed through this replica. */
  store: ContextStore;
  messages: MessageFactory;
  /** Purpose declared when requesting the full context. */
  purpose?: string;
}

/**
 * The receiving side of a DIFF stream. A DIFF that starts at or before our version is applied; one
 * we already hold is ignored; one based beyond our version (a gap), or from a different store_id
 * (the provider restarted), starts a resync by full EXPAND of `**`, paged with the `after` cursor
 * when the provider truncates.
 * Applied DIFFs are acknowledged by message id. After a resync the replica ACKs the version it
 * holds (a numeric ack), and the provider answers with the DIFF that catches it up.
 */
export class ContextReplica {
  readonly #o: ContextReplicaOptions;
  #state: ReplicaState = 'unsynced';
  #providerStoreId: string | undefined;
  #pending: string | undefined;
  #firstPage = true;
  #after: string | undefined;

  constructor(options: ContextReplicaOptions) {
    this.#o = options;
  }

  get state(): ReplicaState {
    return this.#state;
  }

  get version(): number {
    return this.#o.store.version;
  }

  /** The request that starts (or restarts) a full resync. */
  resync(): ReplicaOutput[] {
    this.#state = 'resyncing';
    this.#firstPage = true;
    this.#after = undefined;
    return [this.#request(['**'])];
  }

  handleDiff(diff: MessageOf<'CONTEXT_DIFF'>): ReplicaOutput[] {
    if (this.#state === 'resyncing') return [];
    if (this.#state === 'unsynced' || this.#restarted(diff.store_id)) return this.resync();
    const applied = this.#o.store.applyDiff(diff);
    if (applied.ok) return [this.#ack(diff.id ?? '*', diff.id)];
    if (applied.error.code === 'RESYNC_REQUIRED') return this.resync();
    return [this.#o.messages.errorReply(applied.error, diff.id === undefined ? {} : { id: diff.id })];
  }

  handleExpand(expand: MessageOf<'CONTEXT_EXPAND'>): Result<ReplicaOutput[]> {
    if (this.#state !== 'resyncing' || expand.correlation_id !== this.#pending) return ok([]);
    if (expand.version === undefined) return fail('MALFORMED_MESSAGE', 'a resync EXPAND must carry version');
    const loaded = loadSlices(expand.payload);
    if (!loaded.ok) return loaded;
    if (this.#firstPage) {
      this.#o.store.reset(expand.version);
      this.#providerStoreId = expand.store_id;
      this.#firstPage = false;
    }
    for (const [ref, stored] of loaded.value) this.#o.store.load(ref, stored);
    const last = lastProcessed(expand);
    if (
      expand.truncated === true &&
      last !== undefined &&
      (this.#after === undefined || last > this.#after)
    ) {
      this.#after = last;
      return ok([this.#request(['**'], last)]);
    }
    this.#state = 'synced';
    this.#pending = undefined;
    return ok([this.#ack(this.#o.store.version, expand.id)]);
  }

  /** An error ACK from the provider: RESYNC_REQUIRED restarts the resync. */
  handleAck(ack: MessageOf<'CONTEXT_ACK'>): ReplicaOutput[] {
    if (ack.status === 'rejected' && ack.error?.code === 'RESYNC_REQUIRED') return this.resync();
    return [];
  }

  /** A different store_id means the provider restarted; one seen first after a resync is adopted. */
  #restarted(storeId: string | undefined): boolean {
    if (storeId === undefined) return false;
    if (this.#providerStoreId === undefined) {
      this.#providerStoreId = storeId;
      return false;
    }
    return storeId !== this.#providerStoreId;
  }

  #request(refs: string[], after?: string): MessageOf<'CONTEXT_REQUEST'> {
    const req = this.#o.messages.create('CONTEXT_REQUEST', {
      request: refs,
      depth: 'full',
      ...(after === undefined ? {} : { after }),
      ...(this.#o.purpose === undefined ? {} : { purpose: this.#o.purpose }),
    });
    this.#pending = req.id;
    return req;
  }

  /** A string ack confirms receipt of a message; a numeric ack says "I hold this version". */
  #ack(ack: string | number, correlation: string | undefined): MessageOf<'CONTEXT_ACK'> {
    return this.#o.messages.create('CONTEXT_ACK', {
      ack,
      status: 'ok',
      ...(correlation === undefined ? {} : { correlation_id: correlation }),
    });
  }
}

/** The last ref (in ref order) a resync page answered, so the next page starts after it. */
function lastProcessed(expand: MessageOf<'CONTEXT_EXPAND'>): string | undefined {
  const refs = [...Object.keys(expand.payload), ...(expand.denied ?? []).map((d) => d.ref)];
  return refs.length === 0 ? undefined : refs.reduce((a, b) => (b > a ? b : a));
}

function loadSlices(payload: Record<string, Record<string, unknown>>): Result<[string, Stored[]][]> {
  const out: [string, Stored[]][] = [];
  for (const [ref, raw] of Object.entries(payload)) {
    const contributions = (raw as Slice).contributions;
    if (!Array.isArray(contributions))
      return fail('MALFORMED_MESSAGE', `${ref}: a full slice carries contributions[]`);
    try {
      out.push([ref, contributions.map((c) => fromWire(c.value, c.provenance, c.policy))]);
    } catch (err) {
      return fail('MALFORMED_MESSAGE', `${ref}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return ok(out);
}
