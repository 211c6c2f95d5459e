import type { Policy } from '../cxp/schema/common.js';

/** Who is asking: the authenticated principal, never the self-declared source id. */
export interface Principal {
  id: string;
  roles?: readonly string[];
}

/** The viewer of context: who asks, and for what purpose. */
export interface Viewer {
  principal?: Principal;
  purpose?: string;
}

export type DenyReason = 'purpose_required' | 'purpose_not_allowed' | 'audience_not_allowed';

export type PolicyDecision = { allowed: true } | { allowed: false; reason: DenyReason; message: string };

const ALLOW: PolicyDecision = { allowed: true };

/**
 * Policy semantics (docs/protocol.md §Policy): an absent or empty list allows everything.
 * `audience` entries are principal ids, `role:<name>`, or `*` for any authenticated principal.
 * `purpose` entries are purposes or `*`; a restricted entry needs a purpose in the request.
 */
export function checkPolicy(policy: Policy | undefined, viewer: Viewer): PolicyDecision {
  if (policy === undefined) return ALLOW;
  const audience = policy.audience ?? [];
  if (audience.length > 0 && !audienceAllows(audience, viewer.principal)) {
    return { allowed: false, reason: 'audience_not_allowed', message: 'principal is not in the audience' };
  }
  const purposes = policy.purpose ?? [];
  if (purposes.length > 0 && !purposes.includes('*')) {
    if (viewer.purpose === undefined) {
      return {
        allowed: false,
        reason: 'purpose_required',
        message: `a purpose is required (${purposes.join(', ')})`,
      };
    }
    if (!purposes.includes(viewer.purpose)) {
      return {
        allowed: false,
        reason: 'purpose_not_allowed',
        message: `purpose "${viewer.purpose}" is not allowed`,
      };
    }
  }
  return ALLOW;
}

/** Audience check alone: used for previews, where no purpose is known yet. */
export function audienceAllows(
  audience: readonly string[] | undefined,
  principal: Principal | undefined,
): boolean {
  if (audience === undefined || audience.length === 0) return true;
  if (principal === undefined) return false;
  return audience.some(
    (entry) =>
      entry === '*' ||
      entry === principal.id ||
      (entry.startsWith('role:') && (principal.roles ?? []).includes(entry.slice(5))),
  );
}
