import { Type, type Static } from '@sinclair/typebox';
import { CxpErrorSchema, Identifier, JsonObject, literalUnion, messageSchema } from './common.js';

export const IntentPropose = messageSchema(
  'INTENT_PROPOSE',
  {
    intent: Type.Object(
      {
        name: Identifier('What the proposer intends to do, e.g. "pick_place" or "print.submit".', 128),
        params: Type.Optional(JsonObject('Parameters of the intent.')),
        constraints: Type.Optional(JsonObject('Limits the proposer commits to, SI units in name suffixes.')),
      },
      { title: 'Intent' },
    ),
  },
  'Proposes an intent; answered by CONTEXT_ACK with decision accepted, degraded or rejected.',
);
export type IntentPropose = Static<typeof IntentPropose>;

export const ActionRequest = messageSchema(
  'ACTION_REQUEST',
  {
    action: Identifier('Action name, e.g. print.submit.', 128),
    params: Type.Optional(JsonObject('Action parameters; absent means {}.')),
    deadline_ms: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 86_400_000, description: 'Time allowed to finish after receipt.' }),
    ),
    idempotency_key: Type.Optional(Identifier('Repeats with the same key run the action once.', 256)),
  },
  'Asks the gateway to perform an action on a target.',
);
export type ActionRequest = Static<typeof ActionRequest>;

export const ACTION_STATUSES = ['accepted', 'running', 'succeeded', 'failed', 'rejected'] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

export const ActionResultMessage = messageSchema(
  'ACTION_RESULT',
  {
    correlation_id: Identifier('The id of the ACTION_REQUEST this answers.', 128),
    action: Type.Optional(Identifier('Echo of the action name.', 128)),
    status: literalUnion(ACTION_STATUSES),
    result: Type.Optional(Type.Unknown({ description: 'Action output on success (or progress).' })),
    error: Type.Optional(CxpErrorSchema),
    progress_percent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  },
  'Progress or outcome of an ACTION_REQUEST.',
);
export type ActionResultMessage = Static<typeof ActionResultMessage>;
