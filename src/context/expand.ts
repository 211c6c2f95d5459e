import { utf8Length } from '../cxp/data-model.js';
import type { ContextExpand, Depth, Slice } from '../cxp/schema/context-messages.js';
import type { Contribution } from './contribution.js';
import type { Viewer } from './policy.js';
import { isSelector, refProblem, RefSelector } from './refs.js';
import type { ResolvedEntry } from './resolve.js';
import type { ContextStore } from './store.js';

export interface ExpandRequest {
  request: readonly string[];
  depth?: Depth;
  budget?: { max_bytes?: number; max_items?: number };
  purpose?: string;
  after?: string;
}

export interface ExpandLimits {
  /** Server-side cap on payload bytes, whatever the request asks. Default 512 KiB. */
  maxBytes?: number;
  /** Server-side cap on slices. Default 1000. */
  maxItems?: number;
  /** Bound on the denied, missing and omitted lists together (approximate bytes). Default 64 KiB. */
  maxListBytes?: number;
}

export type ExpandBody = Pick<
  ContextExpand,
  'payload' | 'denied' | 'missing' | 'truncated' | 'omitted' | 'version'
> & { payload: Record<string, Slice> };

const SUMMARY_CHARS = 120;

/**
 * Answers a CONTEXT_REQUEST from the store: only the requested slices, each checked against its
 * policy for this viewer, at the requested depth, within the tighter of the request budget and the
 * server limits. Items are answered in request order; selector matches in ref order. With `after`,
 * only refs that sort after it are answered (paging through a large selector).
 */
export function expandContext(
  store: ContextStore,
  req: ExpandRequest,
  viewer: Viewer,
  limits: ExpandLimits = {},
): ExpandBody {
  const depth = req.depth ?? 'detailed';
  const answer = new Answer(
    Math.min(req.budget?.max_bytes ?? Infinity, limits.maxBytes ?? 512 * 1024),
    Math.min(req.budget?.max_items ?? Infinity, limits.maxItems ?? 1000),
    limits.maxListBytes ?? 64 * 1024,
    store.version,
  );
  const v: Viewer = { ...viewer, ...(req.purpose === undefined ? {} : { purpose: req.purpose }) };
  for (const ref of resolveItems(store, req.request, answer)) {
    if (answer.full) break;
    if (req.after !== undefined && ref <= req.after) continue;
    const found = store.lookup(ref, v);
    if (found.status === 'missing') answer.list('missing', ref);
    else if (found.status === 'expired') answer.deny(ref, 'EXPIRED', 'past its retention TTL');
    else if (found.status === 'denied') answer.deny(ref, 'POLICY_DENIED', found.reason);
    else answer.offer(ref, renderSlice(found.entry, depth));
  }
  return answer.body;
}

/** An EXPAND being built: the payload within its budget, the ref lists within theirs. */
class Answer {
  readonly body: ExpandBody;
  readonly #maxBytes: number;
  readonly #maxItems: number;
  #bytes = 2;
  #items = 0;
  #listBytesLeft: number;

  constructor(maxBytes: number, maxItems: number, maxListBytes: number, version: number) {
    this.#maxBytes = maxBytes;
    this.#maxItems = maxItems;
    this.#listBytesLeft = maxListBytes;
    this.body = { payload: {}, denied: [], missing: [], truncated: false, omitted: [], version };
  }

  offer(ref: string, slice: Slice): void {
    const size = utf8Length(JSON.stringify(slice)) + utf8Length(JSON.stringify(ref)) + 2;
    if (size + 2 > this.#maxBytes) {
      this.deny(ref, 'BUDGET_EXCEEDED', `slice of ${size} bytes exceeds max_bytes ${this.#maxBytes}`);
    } else if (
      this.body.truncated === true ||
      this.#items + 1 > this.#maxItems ||
      this.#bytes + size > this.#maxBytes
    ) {
      this.body.truncated = true;
      this.list('omitted', ref);
    } else {
      this.body.payload[ref] = slice;
      this.#bytes += size;
      this.#items += 1;
    }
  }

