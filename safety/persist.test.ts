import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { SafetySection } from './config.js';
import { parseLatched, serializeLatched, type LatchedState } from './persist.js';
import { Supervisor, type EventDraft } from './supervisor.js';
import { deviceCode, deviceKind } from './watchers.js';

/** Latched state across a restart: the file format, and restoring into a new supervisor. */

const rules = [
  {
    kind: 'heartbeat',
    id: 'hb',
    ref: 'world/robot/heartbeat',
    timeout_ms: 100,
    severity: 'PROTECTIVE',
    latch: 'immediate',
    interlocks: ['ros2.publish'],
  },
  { kind: 'device', id: 'dev', severity: 'PROTECTIVE', latch: 'immediate' },
];

function make() {
  const config = Value.Default(SafetySection, { enabled: true, rules }) as SafetySection;
  const drafts: EventDraft[] = [];
  return { s: new Supervisor(config, 0, (d) => drafts.push(d)), drafts };
}
const cmd = {
  cxp_version: '1.0',
  type: 'ACTION_REQUEST',
  action: 'ros2.publish',
  params: { topic: '/cmd_vel' },
} as const;

describe('latched state', () => {
  it('round-trips through its file format and refuses anything else', () => {
    const state: LatchedState = {
      format: 'cxp-edge/safety-latched/1',
      boot_id: 'b',
      saved_at: 5,
      conditions: [],
    };
    expect(parseLatched(serializeLatched(state))).toEqual({ ok: true, state });
    expect(parseLatched('{"format": "cxp-edge/safety-latched/1"')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^not JSON/) as string,
    });
    expect(
      parseLatched('{"format": "other", "boot_id": "b", "saved_at": 1, "conditions": []}'),
    ).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^not a latched-state file: \/format/) as string,
    });
  });

  it('comes back open and active after a restart, interlocking until its input is normal and it is reset', () => {
    const before = make();
    before.s.observe('world/robot/heartbeat', 1, 0);
    before.s.tick(100);
    before.s.observe('resources/printers/p1', { online: true, errors: [{ code: 'MEDIA_JAM' }] }, 100);
    before.s.acknowledge(['dev:resources/printers/p1#fault.actuator_jam'], { by: 'op', at: 110 });
    const wallAt = (mono: number) => 1_000_000 + mono;
    const saved = before.s.latched(wallAt);
    expect(saved.map((c) => [c.key, c.acked, c.first_raised_at])).toEqual([
      ['hb:world/robot/heartbeat#fault.heartbeat_stale', false, 1_000_100],
      ['dev:resources/printers/p1#fault.actuator_jam', true, 1_000_100],
    ]);

    const after = make();
    const orphans = after.s.restore(
      [...saved, { ...saved[0]!, key: 'gone:x#fault.heartbeat_stale', rule_id: 'gone' }, saved[0]!],
      50,
      (wall) => wall - 1_000_000 - 1000,
    );
    expect(orphans.map((o) => o.key)).toEqual([
      'gone:x#fault.heartbeat_stale',
      'hb:world/robot/heartbeat#fault.heartbeat_stale',
    ]);
    expect(
      after.drafts.map((d) => [d.change, d.snapshot?.state, d.snapshot?.active, d.snapshot?.latched]),
    ).toEqual([
      ['restored', 'RAISED', true, true],
      ['restored', 'ACKNOWLEDGED', true, true],
    ]);
    expect(after.drafts[0]?.snapshot?.firstRaisedAt).toBe(-900);
    expect(after.s.decide(cmd, undefined, 60).verdict).toMatchObject({
      allow: false,
      code: 'SAFETY_INTERLOCK',
    });
    expect(after.s.reset(undefined, { by: 'op', at: 61 }).refused).toHaveLength(2); // not on the strength of a restart
    after.s.observe('world/robot/heartbeat', 2, 70); // fresh data: the input is normal again
    after.s.observe('resources/printers/p1', { online: true, errors: [] }, 70);
    expect(after.drafts.slice(2).map((d) => d.change)).toEqual(['returned', 'returned']);
    expect(after.s.reset(undefined, { by: 'op', at: 80 }).reset).toHaveLength(2);
    expect(after.s.decide(cmd, undefined, 90).verdict.allow).toBe(true);
  });

  it('raises its own fault as a latched EMERGENCY interlocking everything until reset', () => {
    const { s, drafts } = make();
    s.raiseSupervisorFault('fault.persistence', 'latched state unreadable: not JSON', 0);
    s.raiseSupervisorFault('fault.persistence', 'again', 1);
    expect(drafts.map((d) => d.change)).toEqual(['raised', 'returned', 'reraised', 'returned']);
    expect(drafts[0]).toMatchObject({
      severity: 'EMERGENCY',
      kind: 'fault.persistence',
      recommendedAction: 'request_emergency_stop',
    });
    expect(s.decide({ ...cmd, action: 'print.submit' }, undefined, 2).verdict).toMatchObject({
      allow: false,
      code: 'SAFETY_INTERLOCK',
    });
    const saved = s.latched(() => 0);
    expect(saved.map((c) => [c.key, c.rule_id])).toEqual([['supervisor#fault.persistence', 'supervisor']]);
    // it outlives a restart until someone resets it
    const again = make();
    again.s.restore(saved, 0, (w) => w);
    expect(again.s.active().map((a) => a.key)).toEqual(['supervisor#fault.persistence']);
    expect(s.reset(undefined, { by: 'op', at: 3 }).reset).toEqual(['supervisor#fault.persistence']);
    expect(s.decide(cmd, undefined, 4).verdict.allow).toBe(true);
  });

  it('maps device codes and fault kinds both ways', () => {
    for (const [ref, code] of [
      ['resources/serial/a', 'DEVICE_OFFLINE'],
      ['resources/printers/a', 'DEVICE_OFFLINE'],
      ['resources/printers/a', 'MEDIA_JAM'],
      ['resources/printers/a', 'DEVICE_SILENT'],
      ['resources/printers/a', 'HEAD_OPEN'],
    ] as const)
      expect(deviceCode(deviceKind(ref, code))).toBe(code);
  });
});
