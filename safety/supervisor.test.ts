import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import type { MessageOf } from '../src/cxp/schema/index.js';
import { SafetySection } from './config.js';
import { MAX_CONDITIONS, Supervisor, type EventDraft } from './supervisor.js';

/** The supervisor core on fake monotonic time: the scenarios of research/safety.md §3 it covers. */

function make(rules: unknown[], startedAt = 0) {
  const config = Value.Default(SafetySection, { enabled: true, rules }) as SafetySection;
  if (!Value.Check(SafetySection, config))
    throw new Error(JSON.stringify([...Value.Errors(SafetySection, config)]));
  const drafts: EventDraft[] = [];
  const s = new Supervisor(config, startedAt, (d) => drafts.push(d));
  const changes = () => drafts.map((d) => `${d.change}:${d.key}`);
  return { s, drafts, changes };
}

const request = (action: string, params: Record<string, unknown> = {}, target?: string) =>
  ({
    cxp_version: '1.0',
    type: 'ACTION_REQUEST',
    id: 'r1',
    action,
    params,
    ...(target === undefined ? {} : { target }),
  }) as MessageOf<'ACTION_REQUEST'>;

const heartbeat = {
  kind: 'heartbeat',
  id: 'hb',
  ref: 'world/robot/heartbeat',
  timeout_ms: 500,
  severity: 'PROTECTIVE',
  interlocks: ['ros2.publish:/cmd_vel'],
};

describe('Supervisor: heartbeats', () => {
  it('raises stale exactly at the deadline, never before, and clears on the next update', () => {
    const { s, drafts, changes } = make([heartbeat]);
    s.observe('world/robot/heartbeat', 1, 100);
    expect(s.nextDeadline(100)).toBe(600); // the startup grace is met by the first update
    s.tick(500);
    expect(drafts).toEqual([]);
    s.tick(599);
    expect(drafts).toEqual([]);
    s.tick(600);
    expect(changes()).toEqual(['raised:hb:world/robot/heartbeat#fault.heartbeat_stale']);
    expect(s.nextDeadline(600)).toBeUndefined(); // stale already: nothing changes without input
    expect(drafts[0]).toMatchObject({
      kind: 'fault.heartbeat_stale',
      severity: 'PROTECTIVE',
      at: 600,
      dataQuality: 'STALE',
      recommendedAction: 'controlled_stop',
    });
    s.observe('world/robot/heartbeat', 2, 700);
    expect(changes()).toEqual([
      'raised:hb:world/robot/heartbeat#fault.heartbeat_stale',
      'cleared:hb:world/robot/heartbeat#fault.heartbeat_stale',
    ]);
    expect(drafts[1]).toMatchObject({ recommendedAction: 'none', snapshot: { state: 'CLEARED' } });
  });

  it('reports a source never seen after the startup grace as missing, not as OK', () => {
    const { s, changes } = make([{ ...heartbeat, startup_grace_ms: 2000 }], 1000);
    expect(s.nextDeadline(1000)).toBe(3000);
    s.tick(2999);
    expect(changes()).toEqual([]);
    s.tick(3000);
    expect(changes()).toEqual(['raised:hb:world/robot/heartbeat#fault.heartbeat_missing']);
    s.observe('world/robot/heartbeat', 1, 3100);
    expect(changes()).toContain('cleared:hb:world/robot/heartbeat#fault.heartbeat_missing');
  });

  it('keeps a deadline that passed unreported pending, so a busy loop fires it at once (bench/safety finding)', () => {
    const { s, changes } = make([{ ...heartbeat, ref: 'world/robots/*/heartbeat' }]);
    s.observe('world/robots/a/heartbeat', 1, 0);
    s.observe('world/robots/b/heartbeat', 1, 300);
    // the loop was busy past a's deadline (500); an update of b arrives before any tick
    s.observe('world/robots/b/heartbeat', 2, 520);
    expect(s.nextDeadline(520)).toBe(500); // due now, not at b's deadline or the periodic tick
    s.tick(520);
    expect(changes()).toEqual(['raised:hb:world/robots/a/heartbeat#fault.heartbeat_stale']);
    expect(s.nextDeadline(520)).toBe(1020);
  });

  it('watches every ref a selector matches, and ignores removals as updates', () => {
    const { s, changes } = make([{ ...heartbeat, ref: 'world/robots/*/heartbeat' }]);
    s.observe('world/robots/a/heartbeat', 1, 0);
    s.observe('world/robots/b/heartbeat', 1, 300);
    s.observe('world/robots/a/heartbeat', undefined, 400);
    s.observe('world/other', 1, 400);
    s.tick(500);
    expect(changes()).toEqual(['raised:hb:world/robots/a/heartbeat#fault.heartbeat_stale']);
  });
});