  /** Truncated and no room left in the lists: nothing more can be said. */
  get full(): boolean {
    return this.body.truncated === true && this.#listBytesLeft === 0;
  }

  deny(ref: string, code: string, reason: string): void {
    if (this.#spend(ref.length + reason.length + code.length + 32))
      this.body.denied?.push({ ref, code, reason });
  }

  list(name: 'missing' | 'omitted', ref: string): void {
    if (this.#spend(ref.length + 4)) this.body[name]?.push(ref);
  }

  /** Lists share one byte bound; past it entries are dropped and the answer is marked truncated. */
  #spend(bytes: number): boolean {
    if (bytes > this.#listBytesLeft) {
      this.body.truncated = true;
      this.#listBytesLeft = 0;
      return false;
    }
    this.#listBytesLeft -= bytes;
    return true;
  }
}

/** Distinct selectors answered per request; more are denied (matching costs a pass over the refs). */
export const MAX_SELECTORS = 8;

/** Expands selectors and validates refs, in request order, without duplicates. */
function resolveItems(store: ContextStore, items: readonly string[], answer: Answer): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const add = (ref: string) => {
    if (!seen.has(ref)) {
      seen.add(ref);
      out.push(ref);
    }
  };
  let selectors = 0;
  for (const item of new Set(items)) {
    if (!isSelector(item)) {
      const problem = refProblem(item);
      if (problem === undefined) add(item);
      else answer.deny(item, 'INVALID_REF', problem);
      continue;
    }
    const problem =
      RefSelector.problem(item) ??
      (selectors >= MAX_SELECTORS ? `more than ${MAX_SELECTORS} selectors in one request` : undefined);
    if (problem !== undefined) answer.deny(item, 'INVALID_REF', problem);
    else {
      selectors += 1;
      matching(store.sortedRefs(), new RefSelector(item)).forEach(add);
    }
  }
  return out;
}

/** Refs a selector matches, in order, scanning only the range that shares its literal prefix. */
function matching(sorted: readonly string[], selector: RefSelector): readonly string[] {
  if (selector.matchesAll) return sorted;
  const prefix = selector.literalPrefix;
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? '') < prefix) lo = mid + 1;
    else hi = mid;
  }
  const out: string[] = [];
  for (let i = lo; i < sorted.length; i++) {
    const ref = sorted[i] ?? '';
    if (!ref.startsWith(prefix)) break;
    if (selector.matches(ref)) out.push(ref);
  }
  return out;
}

/** One slice at a depth: summary (no value), detailed (value + provenance), full (+ every contribution). */
export function renderSlice(entry: ResolvedEntry, depth: Depth): Slice {
  const { winner } = entry;
  const slice: Slice = {
    section: entry.section,
    stamp: winner.provenance.stamp,
    confidence: winner.provenance.confidence,
  };
  if (winner.policy !== undefined) slice.policy = winner.policy;
  if (depth === 'summary') {
    slice.summary = summarize(winner.value);
    return slice;
  }
  slice.value = winner.value;
  slice.provenance = entry.contributions.map((c) => c.provenance);
  if (entry.conflict) slice.conflict = true;
  if (depth === 'full') slice.contributions = entry.contributions.map(wireContribution);
  return slice;
}

function wireContribution(c: Contribution): NonNullable<Slice['contributions']>[number] {
  return c.policy === undefined
    ? { value: c.value, provenance: c.provenance }
    : { value: c.value, provenance: c.provenance, policy: c.policy };
}

/** A short, human-readable rendering of a value. */
export function summarize(value: unknown): string {
  let text: string;
  if (Array.isArray(value)) text = `[${value.length} items]`;
  else if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value);
    text = `{${keys.slice(0, 8).join(', ')}${keys.length > 8 ? ', …' : ''}}`;
  } else text = JSON.stringify(value);
  return text.length > SUMMARY_CHARS ? `${text.slice(0, SUMMARY_CHARS - 1)}…` : text;
}
