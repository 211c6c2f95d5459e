import { CxpError } from '../../../src/cxp/errors.js';
import type { MessageOf } from '../../../src/cxp/schema/index.js';
import type { Principal } from '../../../src/context/policy.js';
import { checkGuards } from '../../../src/runtime/action-guard.js';
import type { CxpDispatcher } from '../../../src/runtime/dispatcher.js';
import type { GatewayServices } from '../../mqtt/bridge/plugin.js';
import { isPlainObject } from '../../../src/cxp/data-model.js';

/** What one ROS 2 bridge offers the `ros2.publish` action. */
export interface PublishTarget {
  readonly id: string;
  /** Publishes JSON to an allowed topic, or says why not (coded). */
  publish(
    topic: string,
    type: string | undefined,
    message: unknown,
  ): { ok: true; bytes: number } | { ok: false; error: CxpError };
}

const targets = new WeakMap<CxpDispatcher, Map<string, PublishTarget>>();

/**
 * Registers a bridge for the CXP action `ros2.publish` ({topic, type?, message}, `target` = bridge
 * id when there are several). Before anything is written the request passes the safety guards:
 * none configured, or one refusing, and the action is rejected (fail closed).
 */
export function registerPublishTarget(services: GatewayServices, target: PublishTarget): () => void {
  const { dispatcher, messages } = services.cxp;
  let byId = targets.get(dispatcher);
  if (!byId) {
    const registry = new Map<string, PublishTarget>();
    byId = registry;
    targets.set(dispatcher, registry);
    dispatcher.registerAction(
      'ros2.publish',
      (request: MessageOf<'ACTION_REQUEST'>, principal: Principal | undefined) => {
        const base = { correlation_id: request.id ?? '*', action: request.action };
        const reject = (error: CxpError, status: 'rejected' | 'failed' = 'rejected') =>
          messages.create('ACTION_RESULT', { ...base, status, error: error.toWire() });
        const bridge =
          request.target !== undefined
            ? registry.get(request.target)
            : registry.size === 1
              ? [...registry.values()][0]
              : undefined;
        if (!bridge)
          return reject(
            new CxpError(
              'UNKNOWN_TARGET',
              request.target === undefined
                ? 'several ROS 2 bridges: name one in target'
                : `no ROS 2 bridge "${request.target}"`,
              {
                details: { targets: [...registry.keys()] },
              },
            ),
          );
        const params: unknown = request.params;
        if (!isPlainObject(params) || typeof params.topic !== 'string' || !isPlainObject(params.message))
          return reject(new CxpError('INVALID_PARAMS', 'ros2.publish wants {topic, type?, message}'));
        if (params.type !== undefined && typeof params.type !== 'string')
          return reject(new CxpError('INVALID_PARAMS', 'type must be a ROS type name'));
        const verdict = checkGuards(services.cxp.guards(), request, principal);
        if (!verdict.allow) {
          services.metrics.errors.inc({ route: `ros2:${bridge.id}`, code: verdict.code });
          return reject(
            new CxpError(
              verdict.code,
              verdict.message,
              verdict.details === undefined ? {} : { details: verdict.details },
            ),
          );
        }
        const sent = bridge.publish(params.topic, params.type, params.message);
        if (!sent.ok) return reject(sent.error, sent.error.code === 'INTERNAL_ERROR' ? 'failed' : 'rejected');
        return messages.create('ACTION_RESULT', {
          ...base,
          status: 'succeeded',
          result: { topic: params.topic, bytes: sent.bytes },
        });
      },
    );
  }
  byId.set(target.id, target);
  const registry = byId;
  return () => registry.delete(target.id);
}