describe('Supervisor: values and devices', () => {
  const range = {
    kind: 'range',
    id: 'temp',
    ref: 'world/plc/*/temperature',
    min: 0,
    max: 80,
    severity: 'WARNING',
    unit: 'degC',
  };

  it('fails closed on NaN-like values, checks range and unit, and follows the value back', () => {
    const { s, changes, drafts } = make([range]);
    const ref = 'world/plc/p1/temperature';
    s.observe(ref, { value: 20, unit: 'degC' }, 0);
    expect(changes()).toEqual([]);
    s.observe(ref, { value: null, unit: 'degC' }, 1);
    expect(changes()).toEqual([`raised:temp:${ref}#fault.value_invalid`]);
    s.observe(ref, { value: 95, unit: 'degC' }, 2);
    expect(changes().slice(1)).toEqual([
      `cleared:temp:${ref}#fault.value_invalid`,
      `raised:temp:${ref}#fault.value_out_of_range`,
    ]);
    expect(drafts.at(-1)?.message).toMatch(/95 outside \[0, 80\]/);
    s.observe(ref, { value: 50, unit: 'degF' }, 3);
    expect(drafts.at(-2)?.message).toMatch(/unit "degF" is not degC/);
    s.observe(ref, undefined, 4);
    expect(s.active()).toEqual([]);
  });

  it('reads a field of the value, and a bare number', () => {
    const { s, changes } = make([
      { kind: 'range', id: 'f', ref: 'world/a', field: 'pos.x', max: 1, severity: 'WARNING' },
      { kind: 'range', id: 'b', ref: 'world/b', min: 0, severity: 'WARNING' },
    ]);
    s.observe('world/a', { pos: { x: 2 } }, 0);
    s.observe('world/b', -1, 0);
    s.observe('world/b', '12', 1);
    expect(changes()).toEqual([
      'raised:f:world/a#fault.value_out_of_range',
      'raised:b:world/b#fault.value_out_of_range',
      'raised:b:world/b#fault.value_invalid',
      'cleared:b:world/b#fault.value_out_of_range',
    ]);
  });

  it('turns device status codes into faults with per-code severities, and ignores listed codes', () => {
    const { s, changes, drafts } = make([
      {
        kind: 'device',
        id: 'dev',
        severity: 'WARNING',
        codes: { MEDIA_JAM: 'PROTECTIVE' },
        ignore: ['PAUSED'],
        interlocks: ['print.submit:*'],
      },
    ]);
    s.observe(
      'resources/printers/zt1',
      { online: true, errors: [{ code: 'MEDIA_JAM', message: 'jammed' }, { code: 'PAUSED' }] },
      0,
    );
    s.observe('resources/serial/scale-1', { online: false, errors: [] }, 0);
    s.observe('resources/serial/scale-2', 'garbage', 0);
    expect(changes()).toEqual([
      'raised:dev:resources/printers/zt1#fault.actuator_jam',
      'raised:dev:resources/serial/scale-1#fault.serial_disconnect',
      'raised:dev:resources/serial/scale-2#fault.serial_disconnect',
    ]);
    expect(drafts[0]?.severity).toBe('PROTECTIVE');
    expect(s.decide(request('print.submit', {}, 'zt1'), undefined, 1).verdict).toMatchObject({
      allow: false,
      code: 'SAFETY_INTERLOCK',
    });
    s.observe(
      'resources/printers/zt1',
      { online: true, errors: [{ code: 'DEVICE_SILENT' }, { code: 'HEAD_OPEN' }] },
      2,
    );
    expect(changes().slice(3)).toEqual([
      'raised:dev:resources/printers/zt1#fault.heartbeat_stale',
      'raised:dev:resources/printers/zt1#fault.device_head_open',
      'cleared:dev:resources/printers/zt1#fault.actuator_jam',
    ]);
    s.observe('resources/printers/zt1', { online: true, errors: [] }, 3);
    s.observe('resources/printers/zt1', { online: true, errors: [] }, 4);
    expect(s.active().map((a) => a.subject)).toEqual([
      'resources/serial/scale-1',
      'resources/serial/scale-2',
    ]);
    s.observe('resources/printers/offline', { online: false }, 5);
    expect(changes().at(-1)).toBe('raised:dev:resources/printers/offline#fault.device_offline');
  });
});

