import { isPlainObject } from '../src/cxp/data-model.js';
import { pickPath } from './paths.js';
import { RefSelector } from '../src/context/refs.js';
import type { Severity } from '../src/cxp/schema/safety-event.js';
import type { FaultRule } from './config.js';

/**
 * Fault rules as watchers: each turns observed context values and the passage of monotonic time
 * into condition inputs (is the fault present for this subject now?). Pure: values and times in,
 * inputs out.
 */

export interface ConditionInput {
  /** The subject the condition is about: a ref, a device entry. */
  subject: string;
  /** e.g. fault.heartbeat_stale */
  kind: string;
  present: boolean;
  severity: Severity;
  message: string;
  dataQuality: 'GOOD' | 'BAD' | 'STALE' | 'UNKNOWN';
}

export interface Watcher {
  readonly rule: FaultRule;
  /** A context value changed (undefined: removed); inputs for refs this rule watches. */
  observe(ref: string, value: unknown, now: number): ConditionInput[];
  /** Inputs that depend on time (deadlines). */
  tick(now: number): ConditionInput[];
  /** When tick can next give a different answer (a time after `now`), if ever without new input. */
  nextDeadline(now: number): number | undefined;
  /** A restored condition of this rule: remember it, so the input returning to normal is seen. */
  seed?(subject: string, kind: string): void;
}

function matcher(pattern: string): (ref: string) => boolean {
  if (!pattern.includes('*')) return (ref) => ref === pattern;
  const selector = new RefSelector(pattern);
  return (ref) => selector.matches(ref);
}

export function createWatcher(rule: FaultRule, startedAt: number): Watcher {
  switch (rule.kind) {
    case 'heartbeat':
      return heartbeatWatcher(rule, startedAt);
    case 'range':
      return rangeWatcher(rule);
    case 'device':
      return deviceWatcher(rule);
  }
}

function heartbeatWatcher(rule: Extract<FaultRule, { kind: 'heartbeat' }>, startedAt: number): Watcher {
  const matches = matcher(rule.ref);
  const seen = new Map<string, number>();
  /** Refs whose staleness a tick has reported (their deadline is no longer pending). */
  const reported = new Set<string>();
  let missingReported = false;
  const grace = rule.startup_grace_ms ?? rule.timeout_ms;
  const input = (subject: string, kind: string, present: boolean, message: string): ConditionInput => ({
    subject,
    kind,
    present,
    severity: rule.severity,
    message,
    dataQuality: present ? 'STALE' : 'GOOD',
  });
  return {
    rule,
    observe(ref, value, now) {
      if (!matches(ref) || value === undefined) return [];
      const first = !seen.has(ref);
      seen.set(ref, now);
      reported.delete(ref);
      const out = [input(ref, 'fault.heartbeat_stale', false, `${ref} updated`)];
      if (first) out.push(input(rule.ref, 'fault.heartbeat_missing', false, `${ref} seen`));
      return out;
    },
    tick(now) {
      const out: ConditionInput[] = [];
      for (const [ref, last] of seen) {
        const age = now - last;
        if (age < rule.timeout_ms) continue;
        reported.add(ref);
        out.push(
          input(
            ref,
            'fault.heartbeat_stale',
            true,
            `${ref} not updated for ${Math.round(age)} ms (timeout ${rule.timeout_ms} ms)`,
          ),
        );
      }
      missingReported = seen.size === 0 && now - startedAt >= grace;
      if (missingReported)
        out.push(
          input(
            rule.ref,
            'fault.heartbeat_missing',
            true,
            `${rule.ref} never updated since start (${Math.round(now - startedAt)} ms)`,
          ),
        );
      return out;
    },
    /**
     * Every deadline not yet reported, including one already past: a deadline that passed while the
     * event loop was busy must still fire at once, not wait for the periodic tick.
     */
    nextDeadline() {
      let next = seen.size === 0 && !missingReported ? startedAt + grace : Infinity;
      for (const [ref, last] of seen) if (!reported.has(ref)) next = Math.min(next, last + rule.timeout_ms);
      return next === Infinity ? undefined : next;
    },
  };
}

