import { describe, expect, it } from 'vitest';
import { Condition, moreSevere, type ConditionSpec } from './condition.js';

/** The condition state machine on fake monotonic time (ms). */

const spec = (over: Partial<ConditionSpec> = {}): ConditionSpec => ({
  severity: 'PROTECTIVE',
  latch: { type: 'none' },
  raiseAfterMs: 0,
  clearAfterMs: 0,
  ...over,
});
const kinds = (changes: { kind: string }[]) => changes.map((c) => c.kind);
const by = (at: number) => ({ by: 'op', at });

describe('Condition', () => {
  it('raises at once without debounce and clears when not latched', () => {
    const c = new Condition('k', spec());
    expect(c.state).toBe('CLEARED');
    const up = c.input(true, 10);
    expect(kinds(up)).toEqual(['raised']);
    expect(up[0]?.snapshot).toMatchObject({
      key: 'k',
      instance: 1,
      state: 'RAISED',
      active: true,
      acked: false,
      latched: false,
      occurrences: 1,
      firstRaisedAt: 10,
      lastSeenAt: 10,
    });
    expect(c.input(true, 20)).toEqual([]);
    const down = c.input(false, 30);
    expect(kinds(down)).toEqual(['cleared']);
    expect(down[0]?.snapshot).toMatchObject({
      state: 'CLEARED',
      active: false,
      clearReason: 'condition_resolved',
      lastSeenAt: 20,
    });
    expect(c.open).toBe(false);
  });

  it('debounces raise and clear separately and counts the suppressed flaps', () => {
    const c = new Condition('k', spec({ raiseAfterMs: 100, clearAfterMs: 500 }));
    expect(c.input(true, 0)).toEqual([]);
    expect(c.nextDeadline()).toBe(100);
    expect(c.input(false, 50)).toEqual([]); // a flap shorter than the raise debounce
    expect(c.snapshot().suppressed).toBe(1);
    expect(c.nextDeadline()).toBeUndefined();
    c.input(true, 60);
    expect(c.tick(159)).toEqual([]);
    const up = c.tick(160);
    expect(kinds(up)).toEqual(['raised']);
    expect(up[0]?.snapshot.firstRaisedAt).toBe(160);
    expect(c.input(false, 200)).toEqual([]);
    expect(c.nextDeadline()).toBe(700);
    expect(c.input(true, 300)).toEqual([]); // back before the clear debounce: still one raise
    expect(c.active).toBe(true);
    c.input(false, 400);
    expect(kinds(c.tick(900))).toEqual(['cleared']);
  });

  it('stays RAISED through 60 s of flapping faster than the hysteresis', () => {
    const c = new Condition('k', spec({ raiseAfterMs: 0, clearAfterMs: 1000 }));
    const all: string[] = [];
    for (let t = 0; t < 60_000; t += 100) all.push(...kinds(c.input(t % 200 === 0, t)));
    expect(all).toEqual(['raised']);
    expect(c.snapshot().occurrences).toBe(1);
    expect(c.snapshot().suppressed).toBeGreaterThan(250);
  });

  it('acknowledges without changing active; a return after ack clears a non-latched one', () => {
    const c = new Condition('k', spec());
    expect(c.acknowledge(by(0))).toBeUndefined();
    c.input(true, 0);
    const ack = c.acknowledge({ by: 'alice', at: 5, comment: 'seen' });
    expect(ack?.snapshot).toMatchObject({
      state: 'ACKNOWLEDGED',
      acked: true,
      active: true,
      ack: { by: 'alice', comment: 'seen' },
    });
    expect(kinds(c.input(false, 6))).toEqual(['cleared']);
  });

  it('latches immediately: the return waits for a reset, refused while active', () => {
    const c = new Condition('k', spec({ latch: { type: 'immediate' }, severity: 'EMERGENCY' }));
    expect(c.reset(by(0))).toBe('NOT_RAISED');
    c.input(true, 0);
    expect(c.latched).toBe(true);
    expect(c.reset(by(1))).toBe('CONDITION_ACTIVE');
    const back = c.input(false, 2);
    expect(kinds(back)).toEqual(['returned']);
    expect(back[0]?.snapshot).toMatchObject({ state: 'RAISED', active: false, latched: true });
    c.input(true, 3);
    expect(c.reset(by(3))).toBe('CONDITION_ACTIVE');
    c.input(false, 4);
    const reset = c.reset({ by: 'bob', at: 5 });
    expect(reset).not.toBeTypeOf('string');
    if (typeof reset === 'string') return;
    expect(reset.kind).toBe('cleared');
    expect(reset.snapshot).toMatchObject({
      state: 'CLEARED',
      latched: false,
      clearReason: 'reset',
      reset: { by: 'bob' },
      occurrences: 2,
    });
  });

  it('refuses a reset while the raw input is active but not yet debounced', () => {
    const c = new Condition('k', spec({ latch: { type: 'immediate' }, raiseAfterMs: 100 }));
    c.input(true, 0);
    c.tick(100);
    c.input(false, 200);
    c.input(true, 250);
    expect(c.reset(by(260))).toBe('CONDITION_ACTIVE');
  });

  it('latches after a time: shorter faults auto-clear, longer ones hold until reset', () => {
    const c = new Condition('k', spec({ latch: { type: 'after', ms: 1000 } }));
    c.input(true, 0);
    expect(c.nextDeadline()).toBe(1000);
    expect(kinds(c.input(false, 999))).toEqual(['cleared']);
    c.input(true, 2000);
    expect(kinds(c.tick(3000))).toEqual(['latched']);
    expect(c.nextDeadline()).toBeUndefined();
    expect(kinds(c.input(false, 3500))).toEqual(['returned']);
    expect(c.reset(by(3600))).not.toBeTypeOf('string');
    // a new instance starts latch timing from zero
    c.input(true, 4000);
    expect(c.snapshot().instance).toBe(3);
    expect(c.tick(4999)).toEqual([]);
    expect(kinds(c.tick(5000))).toEqual(['latched']);
  });

  it('raises again within the instance, un-acknowledged, and only escalates severity', () => {
    const c = new Condition('k', spec({ latch: { type: 'immediate' }, severity: 'WARNING' }));
    c.input(true, 0);
    c.acknowledge(by(1));
    c.input(false, 2);
    const again = c.input(true, 3);
    expect(kinds(again)).toEqual(['reraised']);
    expect(again[0]?.snapshot).toMatchObject({ state: 'RAISED', acked: false, occurrences: 2, instance: 1 });
    const up = c.input(true, 4, 'EMERGENCY');
    expect(kinds(up)).toEqual(['escalated']);
    expect(c.severity).toBe('EMERGENCY');
    expect(c.input(true, 5, 'INFO')).toEqual([]);
    expect(c.severity).toBe('EMERGENCY');
    c.input(false, 6);
    c.reset(by(7));
    expect(c.severity).toBe('WARNING');
    // a first raise may carry a higher severity than the rule's default
    expect(c.input(true, 8, 'PROTECTIVE')[0]?.snapshot.severity).toBe('PROTECTIVE');
  });

  it('orders severities', () => {
    expect(moreSevere('INFO', 'EMERGENCY')).toBe('EMERGENCY');
    expect(moreSevere('PROTECTIVE', 'WARNING')).toBe('PROTECTIVE');
  });
});