describe('Supervisor: interlocks and policy', () => {
  it('interlocks while a PROTECTIVE condition is open, also after it returns latched, until reset', () => {
    const { s } = make([{ ...heartbeat, latch: 'immediate' }]);
    s.observe('world/robot/heartbeat', 1, 0);
    s.tick(600);
    const cmd = request('ros2.publish', { topic: '/cmd_vel', message: {} });
    const d = s.decide(cmd, undefined, 600);
    expect(d.verdict).toMatchObject({
      allow: false,
      code: 'SAFETY_INTERLOCK',
      details: { condition_keys: ['hb:world/robot/heartbeat#fault.heartbeat_stale'] },
    });
    expect(
      s.decide(request('ros2.publish', { topic: '/other', message: {} }), undefined, 600).verdict.allow,
    ).toBe(true);
    s.observe('world/robot/heartbeat', 2, 700); // back, but latched: still interlocked
    expect(s.decide(cmd, undefined, 700).verdict.allow).toBe(false);
    expect(s.reset(undefined, { by: 'op', at: 800 }).reset).toHaveLength(1);
    expect(s.decide(cmd, undefined, 800).verdict.allow).toBe(true);
  });

  it('stays stopped while any of two stop sources holds, most severe first', () => {
    const { s } = make([
      { ...heartbeat, id: 'a', ref: 'world/a' },
      { ...heartbeat, id: 'b', ref: 'world/b', severity: 'EMERGENCY', latch: 'none' },
    ]);
    s.observe('world/a', 1, 0);
    s.observe('world/b', 1, 0);
    s.tick(500);
    const cmd = request('ros2.publish', { topic: '/cmd_vel', message: {} });
    expect(s.decide(cmd, undefined, 500).blocking).toEqual([
      'b:world/b#fault.heartbeat_stale',
      'a:world/a#fault.heartbeat_stale',
    ]);
    s.observe('world/b', 2, 600);
    expect(s.decide(cmd, undefined, 600).blocking).toEqual(['a:world/a#fault.heartbeat_stale']);
    s.observe('world/a', 2, 700);
    expect(s.decide(cmd, undefined, 700).verdict.allow).toBe(true);
  });

  it('does not interlock on WARNING conditions', () => {
    const { s } = make([{ ...heartbeat, severity: 'WARNING' }]);
    s.observe('world/robot/heartbeat', 1, 0);
    s.tick(600);
    expect(s.decide(request('ros2.publish', { topic: '/cmd_vel' }), undefined, 600).verdict.allow).toBe(true);
  });

  it('denies a speed over the limit, treats 0 as stop and invalid numbers as a denial, and emits an event', () => {
    const { s, drafts } = make([
      { kind: 'speed_limit', id: 'vmax', actions: ['ros2.publish:/cmd_vel'], max_mps: 0.5 },
    ]);
    const twist = (linear: Record<string, unknown>) =>
      request('ros2.publish', { topic: '/cmd_vel', message: { linear } });
    expect(s.decide(twist({ x: 0.3, y: 0.3 }), undefined, 0).verdict.allow).toBe(true);
    const over = s.decide(twist({ x: 0.4, y: 0.4 }), { id: 'nav' }, 1);
    expect(over.verdict).toMatchObject({
      allow: false,
      code: 'POLICY_DENIED',
      details: {
        rule_id: 'vmax',
        kind: 'policy.speed_limit',
        constraint: { limit: 0.5, observed: expect.closeTo(0.566, 3) as number, unit: 'm/s' },
      },
    });
    expect(drafts[0]).toMatchObject({
      change: 'refused',
      kind: 'policy.speed_limit',
      key: 'vmax:ros2.publish:/cmd_vel#policy.speed_limit',
      severity: 'WARNING',
      recommendedAction: 'reject_command',
      violation: { requestId: 'r1', action: 'ros2.publish', principal: 'nav' },
    });
    expect(s.decide(twist({ x: 'fast' }), undefined, 2).verdict).toMatchObject({
      allow: false,
      details: { constraint: { observed: null } },
    });
    expect(
      s.decide(request('ros2.publish', { topic: '/other', message: { linear: { x: 9 } } }), undefined, 3)
        .verdict.allow,
    ).toBe(true);
    const stop = make([{ kind: 'speed_limit', id: 'stop', actions: ['ros2.publish'], max_mps: 0 }]);
    expect(stop.s.decide(twist({ x: 0.01 }), undefined, 0).verdict.allow).toBe(false);
    expect(stop.s.decide(twist({}), undefined, 0).verdict.allow).toBe(true);
  });

  it('requires listed principals and purposes', () => {
    const { s } = make([
      {
        kind: 'require',
        id: 'who',
        actions: ['serial.write:*'],
        principals: ['plc-operator'],
        purposes: ['maintenance'],
        severity: 'INFO',
      },
    ]);
    const write = (purpose?: string) =>
      request('serial.write', purpose === undefined ? {} : { purpose }, 'plc-1');
    expect(s.decide(write('maintenance'), undefined, 0).verdict).toMatchObject({
      allow: false,
      message: 'principal (none) may not send serial.write',
    });
    expect(s.decide(write(), { id: 'plc-operator' }, 0).verdict).toMatchObject({
      allow: false,
      message: /needs a purpose/ as unknown as string,
    });
    expect(s.decide(write('maintenance'), { id: 'plc-operator' }, 0).verdict.allow).toBe(true);
    // the routers fill in the target a request resolved to; one without any matches no target rule
    expect(s.decide(request('serial.write', {}), undefined, 0).verdict.allow).toBe(true);
  });

  it('denies when a policy check throws (fail closed)', () => {
    const { s } = make([{ kind: 'speed_limit', id: 'v', actions: ['x'], max_mps: 1 }]);
    const evil = request('x');
    Object.defineProperty(evil, 'params', {
      get() {
        throw new Error('boom');
      },
    });
    expect(s.decide(evil, undefined, 0).verdict).toMatchObject({
      allow: false,
      details: { kind: 'policy.evaluation_error' },
    });
  });
});

