import { CxpError } from '../../../src/cxp/errors.js';
import { checkGuards } from '../../../src/runtime/action-guard.js';
import { registerTargetedAction } from '../../../src/runtime/targeted-action.js';
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

/**
 * Registers a bridge for the CXP action `ros2.publish` ({topic, type?, message}, `target` = bridge
 * id when there are several). Before anything is written the request passes the safety guards:
 * none configured, or one refusing, and the action is rejected (fail closed).
 */
export function registerPublishTarget(services: GatewayServices, bridge: PublishTarget): () => void {
  const { dispatcher, messages } = services.cxp;
  return registerTargetedAction(
    dispatcher,
    messages,
    { action: 'ros2.publish', what: 'ROS 2 bridge', id: bridge.id },
    (request, principal) => {
      const base = { correlation_id: request.id ?? '*', action: request.action };
      const reject = (error: CxpError, status: 'rejected' | 'failed' = 'rejected') =>
        messages.create('ACTION_RESULT', { ...base, status, error: error.toWire() });
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
