import { CxpError } from '../cxp/errors.js';
import type { Stored } from './contribution.js';
import type { CheckedOp } from './diff-apply.js';

/**
 * The store's contributions by ref and source, with its bounds (refs, sources per ref), the earliest
 * expiry and a sorted ref list kept for selectors. Every mutation goes through here, so the bounds
 * hold for local puts and replicated diffs alike.
 */
export class ContributionTable {
  readonly #entries = new Map<string, Map<string, Stored>>();
  readonly #maxRefs: number;
  readonly #maxPerRef: number;
  #sorted: string[] | undefined;
  #nextExpiry = Infinity;

  constructor(maxRefs: number, maxPerRef: number) {
    this.#maxRefs = maxRefs;
    this.#maxPerRef = maxPerRef;
  }

  get size(): number {
    return this.#entries.size;
  }

  get nextExpiry(): number {
    return this.#nextExpiry;
  }

  set nextExpiry(value: number) {
    this.#nextExpiry = value;
  }

  sources(ref: string): ReadonlyMap<string, Stored> | undefined {
    return this.#entries.get(ref);
  }

  entries(): IterableIterator<[string, Map<string, Stored>]> {
    return this.#entries.entries();
  }

  refs(): IterableIterator<string> {
    return this.#entries.keys();
  }

  /** Refs in ascending order, cached until a ref is added or removed. */
  sortedRefs(): readonly string[] {
    this.#sorted ??= [...this.#entries.keys()].sort();
    return this.#sorted;
  }

  /** Throws STORE_FULL when adding this contribution would break a bound. */
  checkRoom(ref: string, source: string): void {
    const sources = this.#entries.get(ref);
    if (!sources) {
      if (this.#entries.size >= this.#maxRefs)
        throw new CxpError('STORE_FULL', `the store holds ${this.#maxRefs} refs`);
    } else if (!sources.has(source) && sources.size >= this.#maxPerRef) {
      throw new CxpError('STORE_FULL', `${ref} already has ${this.#maxPerRef} sources`);
    }
  }

  /** Throws STORE_FULL when applying all these ops in order would break a bound (nothing is applied). */
  checkRoomFor(ops: readonly CheckedOp[]): void {
    const added = new Map<string, Set<string>>();
    let newRefs = 0;
    for (const op of ops) {
      if (op.kind !== 'upsert') continue;
      const source = op.stored.contribution.provenance.source;
      const existing = this.#entries.get(op.ref);
      let fresh = added.get(op.ref);
      if (!fresh) {
        fresh = new Set();
        added.set(op.ref, fresh);
        if (!existing) newRefs += 1;
      }
      if (!existing?.has(source)) fresh.add(source);
      if ((existing?.size ?? 0) + fresh.size > this.#maxPerRef) {
        throw new CxpError('STORE_FULL', `${op.ref} would have more than ${this.#maxPerRef} sources`);
      }
    }
    if (this.#entries.size + newRefs > this.#maxRefs) {
      throw new CxpError('STORE_FULL', `the store would hold more than ${this.#maxRefs} refs`);
    }
  }

  set(ref: string, stored: Stored): void {
    let sources = this.#entries.get(ref);
    if (!sources) {
      sources = new Map();
      this.#entries.set(ref, sources);
      this.#sorted = undefined;
    }
    sources.set(stored.contribution.provenance.source, stored);
    if (stored.expiresAtMs !== undefined) this.#nextExpiry = Math.min(this.#nextExpiry, stored.expiresAtMs);
  }

  /** Removes one source's contribution, or every contribution of the ref when source is undefined. */
  remove(ref: string, source: string | undefined): void {
    const sources = this.#entries.get(ref);
    if (!sources) return;
    if (source === undefined) sources.clear();
    else sources.delete(source);
    if (sources.size === 0) {
      this.#entries.delete(ref);
      this.#sorted = undefined;
    }
  }

  clear(): void {
    this.#entries.clear();
    this.#sorted = undefined;
    this.#nextExpiry = Infinity;
  }
}
