import type { Severity } from '../src/cxp/schema/safety-event.js';

/**
 * One safety condition (one condition key) as a pure state machine on the monotonic clock (ms).
 *
 * The raw input (is the fault present?) is debounced separately for raise and clear. A debounced
 * raise makes the condition RAISED (a new instance when it was clear); acknowledging makes it
 * ACKNOWLEDGED and never changes `active`; the input returning to normal clears a condition that
 * is not latched, and leaves a latched one waiting for `reset`, which is refused while the input is
 * still active. The input coming back while the condition is not yet CLEARED raises it again within
 * the same instance (`occurrences` counts them). Severity only rises within an instance.
 */

export type LatchPolicy = { type: 'none' } | { type: 'immediate' } | { type: 'after'; ms: number };

export interface ConditionSpec {
  severity: Severity;
  latch: LatchPolicy;
  /** The input must stay active this long before the condition is raised. */
  raiseAfterMs: number;
  /** The input must stay normal this long before the condition counts as returned. */
  clearAfterMs: number;
}

export type ConditionState = 'RAISED' | 'ACKNOWLEDGED' | 'CLEARED';

export type ChangeKind =
  'raised' | 'reraised' | 'escalated' | 'latched' | 'returned' | 'acknowledged' | 'cleared' | 'restored';

export interface Audit {
  by: string;
  /** Monotonic ms. */
  at: number;
  comment?: string;
}

/** What a consumer sees of the condition after a change. */
export interface ConditionSnapshot {
  key: string;
  instance: number;
  state: ConditionState;
  severity: Severity;
  active: boolean;
  acked: boolean;
  latched: boolean;
  occurrences: number;
  /** Raw input flips that did not survive the debounce (flapping). */
  suppressed: number;
  firstRaisedAt: number;
  lastSeenAt: number;
  ack?: Audit;
  reset?: Audit;
  clearReason?: 'condition_resolved' | 'reset';
}

export interface Change {
  kind: ChangeKind;
  snapshot: ConditionSnapshot;
}

export type ResetRefusal = 'NOT_RAISED' | 'CONDITION_ACTIVE';

const RANK: Record<Severity, number> = { INFO: 0, WARNING: 1, PROTECTIVE: 2, EMERGENCY: 3 };

export function moreSevere(a: Severity, b: Severity): Severity {
  return RANK[a] >= RANK[b] ? a : b;
}

export class Condition {
  readonly key: string;
  readonly #spec: ConditionSpec;
  #state: ConditionState = 'CLEARED';
  #instance = 0;
  #severity: Severity;
  /** The debounced input. */
  #active = false;
  /** The raw input and since when it holds (for the debounce). */
  #raw = false;
  #rawSince = 0;
  #acked = false;
  #latched = false;
  #occurrences = 0;
  #suppressed = 0;
  #firstRaisedAt = 0;
  #lastSeenAt = 0;
  #activeSince = 0;
  #ack: Audit | undefined;
  #reset: Audit | undefined;
  #clearReason: ConditionSnapshot['clearReason'];

  constructor(key: string, spec: ConditionSpec) {
    this.key = key;
    this.#spec = spec;
    this.#severity = spec.severity;
  }

  get state(): ConditionState {
    return this.#state;
  }

  /** Raised or acknowledged (not CLEARED). */
  get open(): boolean {
    return this.#state !== 'CLEARED';
  }

  get active(): boolean {
    return this.#active;
  }

  get latched(): boolean {
    return this.#latched;
  }

  get severity(): Severity {
    return this.#severity;
  }

  /**
   * A latched condition saved before a restart, open again: still active until its rule sees the
   * input normal, so it cannot be reset on the strength of the restart alone.
   */
  restore(saved: {
    instance: number;
    severity: Severity;
    acked: boolean;
    occurrences: number;
    firstRaisedAt: number;
    now: number;
  }): Change {
    this.#state = saved.acked ? 'ACKNOWLEDGED' : 'RAISED';
    this.#instance = saved.instance;
    this.#severity = saved.severity;
    this.#acked = saved.acked;
    this.#occurrences = saved.occurrences;
    this.#firstRaisedAt = saved.firstRaisedAt;
    this.#lastSeenAt = saved.now;
    this.#active = true;
    this.#raw = true;
    this.#rawSince = saved.now;
    this.#activeSince = saved.now;
    this.#latched = true;
    return this.#change('restored');
  }

