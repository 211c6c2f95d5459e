import { fail, ok, type Result } from '../../cxp/errors.js';
import type { MessageFactory } from '../../cxp/message.js';
import type { MessageOf } from '../../cxp/schema/index.js';
import type { ContextStore } from '../store.js';

/**
 * unsynced: nothing loaded yet. resyncing: reading a full EXPAND, page by page. catching-up: holds a
 * version and asked the provider (numeric ACK) for the DIFF from it. synced: applying DIFFs in order.
 */
export type ReplicaState = 'unsynced' | 'resyncing' | 'catching-up' | 'synced';

/** Messages the replica wants sent to its provider. */
export type ReplicaOutput = MessageOf<'CONTEXT_REQUEST'> | MessageOf<'CONTEXT_ACK'>;

export interface ContextReplicaOptions {
  /** The replica's own store (mode: 'replica'); it must only be changed through this replica. */
  store: ContextStore;
  messages: MessageFactory;
  /** Purpose declared when requesting the full context. */
  purpose?: string;
  /** Gap DIFFs tolerated while catching up before the catch-up ACK is sent again. Default 16. */
  catchUpRetryAfter?: number;
  /**
   * DIFFs that arrived ahead of the replica's version, held (by base version) until the missing
   * versions come and then applied in order. Beyond this many the oldest is let go. Default 1024.
   */
  maxHeldDiffs?: number;
}

/**
 * The receiving side of a DIFF stream.
 * - A DIFF that starts at or before our version is applied; one we already hold is ignored.
 * - A gap (a DIFF based beyond our version) while synced asks for a catch-up: a numeric ACK of the
 *   version held, which the provider answers with the DIFF from there (or RESYNC_REQUIRED). DIFFs
 *   that do not fit yet are held (bounded) and applied as soon as the versions before them are in,
 *   so a catch-up answer that arrives after later broadcast DIFFs (another topic, another path
 *   through the broker) loses nothing; after `catchUpRetryAfter` gaps the ACK is repeated.
 * - Never synced, a new store_id (the provider restarted) or RESYNC_REQUIRED start a full resync:
 *   EXPAND of `**` at depth full, paged with the `after` cursor, then a catch-up.
 */
export class ContextReplica {
  readonly #o: ContextReplicaOptions;
  #state: ReplicaState = 'unsynced';
  #providerStoreId: string | undefined;
  #pending: string | undefined;
  #firstPage = true;
  #after: string | undefined;
  #gaps = 0;
  /** Early DIFFs by base version, in arrival order (a Map keeps insertion order for eviction). */
  readonly #held = new Map<number, MessageOf<'CONTEXT_DIFF'>>();

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
    this.#held.clear();
    this.#firstPage = true;
    this.#after = undefined;
    return [this.#request(['**'])];
  }

  handleDiff(diff: MessageOf<'CONTEXT_DIFF'>): ReplicaOutput[] {
    if (this.#state === 'resyncing') return [];
    if (this.#state === 'unsynced' || this.#restarted(diff.store_id)) return this.resync();
    const applied = this.#o.store.applyDiff(diff);
    if (applied.ok) {
      // Applied, or an (empty) DIFF ending at our version: we are current.
      if (applied.value === 'applied' || diff.version === this.#o.store.version) this.#state = 'synced';
      return [this.#ack(diff.id ?? '*', diff.id), ...this.#applyHeld()];
    }
    if (applied.error.code !== 'RESYNC_REQUIRED') {
      return [this.#o.messages.errorReply(applied.error, diff.id === undefined ? {} : { id: diff.id })];
    }
    this.#hold(diff);
    if (this.#state === 'synced') return this.#catchUp();
    this.#gaps += 1;
    return this.#gaps >= (this.#o.catchUpRetryAfter ?? 16) ? this.#catchUp() : [];
  }

  /** DIFFs held because they arrived early; for tests and metrics. */
  get heldDiffs(): number {
    return this.#held.size;
  }

  #hold(diff: MessageOf<'CONTEXT_DIFF'>): void {
    this.#held.delete(diff.base_version);
    this.#held.set(diff.base_version, diff);
    const max = this.#o.maxHeldDiffs ?? 1024;
    for (const base of this.#held.keys()) {
      if (this.#held.size <= max) break;
      this.#held.delete(base);
    }
  }

  /** Applies held DIFFs that fit now, in version order, and forgets those already covered. */
  #applyHeld(): ReplicaOutput[] {
    const out: ReplicaOutput[] = [];
    for (;;) {
      const version = this.#o.store.version;
      let next: MessageOf<'CONTEXT_DIFF'> | undefined;
      for (const [base, held] of this.#held) {
        if (held.version <= version) this.#held.delete(base);
        else if (base <= version && (next === undefined || held.version > next.version)) next = held;
      }
      if (next === undefined) return out;
      this.#held.delete(next.base_version);
      const applied = this.#o.store.applyDiff(next);
      if (!applied.ok) return out;
      this.#state = 'synced';
      out.push(this.#ack(next.id ?? '*', next.id));
    }
  }

  handleExpand(expand: MessageOf<'CONTEXT_EXPAND'>): Result<ReplicaOutput[]> {
    if (this.#state !== 'resyncing' || expand.correlation_id !== this.#pending) return ok([]);
    const loaded = this.#load(expand);
    if (!loaded.ok) {
      this.#state = 'unsynced';
      this.#pending = undefined;
      return loaded;
    }
    const last = lastProcessed(expand);
    if (
      expand.truncated === true &&
      last !== undefined &&
      (this.#after === undefined || last > this.#after)
    ) {
      this.#after = last;
      return ok([this.#request(['**'], last)]);
    }
    this.#pending = undefined;
    return ok(this.#catchUp());
  }

  /** An error ACK from the provider: RESYNC_REQUIRED restarts the resync. */
  handleAck(ack: MessageOf<'CONTEXT_ACK'>): ReplicaOutput[] {
    if (ack.status === 'rejected' && ack.error?.code === 'RESYNC_REQUIRED') return this.resync();
    return [];
  }

  #load(expand: MessageOf<'CONTEXT_EXPAND'>): Result<void> {
    if (expand.version === undefined) return fail('MALFORMED_MESSAGE', 'a resync EXPAND must carry version');
    if (this.#firstPage) {
      this.#o.store.reset(expand.version);
      this.#providerStoreId = expand.store_id;
      this.#firstPage = false;
    }
    for (const [ref, slice] of Object.entries(expand.payload)) {
      const contributions = slice.contributions;
      if (!Array.isArray(contributions))
        return fail('MALFORMED_MESSAGE', `${ref}: a full slice carries contributions[]`);
      const loaded = this.#o.store.loadWire(ref, contributions);
      if (!loaded.ok) return loaded;
    }
    return ok(undefined);
  }

  #catchUp(): ReplicaOutput[] {
    this.#state = 'catching-up';
    this.#gaps = 0;
    return [this.#ack(this.#o.store.version, undefined)];
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
