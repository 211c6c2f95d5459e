import type { Clock } from '../cxp/clock.js';
import { CxpError } from '../cxp/errors.js';
import { isExpired, type MessageFactory } from '../cxp/message.js';
import type { CxpMessage, MessageOf } from '../cxp/schema/index.js';
import type { Principal } from '../context/policy.js';
import { answerIntent, type DecisionHook } from '../context/sparse/intent.js';
import type { ContextProvider } from '../context/sparse/provider.js';

/**
 * What a handler may do besides answering. `emit` sends a further ACTION_RESULT for the same request
 * later (`running` progress, then the one final result), to wherever the first answer went: a
 * handler for long work answers `accepted` at once and emits the outcome when it has it, so the
 * binding's request queue is never held by a printer.
 */
export interface ActionContext {
  emit(result: MessageOf<'ACTION_RESULT'>): void;
}

/** An action handler: the first ACTION_RESULT (or a promise of it) for one ACTION_REQUEST. */
export type ActionHandler = (
  request: MessageOf<'ACTION_REQUEST'>,
  principal: Principal | undefined,
  context: ActionContext,
) => MessageOf<'ACTION_RESULT'> | Promise<MessageOf<'ACTION_RESULT'>>;

/** Where results emitted after the first answer go (the binding that received the request). */
export type LaterReplies = (message: CxpMessage) => void;

const dropLater: LaterReplies = () => undefined;

export interface DispatcherOptions {
  provider: ContextProvider;
  messages: MessageFactory;
  clock: Clock;
  intentHooks: () => readonly DecisionHook[];
}

/**
 * Routes one decoded CXP message to what answers it and returns the replies (possibly none).
 * Transport-free: the MQTT and ROS 2 bindings both call it. It never throws for bad input;
 * every failure is a coded error reply.
 */
export class CxpDispatcher {
  readonly #o: DispatcherOptions;
  readonly #actions = new Map<string, ActionHandler>();

  constructor(options: DispatcherOptions) {
    this.#o = options;
  }

  registerAction(name: string, handler: ActionHandler): void {
    if (this.#actions.has(name)) throw new CxpError('INTERNAL_ERROR', `action ${name} registered twice`);
    this.#actions.set(name, handler);
  }

  actions(): string[] {
    return [...this.#actions.keys()].sort();
  }

  async dispatch(
    message: CxpMessage,
    principal: Principal | undefined,
    later: LaterReplies = dropLater,
  ): Promise<CxpMessage[]> {
    const m = this.#o.messages;
    if (isExpired(message, this.#o.clock.now())) {
      return [
        m.errorReply(new CxpError('EXPIRED', 'the message arrived after ts + ttl_ms'), header(message)),
      ];
    }
    switch (message.type) {
      case 'CONTEXT_REQUEST':
        return [this.#o.provider.handleRequest(message, viewerOf(principal, message.purpose))];
      case 'CONTEXT_ACK':
        return this.#ack(message, principal);
      case 'INTENT_PROPOSE':
        return [answerIntent(m, this.#o.intentHooks(), { viewer: viewerOf(principal), message })];
      case 'ACTION_REQUEST':
        return this.#action(message, principal, later);
      default:
        return [
          m.errorReply(
            new CxpError(
              'UNSUPPORTED_OPERATION',
              `the gateway does not accept ${message.type} on its request topic`,
            ),
            header(message),
          ),
        ];
    }
  }

  #ack(message: MessageOf<'CONTEXT_ACK'>, principal: Principal | undefined): CxpMessage[] {
    const answer = this.#o.provider.handleAck(message, viewerOf(principal));
    if (answer.ok) return answer.value ? [answer.value] : [];
    return [this.#o.messages.errorReply(answer.error, header(message))];
  }

  async #action(
    request: MessageOf<'ACTION_REQUEST'>,
    principal: Principal | undefined,
    later: LaterReplies,
  ): Promise<CxpMessage[]> {
    const handler = this.#actions.get(request.action);
    const base = { correlation_id: request.id ?? '*', action: request.action };
    if (!handler) {
      const error = new CxpError('UNKNOWN_ACTION', `no handler for action "${request.action}"`, {
        details: { known: this.actions() },
      });
      return [
        this.#o.messages.create('ACTION_RESULT', { ...base, status: 'rejected', error: error.toWire() }),
      ];
    }
    // Results emitted before the first answer is back follow it in the same reply list; later ones
    // go straight out. Nothing can run between the handler settling and the caller sending the list
    // (microtasks only), so the first answer always leaves first.
    const early: CxpMessage[] = [];
    let answered = false;
    const emit = (m: CxpMessage): void => {
      if (answered) later(m);
      else early.push(m);
    };
    try {
      const first = await handler(request, principal, { emit });
      answered = true;
      return [first, ...early];
    } catch (err) {
      answered = true;
      const error =
        err instanceof CxpError
          ? err
          : new CxpError('INTERNAL_ERROR', 'the action handler failed', { cause: err });
      return [
        this.#o.messages.create('ACTION_RESULT', { ...base, status: 'failed', error: error.toWire() }),
        ...early,
      ];
    }
  }
}

function viewerOf(principal: Principal | undefined, purpose?: string) {
  return { ...(principal ? { principal } : {}), ...(purpose === undefined ? {} : { purpose }) };
}

function header(message: CxpMessage): { id?: string; type?: string } {
  return message.id === undefined ? { type: message.type } : { id: message.id, type: message.type };
}
