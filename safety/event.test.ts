import { describe, expect, it } from 'vitest';
import { validateMessage } from '../src/cxp/validate.js';
import { eventBody, type EventContext } from './event.js';
import type { EventDraft } from './supervisor.js';

/** SAFETY_EVENT bodies from drafts: every one validates against the message schema. */

const ctx: EventContext = {
  bootId: 'boot-1',
  seq: 7,
  wallMs: Date.UTC(2026, 10, 21, 12, 0, 0, 250),
  monotonicMs: 10_000.5,
  frame: { frame_id: 'base_link', pose: null, tf_status: 'NOT_APPLICABLE' },
  sync: { method: 'chrony', state: 'LOCKED' },
};

const snapshot = {
  key: 'hb:world/robot/heartbeat#fault.heartbeat_stale',
  instance: 2,
  state: 'RAISED' as const,
  severity: 'PROTECTIVE' as const,
  active: true,
  acked: false,
  latched: true,
  occurrences: 3,
  suppressed: 1,
  firstRaisedAt: 9000,
  lastSeenAt: 9500,
};

const draft = (over: Partial<EventDraft> = {}): EventDraft => ({
  key: snapshot.key,
  ruleId: 'hb',
  kind: 'fault.heartbeat_stale',
  subject: 'world/robot/heartbeat',
  change: 'raised',
  severity: 'PROTECTIVE',
  message: 'world/robot/heartbeat not updated for 612 ms',
  dataQuality: 'STALE',
  recommendedAction: 'controlled_stop',
  at: 9990.25,
  snapshot,
  ...over,
});

function full(body: ReturnType<typeof eventBody>) {
  const message = {
    cxp_version: '1.0',
    type: 'SAFETY_EVENT',
    id: 'e1',
    timestamp: '2026-11-21T12:00:00Z',
    source: { id: 'gw', kind: 'gateway' },
    ...body,
  };
  const valid = validateMessage(message);
  expect(valid.ok ? [] : valid.error.details).toEqual([]);
  return message;
}

describe('eventBody', () => {
  it('fills the condition, the timebase and the frame of a raised fault', () => {
    const body = full(eventBody(draft(), ctx));
    expect(body).toMatchObject({
      condition_key: snapshot.key,
      seq: 7,
      boot_id: 'boot-1',
      state: 'RAISED',
      latched: true,
      active: true,
      acked: false,
      assurance: 'non_safety_rated',
      diag_level: 3, // stale data
      requested_stop_category: 2,
      recommended_action: 'controlled_stop',
      related_refs: ['world/robot/heartbeat'],
      subject: { transport: 'gateway', id: 'world/robot/heartbeat', data_quality: 'STALE' },
      condition_instance: `boot-1:${snapshot.key}:2`,
      occurrences: 3,
      suppressed_count: 1,
      first_raised_at: '2026-11-21T11:59:59.249Z', // 1000.5 ms of monotonic time before emission
      last_seen_at: '2026-11-21T11:59:59.749Z',
      cause: 'raised',
    });
    expect(body.timebase).toEqual({
      clock: 'system',
      stamp: { sec: Math.floor(ctx.wallMs / 1000), nanosec: 250_000_000 },
      utc: '2026-11-21T12:00:00.250Z',
      monotonic_ns: '10000500000',
      sync: { method: 'chrony', state: 'LOCKED' },
      valid: true,
      detection_latency_ms: 10.25,
    });
  });

  it('maps severities and clears to diagnostic levels and stop categories', () => {
    const clear = full(
      eventBody(
        draft({
          change: 'cleared',
          dataQuality: 'GOOD',
          recommendedAction: 'none',
          snapshot: {
            ...snapshot,
            state: 'CLEARED',
            active: false,
            latched: false,
            clearReason: 'reset',
            reset: { by: 'op', at: 9999, comment: 'checked' },
            ack: { by: 'op', at: 9998 },
          },
        }),
        ctx,
      ),
    );
    expect(clear).toMatchObject({
      state: 'CLEARED',
      diag_level: 0,
      requested_stop_category: null,
      clear_reason: 'reset',
      reset: { by: 'op', comment: 'checked' },
      ack: { by: 'op' },
    });
    expect(clear.timebase.detection_latency_ms).toBeUndefined();
    const emergency = full(
      eventBody(draft({ severity: 'EMERGENCY', dataQuality: 'BAD', subject: 'resources/serial/plc-1' }), {
        ...ctx,
        clock: 'ros',
      }),
    );
    expect(emergency).toMatchObject({
      diag_level: 2,
      requested_stop_category: 1,
      subject: { transport: 'serial' },
      timebase: { clock: 'ros' },
    });
    const warning = full(
      eventBody(draft({ severity: 'WARNING', dataQuality: 'BAD', subject: 'resources/printers/zt1' }), ctx),
    );
    expect(warning).toMatchObject({
      diag_level: 1,
      requested_stop_category: null,
      subject: { transport: 'printer' },
    });
    expect(full(eventBody(draft({ severity: 'INFO', dataQuality: 'GOOD' }), ctx)).diag_level).toBe(0);
  });

  it('describes a refused request with its violation', () => {
    const { snapshot: _s, ...noSnapshot } = draft();
    const body = full(
      eventBody(
        {
          ...noSnapshot,
          key: 'vmax:ros2.publish:/cmd_vel#policy.speed_limit',
          kind: 'policy.speed_limit',
          subject: 'ros2.publish:/cmd_vel',
          change: 'refused',
          severity: 'WARNING',
          dataQuality: 'GOOD',
          recommendedAction: 'reject_command',
          violation: {
            ruleId: 'vmax',
            kind: 'policy.speed_limit',
            message: 'too fast',
            action: 'ros2.publish',
            requestId: 'r1',
            principal: 'nav',
            constraint: { quantity: 'linear_speed', limit: 0.5, observed: 0.8, unit: 'm/s' },
          },
        },
        ctx,
      ),
    );
    expect(body).toMatchObject({
      state: 'RAISED',
      active: false,
      latched: false,
      related_refs: [],
      subject: { transport: 'policy' },
      violation: {
        rule_id: 'vmax',
        decision: 'DENY',
        request_id: 'r1',
        principal: 'nav',
        constraint: { observed: 0.8 },
      },
    });
    expect(body.condition_instance).toBeUndefined();
    const bare = full(
      eventBody(
        {
          ...noSnapshot,
          kind: 'policy.permission_missing',
          subject: 'serial.write',
          change: 'refused',
          violation: {
            ruleId: 'who',
            kind: 'policy.permission_missing',
            message: 'no',
            action: 'serial.write',
          },
        },
        ctx,
      ),
    );
    expect(bare.violation).toEqual({ rule_id: 'who', decision: 'DENY', action: 'serial.write' });
  });
});