describe('Supervisor: acknowledge, reset, storms', () => {
  it('acknowledges without clearing, refuses a reset while active, and resets what returned', () => {
    const { s, changes } = make([{ ...heartbeat, latch: 'immediate' }]);
    s.observe('world/robot/heartbeat', 1, 0);
    s.tick(500);
    const key = 'hb:world/robot/heartbeat#fault.heartbeat_stale';
    expect(s.acknowledge(undefined, { by: 'op', at: 510 })).toEqual([key]);
    expect(s.active()[0]).toMatchObject({ state: 'ACKNOWLEDGED', active: true });
    expect(s.acknowledge([key, 'nope'], { by: 'op', at: 511 })).toEqual([key]);
    expect(s.reset([key, 'nope'], { by: 'op', at: 520 })).toEqual({
      reset: [],
      refused: [
        { key: 'nope', reason: 'UNKNOWN_CONDITION' },
        { key, reason: 'CONDITION_ACTIVE' },
      ],
    });
    expect(s.reset(undefined, { by: 'op', at: 521 }).refused).toEqual([{ key, reason: 'CONDITION_ACTIVE' }]);
    s.observe('world/robot/heartbeat', 2, 600);
    expect(s.reset([key], { by: 'op', at: 700 })).toEqual({ reset: [key], refused: [] });
    expect(s.active()).toEqual([]);
    expect(changes()).toEqual([
      `raised:${key}`,
      `acknowledged:${key}`,
      `acknowledged:${key}`,
      `returned:${key}`,
      `cleared:${key}`,
    ]);
  });

  it('holds at most MAX_CONDITIONS conditions and counts what it could not track', () => {
    const { s } = make([{ kind: 'range', id: 'r', ref: 'world/**', max: 0, severity: 'INFO' }]);
    for (let i = 0; i <= MAX_CONDITIONS; i++) s.observe(`world/v${i}`, 1, i);
    expect(s.active()).toHaveLength(MAX_CONDITIONS);
    expect(s.overflow).toBe(1);
  });

  it('debounces through the supervisor and reports the next debounce deadline', () => {
    const { s, changes } = make([
      { ...heartbeat, raise_after_ms: 200, clear_after_ms: 100, latch: { after_ms: 1000 } },
    ]);
    s.observe('world/robot/heartbeat', 1, 0);
    s.tick(500);
    expect(changes()).toEqual([]);
    expect(s.nextDeadline(500)).toBe(700);
    s.tick(700);
    expect(changes()).toEqual(['raised:hb:world/robot/heartbeat#fault.heartbeat_stale']);
    s.tick(1700);
    expect(changes().at(-1)).toBe('latched:hb:world/robot/heartbeat#fault.heartbeat_stale');
    expect(make([]).s.nextDeadline(0)).toBeUndefined();
  });
});
