import type { Clock } from '../cxp/clock.js';
import { cryptoRandom, type RandomBytes } from '../cxp/ids.js';
import { jsonEqual } from '../cxp/data-model.js';
import { CxpError, fail, ok, toCxpError, type Result } from '../cxp/errors.js';
import type { Section } from '../cxp/schema/common.js';
import type { DiffOp } from '../cxp/schema/context-messages.js';
import { ChangeLog, compactOps, type ChangeEntry } from './change-log.js';
import {
  normalizeInput,
  pickWinner,
  type Contribution,
  type ContributionInput,
  type Stored,
} from './contribution.js';
import { applyOps, validateOps } from './diff-apply.js';
import type { Viewer } from './policy.js';
import { resolveFor, type Lookup } from './resolve.js';
import { sectionOf } from './refs.js';

export interface ContextStoreOptions {
  clock: Clock;
  /** Identifies this store's history; a peer that sees it change must resync. */
  storeId?: string;
  /** Randomness for the default store id (a new one per store, so a restarted provider is noticed). */
  random?: RandomBytes;
  /** Upper bound on refs; new refs beyond it are refused with STORE_FULL. Default 100 000. */
  maxRefs?: number;
  /** Upper bound on sources per ref. Default 64. */
  maxContributionsPerRef?: number;
  /** How many ops of history are kept for DIFF catch-up. Default 10 000. */
  historyOps?: number;
  /** Retention applied when a contribution's policy has none, per section (durations like "24h"). */
  defaultRetention?: Partial<Record<Section, string>>;
}

export interface StoreSnapshot {
  version: number;
  entries: Record<string, Record<string, Contribution>>;
}

export interface PutManyResult {
  version: number;
  applied: number;
  rejected: { index: number; error: CxpError }[];
}

export type ChangeListener = (change: Readonly<ChangeEntry>) => void;

/**
 * The context store: pure, clock injected. Each ref keeps one contribution per source with its
 * provenance, so no source can erase another's data. Every committed change gets the next version
 * and is recorded as DIFF ops.
 */
export class ContextStore {
  readonly storeId: string;
  readonly #clock: Clock;
  readonly #maxRefs: number;
  readonly #maxPerRef: number;
  readonly #retention: Partial<Record<Section, string>>;
  readonly #entries = new Map<string, Map<string, Stored>>();
  readonly #log: ChangeLog;
  readonly #listeners = new Set<ChangeListener>();
  #version = 0;
  #nextExpiry = Infinity;

  constructor(options: ContextStoreOptions) {
    this.#clock = options.clock;
    this.storeId = options.storeId ?? randomStoreId(options.random ?? cryptoRandom);
    this.#maxRefs = options.maxRefs ?? 100_000;
    this.#maxPerRef = options.maxContributionsPerRef ?? 64;
    this.#retention = options.defaultRetention ?? {};
    this.#log = new ChangeLog(options.historyOps ?? 10_000, 0);
  }

