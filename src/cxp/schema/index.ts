import type { Static, TObject } from '@sinclair/typebox';
import { ActionRequest, ActionResultMessage, IntentPropose } from './action-messages.js';
import type { MessageType } from './common.js';
import {
  ContextAck,
  ContextDiff,
  ContextExpand,
  ContextPreview,
  ContextRequest,
} from './context-messages.js';
import { SafetyEvent } from './safety-event.js';

export * from './action-messages.js';
export * from './common.js';
export * from './context-messages.js';
export * from './safety-event.js';

export const MESSAGE_SCHEMAS = {
  CONTEXT_PREVIEW: ContextPreview,
  CONTEXT_REQUEST: ContextRequest,
  CONTEXT_EXPAND: ContextExpand,
  CONTEXT_DIFF: ContextDiff,
  CONTEXT_ACK: ContextAck,
  INTENT_PROPOSE: IntentPropose,
  ACTION_REQUEST: ActionRequest,
  ACTION_RESULT: ActionResultMessage,
  SAFETY_EVENT: SafetyEvent,
} as const satisfies Record<MessageType, TObject>;

export type MessageOf<T extends MessageType> = Static<(typeof MESSAGE_SCHEMAS)[T]>;
export type CxpMessage = { [T in MessageType]: MessageOf<T> }[MessageType];
