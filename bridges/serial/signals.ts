import type { ContributionInput } from '../../src/context/contribution.js';
import { refProblem } from '../../src/context/refs.js';
import type { SignalRule } from './decode-config.js';
import { numericValue } from './decode-parse.js';

/** Signal rules: one named value of a decoded frame becomes one contribution. */

export interface CompiledSignal {
  /** The contribution, undefined when an optional field is absent, or why the frame cannot give it. */
  apply(
    record: { lookup(field: string): unknown },
    context: { source: string; vars?: Readonly<Record<string, string>>; stamp?: number },
  ): ContributionInput | string | undefined;
}

export interface CompileSignalOptions {
  /** Field names the parser can give, when known in advance (regex groups, CSV columns). */
  fields: ReadonlySet<string> | undefined;
  variables: readonly string[];
  path: string;
  problems: { path: string; message: string }[];
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const SEGMENT = /^[A-Za-z0-9_.:@~+-]{1,128}$/;

type Part = string | { kind: 'var' | 'field'; key: string };

export function compileSignal(rule: SignalRule, options: CompileSignalOptions): CompiledSignal {
  const { fields, path, problems } = options;
  if (fields !== undefined && !fields.has(rule.field))
    problems.push({ path: `${path}/field`, message: `"${rule.field}" is not a field of the parser` });
  if (rule.as === 'string' && (rule.scale !== undefined || rule.offset !== undefined))
    problems.push({ path: `${path}/scale`, message: 'scale and offset need a number, not as: string' });
  const parts = compileTemplate(rule, options);
  return {
    apply(record, context) {
      const raw = record.lookup(rule.field);
      if (raw === undefined || raw === null || raw === '')
        return rule.optional ? undefined : `field "${rule.field}" is missing`;
      const converted = convert(raw, rule);
      if (!converted.ok) return converted.problem;
      const value = converted.value;
      const ref = expand(parts, record, context.vars ?? {});
      if (ref.problem !== undefined) return ref.problem;
      const input: ContributionInput = {
        ref: ref.value,
        source: context.source,
        value: rule.unit === undefined ? value : { value, unit: rule.unit },
        confidence: rule.confidence,
        kind: 'serial',
      };
      if (context.stamp !== undefined) input.stamp = context.stamp;
      if (rule.retention !== undefined) input.policy = { retention_ttl: rule.retention };
      return input;
    },
  };
}

function compileTemplate(rule: SignalRule, options: CompileSignalOptions): Part[] {
  const { fields, variables, path, problems } = options;
  const parts: Part[] = [];
  let last = 0;
  for (const m of rule.ref.matchAll(PLACEHOLDER)) {
    const key = m[1] ?? '';
    if (m.index > last) parts.push(rule.ref.slice(last, m.index));
    if (key === 'name') parts.push(rule.field);
    else if (variables.includes(key)) parts.push({ kind: 'var', key });
    else {
      if (fields !== undefined && !fields.has(key))
        problems.push({ path: `${path}/ref`, message: `{${key}} is neither a variable nor a field` });
      parts.push({ kind: 'field', key });
    }
    last = m.index + m[0].length;
  }
  if (last < rule.ref.length) parts.push(rule.ref.slice(last));
  const sample = parts.map((p) => (typeof p === 'string' ? p : 'x')).join('');
  const problem = /[{}]/.test(sample) ? 'unbalanced { } in the template' : refProblem(sample);
  if (problem !== undefined)
    problems.push({ path: `${path}/ref`, message: `the ref template cannot give a valid ref: ${problem}` });
  return parts;
}

function expand(
  parts: readonly Part[],
  record: { lookup(field: string): unknown },
  vars: Readonly<Record<string, string>>,
): { value: string; problem?: undefined } | { problem: string } {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'string') {
      out += p;
      continue;
    }
    const v = p.kind === 'var' ? vars[p.key] : record.lookup(p.key);
    const text = typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
    if (text === undefined || !SEGMENT.test(text) || text === '.' || text === '..')
      return { problem: `{${p.key}} gives no valid ref segment` };
    out += text;
  }
  const problem = refProblem(out);
  return problem === undefined ? { value: out } : { problem: `ref "${out.slice(0, 64)}": ${problem}` };
}

type Converted = { ok: true; value: unknown } | { ok: false; problem: string };

function convert(raw: unknown, rule: SignalRule): Converted {
  const value = typed(raw, rule);
  if (!value.ok || (rule.scale === undefined && rule.offset === undefined)) return value;
  if (typeof value.value !== 'number')
    return { ok: false, problem: `field "${rule.field}" is not a number to scale` };
  const scaled = value.value * (rule.scale ?? 1) + (rule.offset ?? 0);
  return Number.isFinite(scaled)
    ? { ok: true, value: scaled }
    : { ok: false, problem: `field "${rule.field}" scales to a non-finite number` };
}

/** Applies `as`: auto turns numeric text into a number, number insists on one, string keeps text. */
function typed(raw: unknown, rule: SignalRule): Converted {
  if (rule.as === 'string')
    return { ok: true, value: typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : raw };
  const n = typeof raw === 'string' ? numericValue(raw) : typeof raw === 'number' ? raw : undefined;
  if (n !== undefined) return { ok: true, value: n };
  return rule.as === 'number'
    ? { ok: false, problem: `field "${rule.field}" is not a number` }
    : { ok: true, value: raw };
}