  /**
   * The raw input at `now`; `severity` may raise the instance's severity (never lower it). Returns
   * the changes this causes at once (a debounce of 0), the rest come from `tick`.
   */
  input(present: boolean, now: number, severity: Severity = this.#spec.severity): Change[] {
    if (present) this.#lastSeenAt = now;
    const changes: Change[] = [];
    if (present && this.open && RANK[severity] > RANK[this.#severity]) {
      this.#severity = severity;
      changes.push(this.#change('escalated'));
    } else if (present && !this.open) this.#severity = moreSevere(this.#spec.severity, severity);
    if (present !== this.#raw) {
      if (present !== this.#active) this.#rawSince = now;
      else this.#suppressed++; // flipped back before the debounce elapsed
      this.#raw = present;
    }
    return [...changes, ...this.tick(now)];
  }

  /** Applies elapsed debounce and latch timers. */
  tick(now: number): Change[] {
    const changes: Change[] = [];
    if (this.#raw !== this.#active) {
      const wait = this.#raw ? this.#spec.raiseAfterMs : this.#spec.clearAfterMs;
      if (now - this.#rawSince >= wait) {
        if (this.#raw) changes.push(...this.#becomeActive(this.#rawSince + wait));
        else changes.push(...this.#becomeNormal());
      }
    }
    const latch = this.#spec.latch;
    if (this.#active && !this.#latched && latch.type === 'after' && now - this.#activeSince >= latch.ms) {
      this.#latched = true;
      changes.push(this.#change('latched'));
    }
    return changes;
  }

  /** When `tick` can next change something without new input, if ever. */
  nextDeadline(): number | undefined {
    if (this.#raw !== this.#active)
      return this.#rawSince + (this.#raw ? this.#spec.raiseAfterMs : this.#spec.clearAfterMs);
    const latch = this.#spec.latch;
    if (this.#active && !this.#latched && latch.type === 'after') return this.#activeSince + latch.ms;
    return undefined;
  }

  /** Operator acknowledgement: never changes `active`; refused (undefined) when already clear. */
  acknowledge(audit: Audit): Change | undefined {
    if (!this.open) return undefined;
    this.#acked = true;
    this.#ack = audit;
    this.#state = 'ACKNOWLEDGED';
    return this.#change('acknowledged');
  }

  /** Clears a latched condition whose input is normal again. */
  reset(audit: Audit): Change | ResetRefusal {
    if (!this.open) return 'NOT_RAISED';
    if (this.#active || this.#raw) return 'CONDITION_ACTIVE';
    this.#reset = audit;
    return this.#clear('reset');
  }

  snapshot(): ConditionSnapshot {
    return {
      key: this.key,
      instance: this.#instance,
      state: this.#state,
      severity: this.#severity,
      active: this.#active,
      acked: this.#acked,
      latched: this.#latched,
      occurrences: this.#occurrences,
      suppressed: this.#suppressed,
      firstRaisedAt: this.#firstRaisedAt,
      lastSeenAt: this.#lastSeenAt,
      ...(this.#ack ? { ack: this.#ack } : {}),
      ...(this.#reset ? { reset: this.#reset } : {}),
      ...(this.#clearReason ? { clearReason: this.#clearReason } : {}),
    };
  }

  #becomeActive(at: number): Change[] {
    this.#active = true;
    this.#activeSince = at;
    if (!this.open) {
      this.#instance++;
      this.#firstRaisedAt = at;
      this.#occurrences = 1;
      this.#suppressed = 0;
      this.#acked = false;
      this.#ack = undefined;
      this.#reset = undefined;
      this.#clearReason = undefined;
      this.#latched = this.#spec.latch.type === 'immediate';
      this.#state = 'RAISED';
      return [this.#change('raised')];
    }
    this.#occurrences++;
    this.#acked = false;
    this.#state = 'RAISED';
    return [this.#change('reraised')];
  }

  #becomeNormal(): Change[] {
    this.#active = false;
    if (this.#latched) return [this.#change('returned')];
    return [this.#clear('condition_resolved')];
  }

  #clear(reason: 'condition_resolved' | 'reset'): Change {
    this.#state = 'CLEARED';
    this.#clearReason = reason;
    this.#latched = false;
    const change = this.#change('cleared');
    this.#severity = this.#spec.severity;
    return change;
  }

  #change(kind: ChangeKind): Change {
    return { kind, snapshot: this.snapshot() };
  }
}
