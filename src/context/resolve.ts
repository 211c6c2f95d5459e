import { jsonEqual } from '../cxp/data-model.js';
import { pickWinner, type Contribution, type Stored } from './contribution.js';
import { checkPolicy, type Viewer } from './policy.js';
import { sectionOf } from './refs.js';
import type { Section } from '../cxp/schema/common.js';

/** The resolved view of one ref for one viewer. */
export interface ResolvedEntry {
  ref: string;
  section: Section;
  winner: Contribution;
  /** Visible contributions, winner first. */
  contributions: Contribution[];
  /** True when visible contributions disagree on the value. */
  conflict: boolean;
}

export type Lookup =
  | { status: 'found'; entry: ResolvedEntry }
  | { status: 'missing' }
  | { status: 'expired' }
  | { status: 'denied'; reason: string; message: string };

/**
 * Resolves one ref for one viewer: contributions past retention are gone, those the viewer's policy
 * hides are left out, and the winner is picked among the rest (pickWinner).
 */
export function resolveFor(ref: string, stored: readonly Stored[], viewer: Viewer, now: number): Lookup {
  if (stored.length === 0) return { status: 'missing' };
  const live = stored.filter((s) => s.expiresAtMs === undefined || s.expiresAtMs > now);
  if (live.length === 0) return { status: 'expired' };
  const visible: Stored[] = [];
  let denial: { reason: string; message: string } | undefined;
  for (const s of live) {
    const decision = checkPolicy(s.contribution.policy, viewer);
    if (decision.allowed) visible.push(s);
    else denial ??= { reason: decision.reason, message: decision.message };
  }
  const winner = pickWinner(visible);
  if (!winner) {
    return {
      status: 'denied',
      reason: denial?.reason ?? 'audience_not_allowed',
      message: denial?.message ?? '',
    };
  }
  const contributions = [winner, ...visible.filter((s) => s !== winner)].map((s) => s.contribution);
  const conflict = contributions.some((c) => !jsonEqual(c.value, winner.contribution.value));
  return {
    status: 'found',
    entry: { ref, section: sectionOf(ref), winner: winner.contribution, contributions, conflict },
  };
}
