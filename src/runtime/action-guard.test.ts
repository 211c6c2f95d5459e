import { describe, expect, it } from 'vitest';
import { ManualClock } from '../cxp/clock.js';
import { IdGenerator } from '../cxp/ids.js';
import { MessageFactory } from '../cxp/message.js';
import { checkGuards, type ActionGuard } from './action-guard.js';

const clock = new ManualClock(0);
const messages = new MessageFactory({
  clock,
  ids: new IdGenerator(clock),
  source: { id: 'gw', kind: 'gateway' },
});
const request = messages.create('ACTION_REQUEST', { action: 'ros2.publish', params: {} });

describe('checkGuards', () => {
  it('refuses with no guard (fail closed), allows when all allow, takes the first refusal', () => {
    expect(checkGuards([], request, undefined)).toMatchObject({ allow: false, code: 'NO_DECISION_HOOK' });
    const yes: ActionGuard = () => ({ allow: true });
    const no: ActionGuard = () => ({ allow: false, code: 'SAFETY_INTERLOCK', message: 'protective stop' });
    const never: ActionGuard = () => ({ allow: false, code: 'POLICY_DENIED', message: 'not reached' });
    expect(checkGuards([yes, yes], request, undefined)).toEqual({ allow: true });
    expect(checkGuards([yes, no, never], request, undefined)).toMatchObject({ code: 'SAFETY_INTERLOCK' });
  });

  it('refuses when a guard throws', () => {
    const broken: ActionGuard = () => {
      throw new Error('boom');
    };
    expect(checkGuards([broken], request, undefined)).toMatchObject({
      allow: false,
      code: 'EVALUATION_ERROR',
    });
  });
});
