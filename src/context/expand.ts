import { utf8Length } from '../cxp/data-model.js';
import type { ContextExpand, Depth, Slice } from '../cxp/schema/context-messages.js';
import type { Contribution } from './contribution.js';
import type { Viewer } from './policy.js';
import { isSelector, refProblem, RefSelector } from './refs.js';
import type { ContextStore, ResolvedEntry } from './store.js';

export interface ExpandRequest {
  request: readonly string[];
  depth?: Depth;
  budget?: { max_bytes?: number; max_items?: number };
  purpose?: string;
}

export interface ExpandLimits {
  /** Server-side cap on payload bytes, whatever the request asks. Default 512 KiB. */
  maxBytes?: number;
  /** Server-side cap on slices. Default 1000. */
  maxItems?: number;
}

export type ExpandBody = Pick<
  ContextExpand,
  'payload' | 'denied' | 'missing' | 'truncated' | 'omitted' | 'version'
> & { payload: Record<string, Slice> };

const SUMMARY_CHARS = 120;

/**
 * Answers a CONTEXT_REQUEST from the store: only the requested slices, each checked against its
 * policy for this viewer, at the requested depth, within the tighter of the request budget and the
 * server limits. Items are answered in request order; selector matches in ref order.
 */
export function expandContext(
  store: ContextStore,
  req: ExpandRequest,
  viewer: Viewer,
  limits: ExpandLimits = {},
): ExpandBody {
  const depth = req.depth ?? 'detailed';
  const maxBytes = Math.min(req.budget?.max_bytes ?? Infinity, limits.maxBytes ?? 512 * 1024);
  const maxItems = Math.min(req.budget?.max_items ?? Infinity, limits.maxItems ?? 1000);
  const body: ExpandBody = {
    payload: {},
    denied: [],
    missing: [],
    truncated: false,
    omitted: [],
    version: store.version,
  };
  const v: Viewer = { ...viewer, ...(req.purpose === undefined ? {} : { purpose: req.purpose }) };
  let bytes = 2;
  let items = 0;
  for (const ref of resolveItems(store, req.request, body)) {
    const found = store.lookup(ref, v);
    if (found.status === 'missing') body.missing?.push(ref);
    else if (found.status === 'expired')
      body.denied?.push({ ref, code: 'EXPIRED', reason: 'past its retention TTL' });
    else if (found.status === 'denied')
      body.denied?.push({ ref, code: 'POLICY_DENIED', reason: found.reason });
    else {
      const slice = renderSlice(found.entry, depth);
      const size = utf8Length(JSON.stringify(slice)) + utf8Length(JSON.stringify(ref)) + 2;
      if (size + 2 > maxBytes) {
        body.denied?.push({
          ref,
          code: 'BUDGET_EXCEEDED',
          reason: `slice of ${size} bytes exceeds max_bytes ${maxBytes}`,
        });
      } else if (body.truncated === true || items + 1 > maxItems || bytes + size > maxBytes) {
        body.truncated = true;
        body.omitted?.push(ref);
      } else {
        body.payload[ref] = slice;
        bytes += size;
        items += 1;
      }
    }
  }
  return body;
}

/** Expands selectors and validates refs, in request order, without duplicates. */
function resolveItems(store: ContextStore, items: readonly string[], body: ExpandBody): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const add = (ref: string) => {
    if (!seen.has(ref)) {
      seen.add(ref);
      out.push(ref);
    }
  };
  for (const item of items) {
    if (isSelector(item)) {
      const problem = RefSelector.problem(item);
      if (problem !== undefined) body.denied?.push({ ref: item, code: 'INVALID_REF', reason: problem });
      else {
        const selector = new RefSelector(item);
        [...store.refs()]
          .filter((r) => selector.matches(r))
          .sort()
          .forEach(add);
      }
    } else {
      const problem = refProblem(item);
      if (problem === undefined) add(item);
      else body.denied?.push({ ref: item, code: 'INVALID_REF', reason: problem });
    }
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
