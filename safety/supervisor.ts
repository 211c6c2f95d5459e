import type { GuardVerdict } from '../src/runtime/action-guard.js';
import type { MessageOf } from '../src/cxp/schema/index.js';
import type { RECOMMENDED_ACTIONS, Severity } from '../src/cxp/schema/safety-event.js';
import type { Principal } from '../src/context/policy.js';
import {
  Condition,
  type Audit,
  type ChangeKind,
  type ConditionSnapshot,
  type LatchPolicy,
} from './condition.js';
import type { FaultRule, SafetySection } from './config.js';
import { appliesTo, compilePolicy, type PolicyCheck, type Violation } from './policy.js';
import type { SavedCondition } from './persist.js';
import { compileTargets, requestTarget, type TargetPattern } from './targets.js';
import { createWatcher, type ConditionInput, type Watcher } from './watchers.js';

/**
 * The safety supervisor's core: fault rules (watchers) feed conditions, conditions change, every
 * change becomes an event draft; policy rules and interlocks decide on action requests. Pure: the
 * caller passes monotonic time (ms) into every call and turns drafts into SAFETY_EVENT messages.
 */

type RecommendedAction = (typeof RECOMMENDED_ACTIONS)[number];

export interface EventDraft {
  key: string;
  ruleId: string;
  kind: string;
  subject: string;
  change: ChangeKind | 'refused';
  severity: Severity;
  message: string;
  dataQuality: ConditionInput['dataQuality'];
  recommendedAction: RecommendedAction;
  /** Monotonic ms the condition was detected or the request refused. */
  at: number;
  snapshot?: ConditionSnapshot;
  violation?: Violation & { requestId?: string; action: string; principal?: string };
}

/** The supervisor's word on one request, with what the interlock saw. */
export interface Decision {
  verdict: GuardVerdict;
  blocking: string[];
}

interface Entry {
  condition: Condition;
  ruleId: string;
  kind: string;
  subject: string;
  message: string;
  dataQuality: ConditionInput['dataQuality'];
  interlocks: TargetPattern;
  recommended: RecommendedAction;
}

/** Conditions held at most; beyond it new subjects are not tracked (counted in `overflow`). */
export const MAX_CONDITIONS = 10_000;

/** The rule id of the supervisor's own faults. */
export const SUPERVISOR_RULE = 'supervisor';

const RANK: Record<Severity, number> = { INFO: 0, WARNING: 1, PROTECTIVE: 2, EMERGENCY: 3 };

export class Supervisor {
  readonly #emit: (draft: EventDraft) => void;
  readonly #watchers: { watcher: Watcher; interlocks: TargetPattern }[];
  readonly #policies: PolicyCheck[];
  readonly #entries = new Map<string, Entry>();
  /** New subjects not tracked because MAX_CONDITIONS were held. */
  overflow = 0;

