import type { Frame, SafetyEvent, Severity, Timebase } from '../src/cxp/schema/safety-event.js';
import type { Audit } from './condition.js';
import type { EventDraft } from './supervisor.js';

/**
 * SAFETY_EVENT payloads from the supervisor's drafts. Pure: the caller passes the clocks' readings,
 * the boot id and sequence, the frame to attach and the clock sync state.
 */

export type SafetyEventBody = Omit<SafetyEvent, 'cxp_version' | 'type' | 'id' | 'timestamp' | 'source'>;

export interface EventContext {
  bootId: string;
  seq: number;
  /** Wall clock (epoch ms) and monotonic clock (ms, fractional) at emission. */
  wallMs: number;
  monotonicMs: number;
  /** The frame and pose of the robot or the signal; tf_status says how it was found. */
  frame: Frame;
  sync: Timebase['sync'];
  /** Which clock stamps the event (system unless ROS or sim time drives it). */
  clock?: Timebase['clock'];
}

const DIAG_LEVEL: Record<Severity, number> = { INFO: 0, WARNING: 1, PROTECTIVE: 2, EMERGENCY: 2 };
const STOP_CATEGORY: Record<Severity, 0 | 1 | 2 | null> = {
  INFO: null,
  WARNING: null,
  PROTECTIVE: 2,
  EMERGENCY: 1,
};

export function eventBody(draft: EventDraft, ctx: EventContext): SafetyEventBody {
  const snap = draft.snapshot;
  const stale = draft.dataQuality === 'STALE' && snap?.state !== 'CLEARED';
  const body: SafetyEventBody = {
    condition_key: draft.key,
    seq: ctx.seq,
    boot_id: ctx.bootId,
    kind: draft.kind,
    severity: draft.severity,
    state: snap?.state ?? 'RAISED',
    latched: snap?.latched ?? false,
    message: draft.message.slice(0, 4096),
    frame: ctx.frame,
    timebase: timebase(draft, ctx),
    related_refs: draft.subject.includes('/') && !draft.subject.includes(':') ? [draft.subject] : [],
    recommended_action: draft.recommendedAction,
    assurance: 'non_safety_rated',
    subject: subjectOf(draft),
    active: snap?.active ?? false,
    acked: snap?.acked ?? false,
    cause: draft.change,
    diag_level: stale ? 3 : snap?.state === 'CLEARED' ? 0 : DIAG_LEVEL[draft.severity],
    requested_stop_category: snap?.state === 'CLEARED' ? null : STOP_CATEGORY[draft.severity],
  };
  if (snap) {
    body.condition_instance = `${ctx.bootId}:${draft.key}:${String(snap.instance)}`.slice(0, 128);
    body.occurrences = snap.occurrences;
    body.suppressed_count = snap.suppressed;
    body.first_raised_at = isoAt(ctx, snap.firstRaisedAt);
    body.last_seen_at = isoAt(ctx, snap.lastSeenAt);
    if (snap.ack) body.ack = audit(ctx, snap.ack);
    if (snap.reset) body.reset = audit(ctx, snap.reset);
    if (snap.clearReason) body.clear_reason = snap.clearReason;
  }
  const v = draft.violation;
  if (v)
    body.violation = {
      rule_id: v.ruleId,
      decision: 'DENY',
      action: v.action,
      ...(v.requestId === undefined ? {} : { request_id: v.requestId }),
      ...(v.principal === undefined ? {} : { principal: v.principal }),
      ...(v.constraint ? { constraint: v.constraint } : {}),
    };
  return body;
}

function subjectOf(draft: EventDraft): NonNullable<SafetyEventBody['subject']> {
  const transport = draft.kind.startsWith('policy.')
    ? 'policy'
    : draft.subject.startsWith('resources/serial/')
      ? 'serial'
      : draft.subject.startsWith('resources/printers/')
        ? 'printer'
        : 'gateway';
  return { transport, id: draft.subject.slice(0, 256), data_quality: draft.dataQuality };
}

function timebase(draft: EventDraft, ctx: EventContext): Timebase {
  const sec = Math.floor(ctx.wallMs / 1000);
  const tb: Timebase = {
    clock: ctx.clock ?? 'system',
    stamp: { sec, nanosec: Math.round((ctx.wallMs - sec * 1000) * 1e6) % 1_000_000_000 },
    utc: new Date(ctx.wallMs).toISOString(),
    monotonic_ns: BigInt(Math.round(ctx.monotonicMs * 1e6)).toString(),
    sync: ctx.sync,
    valid: true,
  };
  if (draft.change === 'raised' || draft.change === 'refused')
    tb.detection_latency_ms = Math.max(0, Math.round((ctx.monotonicMs - draft.at) * 1000) / 1000);
  return tb;
}

/** The wall time of a monotonic instant, as RFC 3339. */
function isoAt(ctx: EventContext, monotonicMs: number): string {
  return new Date(ctx.wallMs - (ctx.monotonicMs - monotonicMs)).toISOString();
}

function audit(ctx: EventContext, a: Audit): { by: string; at: string; comment?: string } {
  return { by: a.by, at: isoAt(ctx, a.at), ...(a.comment === undefined ? {} : { comment: a.comment }) };
}
