import type { Logger } from 'pino';
import { CxpError } from '../../../src/cxp/errors.js';
import { checkGuards } from '../../../src/runtime/action-guard.js';
import { registerTargetedAction } from '../../../src/runtime/targeted-action.js';
import type { GatewayServices } from '../../mqtt/bridge/plugin.js';
import { isPlainObject } from '../../../src/cxp/data-model.js';
import type { Ros2Participant, Ros2Publication } from '../transport.js';
import type { Ros2BridgeConfig } from './config.js';
import type { RosMessageCodec } from './message-codec.js';
import { toRos2Qos } from './settings.js';

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

export interface PublishActionOptions {
  bridgeId: string;
  /** The topics the action may write to (`publish_action` in config). */
  routes: Ros2BridgeConfig['publish_action'];
  codec: RosMessageCodec;
  services: GatewayServices;
  logger: Logger;
  /** Each publication opened, for the bridge to close on stop. */
  onPublication(pub: Ros2Publication): void;
}

/**
 * Opens the topics `ros2.publish` may write to and offers them to the action; returns the removal,
 * or undefined when no topic could be opened.
 */
export function openPublishAction(p: Ros2Participant, o: PublishActionOptions): (() => void) | undefined {
  const allowed = new Map<string, { type: string; pub: Ros2Publication }>();
  o.routes.forEach((r, i) => {
    const pub = p.advertise(r.topic, r.type, toRos2Qos(r.qos));
    if (pub.ok) {
      o.onPublication(pub.value);
      allowed.set(r.topic, { type: r.type, pub: pub.value });
    } else o.logger.error({ route: `/publish_action/${i}`, err: pub.error }, 'ROS 2 publication not created');
  });
  if (allowed.size === 0) return undefined;
  return registerPublishTarget(o.services, {
    id: o.bridgeId,
    publish: (topic, type, message) => {
      const entry = allowed.get(topic);
      if (!entry)
        return {
          ok: false,
          error: new CxpError('POLICY_DENIED', `${topic} is not open to ros2.publish`, {
            details: { allowed: [...allowed.keys()] },
          }),
        };
      if (type !== undefined && type !== entry.type)
        return {
          ok: false,
          error: new CxpError('INVALID_PARAMS', `${topic} carries ${entry.type}, not ${type}`),
        };
      const cdr = o.codec.encode(entry.type, message);
      if (!cdr.ok) return { ok: false, error: cdr.error };
      const sent = entry.pub.publish(cdr.value);
      if (!sent.ok) return { ok: false, error: sent.error };
      o.services.metrics.messagesOut.inc({ route: `ros2:${o.bridgeId}`, kind: 'action' });
      return { ok: true, bytes: cdr.value.byteLength };
    },
  });
}