  constructor(config: SafetySection, startedAt: number, emit: (draft: EventDraft) => void) {
    this.#emit = emit;
    const faults = config.rules.filter(
      (r): r is FaultRule => r.kind === 'heartbeat' || r.kind === 'range' || r.kind === 'device',
    );
    this.#watchers = faults.map((r) => ({
      watcher: createWatcher(r, startedAt),
      interlocks: compileTargets(r.interlocks),
    }));
    this.#policies = config.rules.flatMap((r) =>
      r.kind === 'speed_limit' || r.kind === 'require' ? [compilePolicy(r)] : [],
    );
  }

  /** A context value changed (undefined: removed). */
  observe(ref: string, value: unknown, now: number): void {
    for (const w of this.#watchers) this.#apply(w, w.watcher.observe(ref, value, now), now);
  }

  /** Deadlines and debounce timers up to `now`. */
  tick(now: number): void {
    for (const w of this.#watchers) this.#apply(w, w.watcher.tick(now), now);
    for (const e of this.#entries.values()) this.#publish(e, e.condition.tick(now), now);
  }

  /** When `tick` should next run (after `now`) to keep detection on time. */
  nextDeadline(now: number): number | undefined {
    let next = Infinity;
    for (const w of this.#watchers) next = Math.min(next, w.watcher.nextDeadline(now) ?? Infinity);
    for (const e of this.#entries.values()) next = Math.min(next, e.condition.nextDeadline() ?? Infinity);
    return next === Infinity ? undefined : next;
  }

  /**
   * The guard on an action request: refused while a PROTECTIVE or EMERGENCY condition that is not
   * cleared interlocks its target (SAFETY_INTERLOCK, most restrictive), else by the first policy
   * rule it breaks (POLICY_DENIED), which is also an event.
   */
  decide(request: MessageOf<'ACTION_REQUEST'>, principal: Principal | undefined, now: number): Decision {
    try {
      return this.#decide(request, principal, now);
    } catch (err) {
      // Fail closed: a request the rules cannot be evaluated on is refused.
      return {
        blocking: [],
        verdict: {
          allow: false,
          code: 'POLICY_DENIED',
          message: `the safety rules could not evaluate the request: ${err instanceof Error ? err.message : String(err)}`,
          details: { kind: 'policy.evaluation_error' },
        },
      };
    }
  }

  #decide(request: MessageOf<'ACTION_REQUEST'>, principal: Principal | undefined, now: number): Decision {
    const target = requestTarget(request);
    const blocking = [...this.#entries.entries()]
      .filter(
        ([, e]) =>
          e.condition.open &&
          RANK[e.condition.severity] >= RANK.PROTECTIVE &&
          e.interlocks(request.action, target),
      )
      .sort(([, a], [, b]) => RANK[b.condition.severity] - RANK[a.condition.severity])
      .map(([key]) => key);
    if (blocking.length > 0)
      return {
        blocking,
        verdict: {
          allow: false,
          code: 'SAFETY_INTERLOCK',
          message: `${request.action}${target === undefined ? '' : ` to ${target}`} is interlocked by ${blocking.length} active safety condition(s): ${blocking.slice(0, 3).join(', ')}`,
          details: { condition_keys: blocking.slice(0, 64) },
        },
      };
    for (const p of this.#policies) {
      if (!appliesTo(p, request)) continue;
      const v = p.check(request, principal);
      if (!v) continue;
      this.#refused(p, v, request, principal, now);
      return {
        blocking: [],
        verdict: {
          allow: false,
          code: 'POLICY_DENIED',
          message: v.message,
          details: { rule_id: v.ruleId, kind: v.kind, ...(v.constraint ? { constraint: v.constraint } : {}) },
        },
      };
    }
    return { blocking: [], verdict: { allow: true } };
  }

  /** Acknowledges open conditions (all, or those keys); returns the keys acknowledged. */
  acknowledge(keys: readonly string[] | undefined, audit: Audit): string[] {
    const done: string[] = [];
    for (const [key, e] of this.#selected(keys)) {
      const change = e.condition.acknowledge(audit);
      if (!change) continue;
      done.push(key);
      this.#draft(e, change.kind, change.snapshot, audit.at);
    }
    return done;
  }

  /** Resets latched conditions; each key is reset, or refused with the reason. */
  reset(
    keys: readonly string[] | undefined,
    audit: Audit,
  ): { reset: string[]; refused: { key: string; reason: string }[] } {
    const reset: string[] = [];
    const refused = (keys ?? [])
      .filter((k) => !this.#entries.has(k))
      .map((key) => ({ key, reason: 'UNKNOWN_CONDITION' }));
    for (const [key, e] of this.#selected(keys)) {
      const result = e.condition.reset(audit);
      if (typeof result === 'string') {
        if (keys !== undefined || result === 'CONDITION_ACTIVE') refused.push({ key, reason: result });
        continue;
      }
      reset.push(key);
      this.#draft(e, result.kind, result.snapshot, audit.at);
      this.#entries.delete(key);
    }
    return { reset, refused };
  }

  /** Open latched conditions, to save across a restart (first-raised times as wall ms). */
  latched(toWall: (monotonicMs: number) => number): SavedCondition[] {
    return [...this.#entries.values()]
      .filter((e) => e.condition.open && e.condition.latched)
      .map((e) => {
        const snap = e.condition.snapshot();
        return {
          key: e.condition.key,
          rule_id: e.ruleId,
          kind: e.kind,
          subject: e.subject,
          message: e.message,
          severity: snap.severity,
          acked: snap.acked,
          instance: snap.instance,
          occurrences: snap.occurrences,
          first_raised_at: Math.round(toWall(snap.firstRaisedAt)),
        };
      });
  }

  /**
   * Opens saved latched conditions again (still active until their rule sees the input normal).
   * Those whose rule is no longer configured are returned and not restored.
   */
  restore(
    saved: readonly SavedCondition[],
    now: number,
    toMonotonic: (wallMs: number) => number,
  ): SavedCondition[] {
    const orphans: SavedCondition[] = [];
    for (const c of saved) {
      if (c.rule_id === SUPERVISOR_RULE) {
        // The supervisor's own fault outlives a restart until someone resets it.
        this.raiseSupervisorFault(c.kind, c.message, now);
        continue;
      }
      const w = this.#watchers.find((x) => x.watcher.rule.id === c.rule_id);
      if (!w || this.#entries.has(c.key)) {
        orphans.push(c);
        continue;
      }
      w.watcher.seed?.(c.subject, c.kind);
      const input: ConditionInput = {
        subject: c.subject,
        kind: c.kind,
        present: true,
        severity: c.severity,
        message: c.message,
        dataQuality: 'UNKNOWN',
      };
      const e = this.#entry(w.watcher.rule, c.key, input, w.interlocks);
      const change = e.condition.restore({
        instance: c.instance,
        severity: c.severity,
        acked: c.acked,
        occurrences: c.occurrences,
        firstRaisedAt: toMonotonic(c.first_raised_at),
        now,
      });
      this.#draft(e, change.kind, change.snapshot, now);
    }
    return orphans;
  }

  /**
   * A fault of the supervisor itself (a state file it could not read): latched EMERGENCY that
   * interlocks every action until acknowledged and reset.
   */
  raiseSupervisorFault(kind: string, message: string, now: number): void {
    const key = `${SUPERVISOR_RULE}#${kind}`;
    const e =
      this.#entries.get(key) ??
      this.#entry(
        {
          kind: 'range',
          id: SUPERVISOR_RULE,
          ref: 'safety/supervisor',
          severity: 'EMERGENCY',
          latch: 'immediate',
          raise_after_ms: 0,
          clear_after_ms: 0,
          interlocks: ['*'],
        },
        key,
        { subject: 'supervisor', kind, present: true, severity: 'EMERGENCY', message, dataQuality: 'BAD' },
        compileTargets(['*']),
      );
    this.#publish(e, e.condition.input(true, now), now);
    // The fault is a moment, not a state: it stays latched (interlocking) until reset.
    this.#publish(e, e.condition.input(false, now), now);
  }

  /** Conditions not cleared, most severe first. */
  active(): (ConditionSnapshot & { ruleId: string; kind: string; subject: string; message: string })[] {
    return [...this.#entries.values()]
      .filter((e) => e.condition.open)
      .map((e) => ({
        ...e.condition.snapshot(),
        ruleId: e.ruleId,
        kind: e.kind,
        subject: e.subject,
        message: e.message,
      }))
      .sort((a, b) => RANK[b.severity] - RANK[a.severity] || a.key.localeCompare(b.key));
  }

  #selected(keys: readonly string[] | undefined): [string, Entry][] {
    if (keys === undefined) return [...this.#entries.entries()];
    return keys.flatMap((k) => {
      const e = this.#entries.get(k);
      return e ? [[k, e] as [string, Entry]] : [];
    });
  }

  #apply(
    w: { watcher: Watcher; interlocks: TargetPattern },
    inputs: readonly ConditionInput[],
    now: number,
  ): void {
    const rule = w.watcher.rule;
    for (const input of inputs) {
      const key = `${rule.id}:${input.subject}#${input.kind}`;
      let e = this.#entries.get(key);
      if (!e) {
        if (!input.present) continue;
        if (this.#entries.size >= MAX_CONDITIONS) {
          this.overflow++;
          continue;
        }
        e = this.#entry(rule, key, input, w.interlocks);
      }
      e.message = input.message;
      e.dataQuality = input.dataQuality;
      this.#publish(e, e.condition.input(input.present, now, input.severity), now);
    }
  }

  #entry(rule: FaultRule, key: string, input: ConditionInput, interlocks: TargetPattern): Entry {
    const e: Entry = {
      condition: new Condition(key, {
        severity: input.severity,
        latch: latchOf(rule),
        raiseAfterMs: rule.raise_after_ms,
        clearAfterMs: rule.clear_after_ms,
      }),
      ruleId: rule.id,
      kind: input.kind,
      subject: input.subject,
      message: input.message,
      dataQuality: input.dataQuality,
      interlocks,
      recommended: rule.recommended_action ?? defaultAction(input.severity),
    };
    this.#entries.set(key, e);
    return e;
  }

  #publish(
    e: Entry,
    changes: readonly { kind: ChangeKind; snapshot: ConditionSnapshot }[],
    now: number,
  ): void {
    for (const c of changes) this.#draft(e, c.kind, c.snapshot, now);
    // A cleared condition is forgotten; its next raise is a new instance under the same key.
    if (!e.condition.open && !e.condition.active && changes.length > 0) this.#entries.delete(e.condition.key);
  }

  #draft(e: Entry, change: ChangeKind, snapshot: ConditionSnapshot, at: number): void {
    this.#emit({
      key: e.condition.key,
      ruleId: e.ruleId,
      kind: e.kind,
      subject: e.subject,
      change,
      severity: snapshot.severity,
      message: e.message,
      dataQuality: e.dataQuality,
      recommendedAction: snapshot.state === 'CLEARED' ? 'none' : e.recommended,
      at,
      snapshot,
    });
  }

  #refused(
    p: PolicyCheck,
    v: Violation,
    request: MessageOf<'ACTION_REQUEST'>,
    principal: Principal | undefined,
    now: number,
  ): void {
    const target = requestTarget(request);
    const subject = `${request.action}${target === undefined ? '' : `:${target}`}`;
    this.#emit({
      key: `${p.rule.id}:${subject}#${v.kind}`,
      ruleId: p.rule.id,
      kind: v.kind,
      subject,
      change: 'refused',
      severity: p.rule.severity ?? 'WARNING',
      message: v.message,
      dataQuality: 'GOOD',
      recommendedAction: 'reject_command',
      at: now,
      violation: {
        ...v,
        action: request.action,
        ...(request.id === undefined ? {} : { requestId: request.id }),
        ...(principal === undefined ? {} : { principal: principal.id }),
      },
    });
  }
}

function latchOf(rule: FaultRule): LatchPolicy {
  const latch = rule.latch ?? (rule.severity === 'EMERGENCY' ? 'immediate' : 'none');
  if (latch === 'none') return { type: 'none' };
  if (latch === 'immediate') return { type: 'immediate' };
  return { type: 'after', ms: latch.after_ms };
}

function defaultAction(severity: Severity): RecommendedAction {
  switch (severity) {
    case 'INFO':
      return 'notify';
    case 'WARNING':
      return 'notify';
    case 'PROTECTIVE':
      return 'controlled_stop';
    case 'EMERGENCY':
      return 'request_emergency_stop';
  }
}
