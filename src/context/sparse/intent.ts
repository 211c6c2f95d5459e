import type { MessageFactory } from '../../cxp/message.js';
import type { MessageOf } from '../../cxp/schema/index.js';
import type { Decision, Reason } from '../../cxp/schema/context-messages.js';
import type { Viewer } from '../policy.js';

export type Intent = MessageOf<'INTENT_PROPOSE'>['intent'];

export interface IntentDecision {
  decision: Decision;
  reasons: Reason[];
}

export interface IntentContext {
  viewer: Viewer;
  message: MessageOf<'INTENT_PROPOSE'>;
}

/** A decision hook: synchronous and side-effect free, like the safety guard. */
export type DecisionHook = (intent: Intent, context: IntentContext) => IntentDecision;

const RANK: Record<Decision, number> = { accepted: 0, degraded: 1, rejected: 2 };

/**
 * Runs every hook; the most restrictive decision wins and all reasons are kept. A hook that throws
 * rejects the intent (EVALUATION_ERROR), and with no hook at all nothing can vouch for the intent,
 * so it is rejected (NO_DECISION_HOOK): fail closed.
 */
export function evaluateIntent(hooks: readonly DecisionHook[], context: IntentContext): IntentDecision {
  if (hooks.length === 0) {
    return {
      decision: 'rejected',
      reasons: [{ code: 'NO_DECISION_HOOK', message: 'no decision hook is configured' }],
    };
  }
  let decision: Decision = 'accepted';
  const reasons: Reason[] = [];
  for (const hook of hooks) {
    let result: IntentDecision;
    try {
      result = hook(context.message.intent, context);
    } catch (err) {
      result = {
        decision: 'rejected',
        reasons: [{ code: 'EVALUATION_ERROR', message: err instanceof Error ? err.message : String(err) }],
      };
    }
    if (RANK[result.decision] > RANK[decision]) decision = result.decision;
    reasons.push(...result.reasons);
  }
  return { decision, reasons };
}

/** The CONTEXT_ACK that answers an INTENT_PROPOSE. */
export function answerIntent(
  messages: MessageFactory,
  hooks: readonly DecisionHook[],
  context: IntentContext,
): MessageOf<'CONTEXT_ACK'> {
  const { decision, reasons } = evaluateIntent(hooks, context);
  const id = context.message.id;
  return messages.create('CONTEXT_ACK', {
    ack: id ?? '*',
    status: 'ok',
    decision,
    reasons,
    ...(id === undefined ? {} : { correlation_id: id }),
  });
}
