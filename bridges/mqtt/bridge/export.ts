import { encodeValue } from '../../../src/cxp/codec.js';
import type { Clock } from '../../../src/cxp/clock.js';
import type { DiffOp } from '../../../src/cxp/schema/context-messages.js';
import { renderSlice } from '../../../src/context/expand.js';
import { isSelector, RefSelector } from '../../../src/context/refs.js';
import type { ContextStore } from '../../../src/context/store.js';
import { RateLimiter } from '../../../src/runtime/rate-limit.js';
import type { ExportRule } from './config.js';

/** One publish an export rule asks for. */
export interface ExportMessage {
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1 | 2;
  retain: boolean;
  contentType: string;
}

interface CompiledRule {
  rule: ExportRule;
  match: (ref: string) => boolean;
  limiters: Map<string, RateLimiter>;
}

/**
 * Export rules: changed context refs become MQTT messages. With `max_rate_hz`, a ref changing faster
 * is coalesced: its latest value goes out when the rate allows (nothing is queued per change).
 */
export class ExportRules {
  readonly #rules: CompiledRule[];
  readonly #store: ContextStore;
  readonly #clock: Clock;
  readonly #deferred = new Map<string, { rule: CompiledRule; ref: string }>();

  constructor(rules: readonly ExportRule[], store: ContextStore, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
    this.#rules = rules.map((rule) => {
      const selector = isSelector(rule.ref) ? new RefSelector(rule.ref) : undefined;
      return {
        rule,
        match: selector ? (r) => selector.matches(r) : (r) => r === rule.ref,
        limiters: new Map(),
      };
    });
  }

  /** Messages for the refs these ops touched, now; rate-limited ones are deferred (see `due`). */
  onOps(ops: readonly DiffOp[]): ExportMessage[] {
    const out: ExportMessage[] = [];
    const refs = new Set(ops.map((o) => o.ref));
    for (const ref of refs) {
      for (const compiled of this.#rules) {
        if (!compiled.match(ref)) continue;
        if (this.#allowed(compiled, ref)) push(out, this.#message(compiled.rule, ref));
        else this.#deferred.set(`${compiled.rule.topic}\u0000${ref}`, { rule: compiled, ref });
      }
    }
    return out;
  }

  /** Deferred messages whose rate now allows them; and ms until the next one could be (or undefined). */
  due(): { messages: ExportMessage[]; nextInMs: number | undefined } {
    const messages: ExportMessage[] = [];
    let next: number | undefined;
    for (const [key, { rule, ref }] of this.#deferred) {
      if (this.#allowed(rule, ref)) {
        this.#deferred.delete(key);
        push(messages, this.#message(rule.rule, ref));
      } else {
        const wait = rule.limiters.get(ref)?.msUntilNext() ?? 0;
        next = next === undefined ? wait : Math.min(next, wait);
      }
    }
    return { messages, nextInMs: next };
  }

  #allowed(compiled: CompiledRule, ref: string): boolean {
    const hz = compiled.rule.max_rate_hz;
    if (hz === undefined) return true;
    let limiter = compiled.limiters.get(ref);
    if (!limiter) {
      limiter = new RateLimiter({ maxRateHz: hz, clock: this.#clock });
      compiled.limiters.set(ref, limiter);
    }
    return limiter.tryTake();
  }

  /**
   * The message for a ref: its value (or slice); for a ref that is gone, an empty retained payload
   * (clears the retained message) or null. A ref whose policy keeps it from an anonymous viewer is
   * not exported at all: topics have no audience control of their own.
   */
  #message(rule: ExportRule, ref: string): ExportMessage | undefined {
    const topic = exportTopic(rule.topic, ref);
    const contentType = rule.encoding === 'json' ? 'application/json' : 'application/msgpack';
    const base = { topic, qos: rule.qos, retain: rule.retain, contentType };
    const found = this.#store.lookup(ref, {});
    if (found.status === 'denied') return undefined;
    if (found.status !== 'found') {
      return { ...base, payload: rule.retain ? new Uint8Array(0) : encodeValue(null, rule.encoding) };
    }
    const body = rule.payload === 'slice' ? renderSlice(found.entry, 'detailed') : found.entry.winner.value;
    return { ...base, payload: encodeValue(body, rule.encoding) };
  }
}

/** `{ref}` the ref, `{name}` its last segment, `{path}` the ref without its section. */
export function exportTopic(template: string, ref: string): string {
  const slash = ref.indexOf('/');
  return template
    .replaceAll('{ref}', ref)
    .replaceAll('{name}', ref.slice(ref.lastIndexOf('/') + 1))
    .replaceAll('{path}', ref.slice(slash + 1));
}

function push(out: ExportMessage[], message: ExportMessage | undefined): void {
  if (message) out.push(message);
}
