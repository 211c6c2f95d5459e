import type { Clock } from '../cxp/clock.js';
import { cryptoRandom, type RandomBytes } from '../cxp/ids.js';
import { isPlainObject, jsonEqual, truncateText } from '../cxp/data-model.js';
import { CxpError, fail, ok, toCxpError, type Result } from '../cxp/errors.js';
import type { Policy, Provenance, Section } from '../cxp/schema/common.js';
import type { DiffOp } from '../cxp/schema/context-messages.js';
import { ChangeLog, compactOps, type ChangeEntry } from './change-log.js';
import {
  fromWire,
  normalizeInput,
  pickWinner,
  type Contribution,
  type ContributionInput,
  type Stored,
} from './contribution.js';
import { opOf, validateOps, type CheckedOp } from './diff-apply.js';
import type { Viewer } from './policy.js';
import { resolveFor, type Lookup } from './resolve.js';
import { ContributionTable } from './table.js';
import { refProblem, sectionOf } from './refs.js';

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
  /** Largest contribution value, as UTF-8 JSON bytes. Default 256 KiB. */
  maxValueBytes?: number;
  /**
   * `replica`: the store mirrors a provider. Its expiry sweep removes data without a version of its
   * own (the provider's DIFF carries the removal), so versions stay the provider's.
   */
  mode?: 'primary' | 'replica';
  /** Called when a change listener throws; the store and the other listeners carry on. */
  onListenerError?: (err: unknown) => void;
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
  readonly #retention: Partial<Record<Section, string>>;
  readonly #table: ContributionTable;
  readonly #maxValueBytes: number;
  readonly #replica: boolean;
  readonly #onListenerError: (err: unknown) => void;
  readonly #log: ChangeLog;
  readonly #listeners = new Set<ChangeListener>();
  #version = 0;

  constructor(options: ContextStoreOptions) {
    this.#clock = options.clock;
    this.storeId = options.storeId ?? randomStoreId(options.random ?? cryptoRandom);
    this.#table = new ContributionTable(options.maxRefs ?? 100_000, options.maxContributionsPerRef ?? 64);
    this.#retention = options.defaultRetention ?? {};
    this.#maxValueBytes = options.maxValueBytes ?? 256 * 1024;
    this.#replica = options.mode === 'replica';
    this.#onListenerError = options.onListenerError ?? (() => undefined);
    this.#log = new ChangeLog(options.historyOps ?? 10_000, 0);
  }

  get version(): number {
    return this.#version;
  }

  get size(): number {
    return this.#table.size;
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
    const stored = normalizeInput(input, now, {
      defaultRetention: this.#retention[sectionOf(input.ref)],
      maxValueBytes: this.#maxValueBytes,
    });
    const previous = this.#table.sources(input.ref)?.get(input.source);
    if (previous && sameContribution(previous.contribution, stored.contribution)) return undefined;
    this.#table.checkRoom(input.ref, input.source);
    this.#table.set(input.ref, stored);
    return opOf({ kind: 'upsert', op: previous ? 'replace' : 'add', ref: input.ref, stored });
  }

  /** Removes one source's contribution; the others stay. */
  retract(ref: string, source: string): number {
    if (!this.#table.sources(ref)?.has(source)) return this.#version;
    this.#table.remove(ref, source);
    this.#commit(this.#version, [{ op: 'remove', ref, provenance: { source } }]);
    return this.#version;
  }

  /**
   * Removes every contribution past its retention TTL and returns how many. A primary commits the
   * removals as a version (peers get them as DIFF removes); a replica removes them silently.
   */
  expire(): number {
    const now = this.#clock.now();
    if (now < this.#table.nextExpiry) return 0;
    const ops: DiffOp[] = [];
    let next = Infinity;
    for (const [ref, sources] of this.#table.entries()) {
      for (const [source, stored] of sources) {
        if (stored.expiresAtMs === undefined) continue;
        if (stored.expiresAtMs <= now) ops.push({ op: 'remove', ref, provenance: { source } });
        else next = Math.min(next, stored.expiresAtMs);
      }
    }
    for (const op of ops) this.#table.remove(op.ref, op.provenance?.source ?? '');
    this.#table.nextExpiry = next;
    if (!this.#replica) this.#commit(this.#version, ops);
    return ops.length;
  }

  /** Looks a ref up for a viewer, applying expiry and policy per contribution. */
  lookup(ref: string, viewer: Viewer = {}): Lookup {
    return resolveFor(ref, this.contributionsOf(ref), viewer, this.#clock.now());
  }

  /** The resolved value of a ref ignoring policy (for trusted in-process readers such as the supervisor). */
  value(ref: string): unknown {
    const now = this.#clock.now();
    const live = this.contributionsOf(ref).filter((s) => s.expiresAtMs === undefined || s.expiresAtMs > now);
    return pickWinner(live)?.contribution.value;
  }

  /** Every ref currently held, in insertion order. */
  refs(): IterableIterator<string> {
    return this.#table.refs();
  }

  /** Every ref in ascending order (cached between changes of the ref set). */
  sortedRefs(): readonly string[] {
    return this.#table.sortedRefs();
  }

  /** Stored contributions of a ref (expired ones included until swept). They are frozen. */
  contributionsOf(ref: string): Stored[] {
    return [...(this.#table.sources(ref)?.values() ?? [])];
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
   * based beyond our version is a gap: RESYNC_REQUIRED. The bounds of the store hold here too
   * (STORE_FULL, nothing applied).
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
    const checked = validateOps(diff.ops, this.#maxValueBytes);
    if (!checked.ok) return checked;
    try {
      this.#table.checkRoomFor(checked.value);
    } catch (err) {
      return { ok: false, error: toCxpError(err) };
    }
    for (const op of checked.value) this.#apply(op);
    this.#commit(diff.base_version, checked.value.map(opOf), diff.version);
    return ok('applied');
  }

  #apply(op: CheckedOp): void {
    if (op.kind === 'upsert') this.#table.set(op.ref, op.stored);
    else this.#table.remove(op.ref, op.source);
  }

  /** Replaces the whole content (resync from a full EXPAND); history restarts at `version`. */
  reset(version: number): void {
    this.#table.clear();
    this.#version = version;
    this.#log.reset(version);
  }

  /**
   * Loads one ref of a resync EXPAND (its `contributions` as received), without a version change.
   * Everything is checked first (ref grammar, provenance, policy, value, bounds); on any problem
   * nothing is loaded.
   */
  loadWire(ref: string, contributions: readonly unknown[]): Result<void> {
    const problem = refProblem(ref);
    if (problem !== undefined) return fail('INVALID_REF', `${truncateText(ref, 64)}: ${problem}`);
    const checked: CheckedOp[] = [];
    try {
      for (const c of contributions) {
        if (!isPlainObject(c) || !isPlainObject(c.provenance))
          throw new CxpError('MALFORMED_MESSAGE', `${ref}: contribution without provenance`);
        const stored = fromWire(
          c.value,
          c.provenance as Provenance,
          c.policy as Policy | undefined,
          this.#maxValueBytes,
        );
        checked.push({ kind: 'upsert', op: 'add', ref, stored });
      }
      this.#table.checkRoomFor(checked);
    } catch (err) {
      return { ok: false, error: toCxpError(err, 'MALFORMED_MESSAGE') };
    }
    for (const op of checked) this.#apply(op);
    return ok(undefined);
  }

  /** Every contribution by ref and source, sorted: equal snapshots mean equal stores. */
  snapshot(): StoreSnapshot {
    const entries: StoreSnapshot['entries'] = {};
    for (const ref of this.#table.sortedRefs()) {
      const sources = this.#table.sources(ref) ?? new Map<string, Stored>();
      const bySource: Record<string, Contribution> = {};
      for (const source of [...sources.keys()].sort()) {
        const stored = sources.get(source);
        if (stored) bySource[source] = structuredClone(stored.contribution);
      }
      entries[ref] = bySource;
    }
    return { version: this.#version, entries };
  }

  /** Records a change; local changes without ops are no change, a replicated diff always moves the version. */
  #commit(base: number, ops: DiffOp[], replicatedVersion?: number): void {
    if (ops.length === 0 && replicatedVersion === undefined) return;
    const version = replicatedVersion ?? this.#version + 1;
    this.#version = version;
    for (const op of ops) Object.freeze(op);
    const entry: ChangeEntry = Object.freeze({ base, version, ops: Object.freeze(ops) as DiffOp[] });
    this.#log.append(entry);
    for (const listener of this.#listeners) {
      try {
        listener(entry);
      } catch (err) {
        this.#onListenerError(err);
      }
    }
  }
}

function sameContribution(a: Contribution, b: Contribution): boolean {
  return (
    jsonEqual(a.value, b.value) && jsonEqual(a.provenance, b.provenance) && jsonEqual(a.policy, b.policy)
  );
}

function randomStoreId(random: RandomBytes): string {
  return [...random(8)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
