import type { ErrorCode } from '../cxp/error-codes.js';
import type { MessageOf } from '../cxp/schema/index.js';
import type { Principal } from '../context/policy.js';

/**
 * A guard's word on an action before anything is written to a device or robot. The safety
 * supervisor provides guards (interlocks); until one is configured, actions that move things fail
 * closed, like intents without a decision hook.
 */
export type GuardVerdict =
  | { allow: true }
  | {
      allow: false;
      code: 'SAFETY_INTERLOCK' | 'POLICY_DENIED';
      message: string;
      details?: Record<string, unknown>;
    };

export type ActionGuard = (
  request: MessageOf<'ACTION_REQUEST'>,
  principal: Principal | undefined,
) => GuardVerdict;

/**
 * Every guard must allow; the first refusal wins. No guard at all refuses (NO_DECISION_HOOK); a guard
 * that throws refuses (EVALUATION_ERROR). Pure: the guards are the caller's.
 */
export function checkGuards(
  guards: readonly ActionGuard[],
  request: MessageOf<'ACTION_REQUEST'>,
  principal: Principal | undefined,
): { allow: true } | { allow: false; code: ErrorCode; message: string; details?: Record<string, unknown> } {
  if (guards.length === 0)
    return {
      allow: false,
      code: 'NO_DECISION_HOOK',
      message: 'no safety guard is configured: refused (fail closed)',
    };
  for (const guard of guards) {
    let verdict: GuardVerdict;
    try {
      verdict = guard(request, principal);
    } catch (err) {
      return {
        allow: false,
        code: 'EVALUATION_ERROR',
        message: `a guard failed: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
    if (!verdict.allow) return verdict;
  }
  return { allow: true };
}
