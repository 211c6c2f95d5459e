import { CxpError } from '../cxp/errors.js';
import type { MessageFactory } from '../cxp/message.js';
import type { MessageOf } from '../cxp/schema/index.js';
import type { Principal } from '../context/policy.js';
import type { ActionContext, ActionHandler, CxpDispatcher } from './dispatcher.js';

type Request = MessageOf<'ACTION_REQUEST'>;
type Reply = MessageOf<'ACTION_RESULT'>;

/**
 * An action several plugin instances serve (`ros2.publish` per ROS 2 bridge, `serial.write` per
 * port), registered once per dispatcher and routed by the request's `target`: the instance of that
 * id, or the only one when there is one. Without a match it answers UNKNOWN_TARGET listing the ids.
 */
export type TargetHandler = (
  request: Request,
  principal: Principal | undefined,
  context: ActionContext,
) => Reply | Promise<Reply>;

const registries = new WeakMap<CxpDispatcher, Map<string, Map<string, TargetHandler>>>();

/** Adds instance `id` to `action`; returns its removal. A second instance of one id throws. */
export function registerTargetedAction(
  dispatcher: CxpDispatcher,
  messages: MessageFactory,
  spec: { action: string; what: string; id: string },
  handle: TargetHandler,
): () => void {
  let byAction = registries.get(dispatcher);
  if (!byAction) {
    byAction = new Map();
    registries.set(dispatcher, byAction);
  }
  let byId = byAction.get(spec.action);
  if (!byId) {
    byId = new Map();
    byAction.set(spec.action, byId);
    dispatcher.registerAction(spec.action, route(byId, messages, spec.what));
  }
  if (byId.has(spec.id)) throw new CxpError('INTERNAL_ERROR', `${spec.what} "${spec.id}" registered twice`);
  byId.set(spec.id, handle);
  const registry = byId;
  return () => registry.delete(spec.id);
}

function route(registry: Map<string, TargetHandler>, messages: MessageFactory, what: string): ActionHandler {
  return (request, principal, context) => {
    if (request.target === undefined && registry.size === 1) {
      // The handler (and the safety guard in it) sees the target the request resolved to, so a
      // rule naming one port also covers requests that leave the target out.
      const [[id, only]] = [...registry] as [[string, TargetHandler]];
      return only({ ...request, target: id }, principal, context);
    }
    const handle = request.target === undefined ? undefined : registry.get(request.target);
    if (handle) return handle(request, principal, context);
    const error = new CxpError(
      'UNKNOWN_TARGET',
      request.target === undefined
        ? `several ${what}s: name one in target`
        : `no ${what} "${request.target}"`,
      { details: { targets: [...registry.keys()].sort() } },
    );
    return messages.create('ACTION_RESULT', {
      correlation_id: request.id ?? '*',
      action: request.action,
      status: 'rejected',
      error: error.toWire(),
    });
  };
}
