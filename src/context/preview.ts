import { SECTIONS, type Section } from '../cxp/schema/common.js';
import type { ContextPreview } from '../cxp/schema/context-messages.js';
import { formatTimestamp } from '../cxp/time.js';
import { audienceAllows, type Viewer } from './policy.js';
import { sectionOf } from './refs.js';
import type { ContextStore } from './store.js';

export interface PreviewOptions {
  /** Most refs listed; the newest first. Default 64. */
  maxRefs?: number;
  /** Sentence placed before the counts, e.g. the gateway id. */
  title?: string;
}

export type PreviewBody = Pick<
  ContextPreview,
  'summary' | 'context_refs' | 'version' | 'sections' | 'store_id'
>;

/**
 * A preview: counts per section and the refs a viewer may ask for, newest first, no values.
 * Only the audience is checked here (purpose is not known until a request names it); expired
 * contributions are not counted.
 */
export function buildPreview(
  store: ContextStore,
  viewer: Viewer,
  now: number,
  options: PreviewOptions = {},
): PreviewBody {
  const maxRefs = options.maxRefs ?? 64;
  const counts = new Map<Section, { count: number; newest: number }>();
  const listed: { ref: string; newest: number }[] = [];
  for (const ref of store.refs()) {
    let newest = -1;
    for (const s of store.contributionsOf(ref)) {
      const live = s.expiresAtMs === undefined || s.expiresAtMs > now;
      if (live && audienceAllows(s.contribution.policy?.audience, viewer.principal))
        newest = Math.max(newest, s.stampMs);
    }
    if (newest < 0) continue;
    const section = sectionOf(ref);
    const c = counts.get(section) ?? { count: 0, newest: -1 };
    counts.set(section, { count: c.count + 1, newest: Math.max(c.newest, newest) });
    listed.push({ ref, newest });
  }
  listed.sort((a, b) => b.newest - a.newest || (a.ref < b.ref ? -1 : 1));
  const sections: NonNullable<PreviewBody['sections']> = {};
  for (const section of SECTIONS) {
    const c = counts.get(section);
    if (c) sections[section] = { count: c.count, updated_at: formatTimestamp(c.newest) };
  }
  return {
    summary: summaryText(counts, listed.length, store.version, options.title),
    context_refs: listed.slice(0, maxRefs).map((l) => l.ref),
    version: store.version,
    sections,
    store_id: store.storeId,
  };
}

function summaryText(
  counts: Map<Section, { count: number }>,
  total: number,
  version: number,
  title?: string,
): string {
  const parts = SECTIONS.filter((s) => counts.has(s)).map((s) => `${s} ${counts.get(s)?.count ?? 0}`);
  const safety = counts.get('safety')?.count ?? 0;
  const body =
    total === 0
      ? `no context yet (version ${version})`
      : `${total} refs (${parts.join(', ')}) at version ${version}${safety > 0 ? `; ${safety} safety entries` : ''}`;
  return title === undefined ? body : `${title}: ${body}`;
}