function rangeWatcher(rule: Extract<FaultRule, { kind: 'range' }>): Watcher {
  const matches = matcher(rule.ref);
  return {
    rule,
    observe(ref, value) {
      if (!matches(ref)) return [];
      const problem = value === undefined ? undefined : rangeProblem(rule, value);
      // A value is either invalid or out of range (or neither): both conditions follow it.
      return (['fault.value_invalid', 'fault.value_out_of_range'] as const).map((kind) => {
        const hit =
          problem !== undefined && problem.invalid === (kind === 'fault.value_invalid') ? problem : undefined;
        const present = hit !== undefined;
        return {
          subject: ref,
          kind,
          present,
          severity: rule.severity,
          message: hit ? `${ref}: ${hit.message}` : `${ref} valid and within range`,
          dataQuality: present ? 'BAD' : 'GOOD',
        };
      });
    },
    tick: () => [],
    nextDeadline: () => undefined,
  };
}

/** Why a value fails the rule; positive checks, so NaN, null and text never pass. */
export function rangeProblem(
  rule: {
    field?: string | undefined;
    min?: number | undefined;
    max?: number | undefined;
    unit?: string | undefined;
  },
  value: unknown,
): { invalid: boolean; message: string } | undefined {
  const wrapped = isPlainObject(value) && 'value' in value && rule.field === undefined;
  const v = rule.field !== undefined ? pickPath(value, rule.field) : wrapped ? value['value'] : value;
  if (rule.unit !== undefined) {
    const unit = isPlainObject(value) ? value['unit'] : undefined;
    if (unit !== rule.unit)
      return { invalid: true, message: `unit ${JSON.stringify(unit ?? null)} is not ${rule.unit}` };
  }
  if (typeof v !== 'number' || !Number.isFinite(v))
    return { invalid: true, message: `${JSON.stringify(v ?? null)} is not a finite number` };
  const inRange = (rule.min === undefined || v >= rule.min) && (rule.max === undefined || v <= rule.max);
  return inRange
    ? undefined
    : { invalid: false, message: `${v} outside [${rule.min ?? '-inf'}, ${rule.max ?? 'inf'}]` };
}

/** The device error code of a fault kind (deviceKind's inverse). */
export function deviceCode(kind: string): string {
  if (kind === 'fault.serial_disconnect' || kind === 'fault.device_offline') return 'DEVICE_OFFLINE';
  if (kind === 'fault.actuator_jam') return 'MEDIA_JAM';
  if (kind === 'fault.heartbeat_stale') return 'DEVICE_SILENT';
  return kind.replace(/^fault\.device_/, '').toUpperCase();
}

/** The fault kind of a device error code. */
export function deviceKind(ref: string, code: string): string {
  if (code === 'DEVICE_OFFLINE')
    return ref.startsWith('resources/serial/') ? 'fault.serial_disconnect' : 'fault.device_offline';
  if (code === 'MEDIA_JAM') return 'fault.actuator_jam';
  if (code === 'DEVICE_SILENT') return 'fault.heartbeat_stale';
  return `fault.device_${code.toLowerCase()}`;
}

function deviceWatcher(rule: Extract<FaultRule, { kind: 'device' }>): Watcher {
  const patterns = rule.refs.map(matcher);
  const ignore = new Set(rule.ignore);
  const held = new Map<string, Set<string>>();
  return {
    rule,
    seed(subject, kind) {
      const codes = held.get(subject) ?? new Set<string>();
      codes.add(deviceCode(kind));
      held.set(subject, codes);
    },
    observe(ref, value) {
      if (!patterns.some((m) => m(ref))) return [];
      const now = new Map<string, string>();
      if (isPlainObject(value)) {
        if (value['online'] === false) now.set('DEVICE_OFFLINE', 'offline');
        const errors = Array.isArray(value['errors']) ? value['errors'] : [];
        for (const e of errors) {
          if (isPlainObject(e) && typeof e['code'] === 'string')
            now.set(e['code'], typeof e['message'] === 'string' ? e['message'] : e['code']);
        }
      } else if (value !== undefined) now.set('DEVICE_OFFLINE', 'status entry is not an object');
      for (const code of ignore) now.delete(code);
      const before = held.get(ref) ?? new Set<string>();
      const out: ConditionInput[] = [];
      for (const [code, message] of now)
        out.push({
          subject: ref,
          kind: deviceKind(ref, code),
          present: true,
          severity: rule.codes[code] ?? rule.severity,
          message: `${ref}: ${code} ${message}`,
          dataQuality: 'BAD',
        });
      for (const code of before)
        if (!now.has(code))
          out.push({
            subject: ref,
            kind: deviceKind(ref, code),
            present: false,
            severity: rule.codes[code] ?? rule.severity,
            message: `${ref}: ${code} gone`,
            dataQuality: 'GOOD',
          });
      if (now.size === 0) held.delete(ref);
      else held.set(ref, new Set(now.keys()));
      return out;
    },
    tick: () => [],
    nextDeadline: () => undefined,
  };
}
