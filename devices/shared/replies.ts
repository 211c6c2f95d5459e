import type { Principal } from '../../src/context/policy.js';
import { CxpError } from '../../src/cxp/errors.js';
import type { MessageFactory } from '../../src/cxp/message.js';
import type { MessageOf } from '../../src/cxp/schema/index.js';
import { checkGuards, type ActionGuard } from '../../src/runtime/action-guard.js';

type Request = MessageOf<'ACTION_REQUEST'>;
type Reply = MessageOf<'ACTION_RESULT'>;

/** ACTION_RESULTs of a device's action handlers, and the optional guard check printers share. */
export interface Replies {
  reply: (req: Request, status: Reply['status'], extra?: Partial<Reply>) => Reply;
  refuse: (req: Request, error: CxpError, status?: 'rejected' | 'failed') => Reply;
  /**
   * Printing is no motion: without a configured guard it is allowed; a configured guard (the safety
   * supervisor) can interlock it like any action. The refusal, or undefined when allowed.
   */
  guard: (
    req: Request,
    principal: Principal | undefined,
    guards: readonly ActionGuard[],
  ) => Reply | undefined;
}

export function replies(messages: MessageFactory): Replies {
  const reply: Replies['reply'] = (req, status, extra = {}) =>
    messages.create('ACTION_RESULT', {
      correlation_id: req.id ?? '*',
      action: req.action,
      status,
      ...(req.task_id === undefined ? {} : { task_id: req.task_id }),
      ...extra,
    });
  const refuse: Replies['refuse'] = (req, error, status = 'rejected') =>
    reply(req, status, { error: error.toWire() });
  return {
    reply,
    refuse,
    guard: (req, principal, guards) => {
      if (guards.length === 0) return undefined;
      const verdict = checkGuards(guards, req, principal);
      if (verdict.allow) return undefined;
      return refuse(req, new CxpError(verdict.code, verdict.message, { details: verdict.details ?? {} }));
    },
  };
}