  get version(): number {
    return this.#version;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Oldest version from which diffSince can still answer. */
  get historyFloor(): number {
    return this.#log.floor;
  }

  /** Called synchronously after every committed change. Returns an unsubscribe function. */
  onChange(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  put(input: ContributionInput): Result<number> {
    const result = this.putMany([input]);
    const rejected = result.rejected[0];
    return rejected ? { ok: false, error: rejected.error } : ok(result.version);
  }

  /** Applies the valid inputs as one version; invalid ones are reported, never partially applied. */
  putMany(inputs: readonly ContributionInput[]): PutManyResult {
    const now = this.#clock.now();
    const ops: DiffOp[] = [];
    const rejected: PutManyResult['rejected'] = [];
    inputs.forEach((input, index) => {
      try {
        const op = this.#upsert(input, now);
        if (op) ops.push(op);
      } catch (err) {
        rejected.push({ index, error: toCxpError(err, 'INVALID_CONTRIBUTION') });
      }
    });
    this.#commit(this.#version, ops);
    return { version: this.#version, applied: ops.length, rejected };
  }

  #upsert(input: ContributionInput, now: number): DiffOp | undefined {
    const stored = normalizeInput(input, now, this.#retention[sectionOf(input.ref)]);
    let sources = this.#entries.get(input.ref);
    const previous = sources?.get(input.source);
    if (previous && sameContribution(previous.contribution, stored.contribution)) return undefined;
    if (!sources) {
      if (this.#entries.size >= this.#maxRefs)
        throw new CxpError('STORE_FULL', `the store holds ${this.#maxRefs} refs`);
      sources = new Map();
      this.#entries.set(input.ref, sources);
    } else if (!previous && sources.size >= this.#maxPerRef) {
      throw new CxpError('STORE_FULL', `${input.ref} already has ${this.#maxPerRef} sources`);
    }
    sources.set(input.source, stored);
    this.#trackExpiry(stored);
    return toOp(previous ? 'replace' : 'add', input.ref, stored.contribution);
  }

  /** Removes one source's contribution; the others stay. */
  retract(ref: string, source: string): number {
    const sources = this.#entries.get(ref);
    if (!sources?.has(source)) return this.#version;
    this.#removeContribution(ref, source);
    this.#commit(this.#version, [{ op: 'remove', ref, provenance: { source } }]);
    return this.#version;
  }

  /** Removes every contribution past its retention TTL. Returns how many were removed. */
  expire(): number {
    const now = this.#clock.now();
    if (now < this.#nextExpiry) return 0;
    const ops: DiffOp[] = [];
    let next = Infinity;
    for (const [ref, sources] of this.#entries) {
      for (const [source, stored] of sources) {
        if (stored.expiresAtMs === undefined) continue;
        if (stored.expiresAtMs <= now) ops.push({ op: 'remove', ref, provenance: { source } });
        else next = Math.min(next, stored.expiresAtMs);
      }
    }
    for (const op of ops) this.#removeContribution(op.ref, op.provenance?.source ?? '');
    this.#nextExpiry = next;
    this.#commit(this.#version, ops);
    return ops.length;
  }

  /** Looks a ref up for a viewer, applying expiry and policy per contribution. */
  lookup(ref: string, viewer: Viewer = {}): Lookup {
    return resolveFor(ref, [...(this.#entries.get(ref)?.values() ?? [])], viewer, this.#clock.now());
  }

  /** The resolved value of a ref ignoring policy (for trusted in-process readers such as the supervisor). */
  value(ref: string): unknown {
    const now = this.#clock.now();
    const live = this.contributionsOf(ref).filter((s) => s.expiresAtMs === undefined || s.expiresAtMs > now);
    return pickWinner(live)?.contribution.value;
  }

  /** Every ref currently held, in insertion order. */
  refs(): IterableIterator<string> {
    return this.#entries.keys();
  }

  /** Stored contributions of a ref (expired ones included until swept). */
  contributionsOf(ref: string): Stored[] {
    return [...(this.#entries.get(ref)?.values() ?? [])];
  }

  /** DIFF ops from `base` to the current version, compacted; RESYNC_REQUIRED when history is gone. */
  diffSince(base: number): Result<{ base_version: number; version: number; ops: DiffOp[] }> {
    if (base > this.#version) {
      return fail(
        'RESYNC_REQUIRED',
        `version ${base} is ahead of this store (${this.#version}); it was restarted`,
        {
          details: { base_version: base, version: this.#version, store_id: this.storeId },
        },
      );
    }
    const ops = this.#log.since(base);
    if (ops === undefined) {
      return fail('RESYNC_REQUIRED', `history before version ${this.#log.floor} is no longer kept`, {
        details: {
          base_version: base,
          floor: this.#log.floor,
          version: this.#version,
          store_id: this.storeId,
        },
      });
    }
    return ok({ base_version: base, version: this.#version, ops: compactOps(ops) });
  }

  /**
   * Applies a DIFF received from the store this one replicates. Ops based at or before our version
   * are applied (upserts and removes are idempotent); a diff we already hold is a no-op; a diff
   * based beyond our version is a gap: RESYNC_REQUIRED.
   */
  applyDiff(diff: {
    base_version: number;
    version: number;
    ops: readonly DiffOp[];
  }): Result<'applied' | 'duplicate'> {
    if (diff.version < diff.base_version || (diff.version === diff.base_version && diff.ops.length > 0)) {
      return fail(
        'MALFORMED_MESSAGE',
        `version ${diff.version} is not after base_version ${diff.base_version}`,
      );
    }
    if (diff.version <= this.#version) return ok('duplicate');
    if (diff.base_version > this.#version) {
      return fail('RESYNC_REQUIRED', `missing versions ${this.#version + 1}..${diff.base_version}`, {
        details: { have: this.#version, base_version: diff.base_version },
      });
    }
    const checked = validateOps(diff.ops);
    if (!checked.ok) return checked;
    applyOps(this.#entries, checked.value, (stored) => {
      this.#trackExpiry(stored);
    });
    this.#commit(diff.base_version, [...diff.ops], diff.version);
    return ok('applied');
  }

  /** Replaces the whole content (resync from a full EXPAND); history restarts at `version`. */
  reset(version: number): void {
    this.#entries.clear();
    this.#version = version;
    this.#nextExpiry = Infinity;
    this.#log.reset(version);
  }

  /** Loads a replicated ref during a resync, without a version change. */
  load(ref: string, contributions: readonly Stored[]): void {
    const sources = new Map<string, Stored>();
    for (const s of contributions.slice(0, this.#maxPerRef)) {
      sources.set(s.contribution.provenance.source, s);
      this.#trackExpiry(s);
    }
    if (sources.size > 0 && (this.#entries.has(ref) || this.#entries.size < this.#maxRefs))
      this.#entries.set(ref, sources);
  }

  /** Every contribution by ref and source, sorted: equal snapshots mean equal stores. */
  snapshot(): StoreSnapshot {
    const entries: StoreSnapshot['entries'] = {};
    for (const ref of [...this.#entries.keys()].sort()) {
      const sources = this.#entries.get(ref) ?? new Map<string, Stored>();
      const bySource: Record<string, Contribution> = {};
      for (const source of [...sources.keys()].sort()) {
        const stored = sources.get(source);
        if (stored) bySource[source] = structuredClone(stored.contribution);
      }
      entries[ref] = bySource;
    }
    return { version: this.#version, entries };
  }

  #removeContribution(ref: string, source: string): void {
    const sources = this.#entries.get(ref);
    sources?.delete(source);
    if (sources?.size === 0) this.#entries.delete(ref);
  }

  #trackExpiry(stored: Stored): void {
    if (stored.expiresAtMs !== undefined) this.#nextExpiry = Math.min(this.#nextExpiry, stored.expiresAtMs);
  }

  /** Records a change; local changes without ops are no change, a replicated diff always moves the version. */
  #commit(base: number, ops: DiffOp[], replicatedVersion?: number): void {
    if (ops.length === 0 && replicatedVersion === undefined) return;
    const version = replicatedVersion ?? this.#version + 1;
    this.#version = version;
    const entry: ChangeEntry = { base, version, ops };
    this.#log.append(entry);
    for (const listener of this.#listeners) listener(entry);
  }
}

function sameContribution(a: Contribution, b: Contribution): boolean {
  return (
    jsonEqual(a.value, b.value) && jsonEqual(a.provenance, b.provenance) && jsonEqual(a.policy, b.policy)
  );
}

function toOp(op: 'add' | 'replace', ref: string, c: Contribution): DiffOp {
  const out: DiffOp = { op, ref, value: c.value, provenance: c.provenance };
  if (c.policy !== undefined) out.policy = c.policy;
  return out;
}

function randomStoreId(random: RandomBytes): string {
  return [...random(8)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
