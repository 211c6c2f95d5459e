import { parseBytes } from '../../../src/cxp/codec.js';
import { CxpError, fail, ok, type Result } from '../../../src/cxp/errors.js';
import { isPlainObject } from '../../../src/cxp/data-model.js';
import type { ContributionInput } from '../../../src/context/contribution.js';
import { refProblem } from '../../../src/context/refs.js';
import { TopicFilter, type TopicCaptures } from '../topics.js';
import type { IngestRule } from './config.js';

/**
 * Ingest rules: an MQTT message on a matching topic becomes one contribution to the context store.
 * Pure: topic and bytes in, a ContributionInput (or a coded error) out.
 */
export class IngestRules {
  readonly #rules: readonly { rule: IngestRule; filter: TopicFilter; ref: RefTemplate }[];
  readonly #maxBytes: number;

  constructor(rules: readonly IngestRule[], maxBytes: number) {
    this.#rules = rules.map((rule) => ({
      rule,
      filter: new TopicFilter(rule.filter),
      ref: compileRefTemplate(rule.ref),
    }));
    this.#maxBytes = maxBytes;
  }

  get filters(): string[] {
    return [...new Set(this.#rules.map((r) => r.rule.filter))];
  }

  /** Every contribution the message makes (one per matching rule), or the errors it caused. */
  apply(topic: string, payload: Uint8Array): { inputs: ContributionInput[]; errors: CxpError[] } {
    const inputs: ContributionInput[] = [];
    const errors: CxpError[] = [];
    const levels = topic.split('/');
    for (const { rule, filter, ref } of this.#rules) {
      const captures = filter.capture(topic, levels);
      if (!captures) continue;
      const made = contribution(rule, ref(topic, captures), topic, payload, this.#maxBytes);
      if (made.ok) inputs.push(made.value);
      else errors.push(made.error);
    }
    return { inputs, errors };
  }
}

function contribution(
  rule: IngestRule,
  ref: string,
  topic: string,
  payload: Uint8Array,
  maxBytes: number,
): Result<ContributionInput> {
  const problem = refProblem(ref);
  if (problem !== undefined) return fail('INVALID_REF', `topic ${topic} gives ref "${ref}": ${problem}`);
  const decoded = decodePayload(payload, rule.encoding, maxBytes);
  if (!decoded.ok) return decoded;
  const picked = rule.field === undefined ? decoded.value : pick(decoded.value, rule.field);
  if (picked === undefined)
    return fail('INVALID_PARAMS', `field "${rule.field ?? ''}" is not in the payload of ${topic}`);
  const input: ContributionInput = {
    ref,
    source: rule.source ?? `mqtt:${topic}`,
    value: rule.unit === undefined ? picked : { value: picked, unit: rule.unit },
    confidence: rule.confidence,
    kind: 'mqtt',
    via: [`mqtt:${topic}`],
  };
  if (rule.retention !== undefined) input.policy = { retention_ttl: rule.retention };
  if (rule.stamp_field !== undefined) {
    const stamp = pick(decoded.value, rule.stamp_field);
    if (typeof stamp === 'number' || typeof stamp === 'string') input.stamp = stamp;
  }
  return ok(input);
}

/** `{1}`, `{2}`... the + captures; `{#}` the # remainder; `{topic}` the topic. */
export function expandRef(template: string, topic: string, captures: TopicCaptures): string {
  return compileRefTemplate(template)(topic, captures);
}

type RefTemplate = (topic: string, captures: TopicCaptures) => string;

/** Splits a template once into literal text and placeholders; expanding is then a join. */
export function compileRefTemplate(template: string): RefTemplate {
  const parts: (string | ((topic: string, c: TopicCaptures) => string))[] = [];
  let last = 0;
  for (const m of template.matchAll(/\{(\d+|#|topic)\}/g)) {
    if (m.index > last) parts.push(template.slice(last, m.index));
    const key = m[1];
    if (key === 'topic') parts.push((topic) => topic);
    else if (key === '#') parts.push((_t, c) => c.rest ?? '');
    else {
      const i = Number(key) - 1;
      parts.push((_t, c) => c.plus[i] ?? '');
    }
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push(template.slice(last));
  return (topic, captures) => {
    let out = '';
    for (const p of parts) out += typeof p === 'string' ? p : p(topic, captures);
    return out;
  };
}

function decodePayload(
  payload: Uint8Array,
  encoding: IngestRule['encoding'],
  maxBytes: number,
): Result<unknown> {
  if (encoding === 'msgpack') return parseBytes(payload, 'msgpack', { maxBytes });
  if (payload.byteLength > maxBytes)
    return fail('MESSAGE_TOO_LARGE', `payload of ${payload.byteLength} bytes`);
  if (encoding === 'text') return text(payload);
  const json = parseBytes(payload, 'json', { maxBytes });
  return encoding === 'json' || json.ok ? json : text(payload);
}

function text(payload: Uint8Array): Result<string> {
  try {
    return ok(new TextDecoder('utf-8', { fatal: true }).decode(payload).trim());
  } catch {
    return fail('MALFORMED_MESSAGE', 'payload is neither JSON nor UTF-8 text');
  }
}

/** A dotted path into objects and arrays (`data.temp`, `values.0`). */
export function pick(value: unknown, path: string): unknown {
  let node: unknown = value;
  for (const key of path.split('.')) {
    if (Array.isArray(node) && /^\d+$/.test(key)) node = node[Number(key)];
    else if (isPlainObject(node) && Object.hasOwn(node, key)) node = node[key];
    else return undefined;
  }
  return node;
}
