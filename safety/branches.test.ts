import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import type { MessageOf } from '../src/cxp/schema/index.js';
import { SafetySection, type PolicyRule } from './config.js';
import { compilePolicy } from './policy.js';
import { Supervisor, type EventDraft } from './supervisor.js';

/** The less travelled paths of the supervisor: each one a behaviour an operator relies on. */

function make(rules: unknown[]) {
  const config = Value.Default(SafetySection, { enabled: true, rules }) as SafetySection;
  const drafts: EventDraft[] = [];
  return { s: new Supervisor(config, 0, (d) => drafts.push(d)), drafts };
}

const req = (action: string, params: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  ({ cxp_version: '1.0', type: 'ACTION_REQUEST', action, params, ...extra }) as MessageOf<'ACTION_REQUEST'>;

describe('supervisor paths', () => {
  it('latches EMERGENCY by default, and uses a configured recommended action', () => {
    const { s, drafts } = make([
      { kind: 'range', id: 'e', ref: 'world/e', max: 1, severity: 'EMERGENCY' },
      { kind: 'range', id: 'i', ref: 'world/i', max: 1, severity: 'INFO', recommended_action: 'speed_limit' },
    ]);
    s.observe('world/e', 2, 0);
    s.observe('world/i', 2, 0);
    expect(drafts.map((d) => [d.key, d.snapshot?.latched, d.recommendedAction])).toEqual([
      ['e:world/e#fault.value_out_of_range', true, 'request_emergency_stop'],
      ['i:world/i#fault.value_out_of_range', false, 'speed_limit'],
    ]);
    s.observe('world/e', 0, 1);
    s.observe('world/i', 0, 1);
    expect(s.active().map((a) => a.key)).toEqual(['e:world/e#fault.value_out_of_range']); // latched, waits for reset
  });

  it('acknowledging a cleared key does nothing; resetting all skips conditions that are merely open', () => {
    const { s } = make([
      { kind: 'range', id: 'w', ref: 'world/w', max: 1, severity: 'WARNING', clear_after_ms: 100 },
    ]);
    s.observe('world/w', 2, 0);
    s.observe('world/w', 0, 10); // returning, not yet cleared (debounce)
    expect(s.acknowledge(['w:world/w#fault.value_out_of_range'], { by: 'op', at: 20 })).toHaveLength(1);
    s.tick(200);
    expect(s.acknowledge(['w:world/w#fault.value_out_of_range'], { by: 'op', at: 210 })).toEqual([]);
    s.observe('world/w', 2, 300);
    s.observe('world/w', 0, 310); // raw normal, debounced still active: refused as active
    expect(s.reset(undefined, { by: 'op', at: 320 })).toEqual({
      reset: [],
      refused: [{ key: 'w:world/w#fault.value_out_of_range', reason: 'CONDITION_ACTIVE' }],
    });
  });

  it('refuses requests without an id or a target, and names them in the event', () => {
    const { s, drafts } = make([
      { kind: 'require', id: 'who', actions: ['serial.write'], principals: ['op'] },
    ]);
    expect(s.decide(req('serial.write'), undefined, 0).verdict.allow).toBe(false);
    expect(drafts[0]).toMatchObject({ subject: 'serial.write', violation: { action: 'serial.write' } });
    expect(drafts[0]?.violation?.requestId).toBeUndefined();
  });

  it('deletes a condition only when it clears, keeping a suppressed raise pending', () => {
    const { s, drafts } = make([
      { kind: 'range', id: 'r', ref: 'world/r', max: 1, severity: 'WARNING', raise_after_ms: 100 },
    ]);
    s.observe('world/r', 2, 0);
    s.observe('world/r', 0, 50);
    s.tick(500);
    expect(drafts).toEqual([]);
    s.observe('world/r', 2, 600);
    s.tick(700);
    expect(drafts.map((d) => d.change)).toEqual(['raised']);
    expect(drafts[0]?.snapshot?.suppressed).toBe(0); // a new instance starts its own counts
  });
});

describe('more supervisor paths', () => {
  it('reports a non-Error failure while deciding, fail closed', () => {
    const { s } = make([{ kind: 'require', id: 'who', actions: ['x'], principals: ['op'] }]);
    const evil = req('x');
    Object.defineProperty(evil, 'action', {
      get() {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a non-Error throw on purpose
        throw 'odd';
      },
    });
    expect(s.decide(evil, undefined, 0).verdict).toMatchObject({ allow: false, code: 'POLICY_DENIED' });
  });

  it('interlocks an action named without a target, and ticks rules that have no deadlines', () => {
    const { s } = make([
      { kind: 'device', id: 'd', severity: 'PROTECTIVE', interlocks: ['production.calibrate'] },
      { kind: 'range', id: 'r', ref: 'world/r', max: 1, severity: 'INFO' },
    ]);
    s.observe('resources/printers/p1', { online: false }, 0);
    s.tick(10);
    expect(s.nextDeadline(10)).toBeUndefined();
    expect(s.decide(req('production.calibrate'), undefined, 10).verdict).toMatchObject({
      allow: false,
      message: expect.stringMatching(/^production\.calibrate is interlocked by 1/) as string,
    });
  });

  it('leaves conditions still waiting for their raise alone on acknowledge and reset', () => {
    const { s } = make([
      { kind: 'range', id: 'r', ref: 'world/r', max: 1, severity: 'WARNING', raise_after_ms: 100 },
    ]);
    s.observe('world/r', 2, 0); // pending: raw active, not yet raised
    const key = 'r:world/r#fault.value_out_of_range';
    expect(s.acknowledge(undefined, { by: 'op', at: 1 })).toEqual([]);
    s.observe('world/r', 0, 2);
    expect(s.reset([key], { by: 'op', at: 3 })).toEqual({
      reset: [],
      refused: [{ key, reason: 'NOT_RAISED' }],
    });
    expect(s.reset(undefined, { by: 'op', at: 3 })).toEqual({ reset: [], refused: [] });
  });
});

describe('policy checks on their own', () => {
  it('reads absent params as empty', () => {
    const speed = compilePolicy({
      kind: 'speed_limit',
      id: 'v',
      actions: ['x'],
      fields: ['message.linear.x'],
      max_mps: 1,
    });
    const bare = { cxp_version: '1.0', type: 'ACTION_REQUEST', action: 'x' } as MessageOf<'ACTION_REQUEST'>;
    expect(speed.check(bare, undefined)).toBeUndefined();
    const purpose = compilePolicy({ kind: 'require', id: 'p', actions: ['x'], purposes: ['test'] });
    expect(purpose.check(bare, undefined)?.kind).toBe('policy.permission_missing');
  });

  it('turns an exception inside a rule into an evaluation error (fail closed)', () => {
    const rule: PolicyRule = {
      kind: 'speed_limit',
      id: 'v',
      actions: ['x'],
      fields: ['message.linear.x'],
      max_mps: 1,
    };
    const check = compilePolicy(rule);
    const evil = req('x');
    Object.defineProperty(evil, 'params', {
      get() {
        throw new Error('boom');
      },
    });
    expect(check.check(evil, undefined)).toEqual({
      ruleId: 'v',
      kind: 'policy.evaluation_error',
      message: 'rule v failed: boom',
    });
    const weird = req('x');
    Object.defineProperty(weird, 'params', {
      get() {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a non-Error throw on purpose
        throw 'text';
      },
    });
    expect(check.check(weird, undefined)?.message).toBe('rule v failed: text');
  });
});
