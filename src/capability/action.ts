import type { MessageFactory } from '../cxp/message.js';
import type { MessageOf } from '../cxp/schema/index.js';
import {
  negotiate,
  decodeHandshakeRequest,
  type HandshakeProvider,
  type NegotiateOptions,
} from './handshake.js';

/** The action name that carries a capability handshake over CXP. */
export const HANDSHAKE_ACTION = 'cap.handshake';

/**
 * Answers an ACTION_REQUEST `cap.handshake` (params = HandshakeRequest) with an ACTION_RESULT:
 * `succeeded` with the HandshakeResponse as result (whatever its status: a rejected handshake is a
 * successful answer), or `rejected` with INVALID_PARAMS when the params are not a HandshakeRequest.
 */
export function answerHandshake(
  messages: MessageFactory,
  request: MessageOf<'ACTION_REQUEST'>,
  provider: HandshakeProvider,
  options: NegotiateOptions,
): MessageOf<'ACTION_RESULT'> {
  const correlation = { correlation_id: request.id ?? '*', action: HANDSHAKE_ACTION };
  const decoded = decodeHandshakeRequest(request.params ?? {});
  if (!decoded.ok) {
    return messages.create('ACTION_RESULT', {
      ...correlation,
      status: 'rejected',
      error: decoded.error.toWire(),
    });
  }
  const response = negotiate(decoded.value, provider, options);
  return messages.create('ACTION_RESULT', { ...correlation, status: 'succeeded', result: response });
}
