import { Value } from '@sinclair/typebox/value';
import { CxpError, fail, ok, type Result } from '../../src/cxp/errors.js';
import type { ContributionInput } from '../../src/context/contribution.js';
import { pick } from '../mqtt/bridge/ingest.js';
import { DecodeConfig } from './decode-config.js';
import { frameText, parseCsv, parseKv, scanRegex, type Parsed } from './decode-parse.js';
import { hexExcerpt } from './frame-events.js';
import { compileSignal, type CompiledSignal } from './signals.js';

/**
 * Decoding rules: a frame becomes named values (regex groups, CSV columns, a JSON line, key=value
 * pairs), then each signal rule maps one value to a contribution. Compiled once; decoding never
 * throws and returns a coded error carrying a hex excerpt of the frame.
 */

export { DecodeConfig, ParseRule, SignalRule } from './decode-config.js';

/** Named values of one frame; `lookup` takes a field name (a dotted path for json). */
export interface FrameRecord {
  lookup(field: string): unknown;
}

export interface DecodeContext {
  /** Contributor id, e.g. `serial:scale-1`. */
  source: string;
  /** Port variables for ref templates, e.g. `{port: 'scale-1'}`. */
  vars?: Readonly<Record<string, string>>;
  /** Epoch ms of the frame; default the store clock. */
  stamp?: number;
}

export interface Decoder {
  /** The frame's named values, or MALFORMED_MESSAGE. */
  parse(frame: Uint8Array): Result<FrameRecord>;
  /** Every signal of the frame, or the first problem (MALFORMED_MESSAGE, INVALID_CONTRIBUTION). */
  decode(frame: Uint8Array, context: DecodeContext): Result<ContributionInput[]>;
}

export interface CompileDecoderOptions {
  /** Variables ref templates may name besides fields. Default `['port']`. */
  variables?: readonly string[];
}

type Problem = { path: string; message: string };
type RecordParser = (text: string) => Parsed<FrameRecord>;

/** Fills defaults and checks the whole config (every problem in `details.problems`), then compiles it. */
export function compileDecoder(input: unknown, options: CompileDecoderOptions = {}): Result<Decoder> {
  const config: unknown = Value.Default(DecodeConfig, Value.Clone(input));
  if (!Value.Check(DecodeConfig, config)) {
    const problems = [...Value.Errors(DecodeConfig, config)]
      .slice(0, 16)
      .map((e) => ({ path: e.path || '/', message: e.message }));
    return invalidConfig(problems);
  }
  const problems: Problem[] = [];
  const parser = compileParser(config, problems);
  const variables = options.variables ?? ['port'];
  const signals = config.signals.map((rule, i) =>
    compileSignal(rule, { fields: parser?.fields, variables, path: `/signals/${i}`, problems }),
  );
  if (parser === undefined || problems.length > 0) return invalidConfig(problems);
  return ok(new CompiledDecoder(config, parser.parse, signals));
}

function invalidConfig(problems: Problem[]): Result<Decoder> {
  const summary = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
  return fail('INVALID_CONFIG', `invalid serial decode config: ${summary}`, { details: { problems } });
}

/** The parser, and the field names it can give when known in advance (regex, csv). */
function compileParser(
  config: DecodeConfig,
  problems: Problem[],
): { parse: RecordParser; fields: ReadonlySet<string> | undefined } | undefined {
  const rule = config.parse;
  const trim = config.trim;
  switch (rule.type) {
    case 'regex': {
      const scan = scanRegex(rule.pattern);
      if (scan.problem !== undefined) problems.push({ path: '/parse/pattern', message: scan.problem });
      let re: RegExp;
      try {
        re = new RegExp(rule.pattern, rule.flags);
      } catch (err) {
        problems.push({ path: '/parse/pattern', message: (err as Error).message });
        return undefined;
      }
      if (scan.names.length === 0)
        problems.push({ path: '/parse/pattern', message: 'no named group (?<name>...)' });
      return { parse: regexParser(re, rule.max_input, trim), fields: new Set(scan.names) };
    }
    case 'csv': {
      const names = rule.fields.filter((f) => f !== '');
      const dup = names.find((f, i) => names.indexOf(f) !== i);
      if (dup !== undefined)
        problems.push({ path: '/parse/fields', message: `field "${dup}" is named twice` });
      if (rule.delimiter === rule.quote)
        problems.push({ path: '/parse/quote', message: 'the quote cannot be the delimiter' });
      return {
        parse: (text) => mapRecord(parseCsv(text, rule, trim), (values) => new Map(zip(rule.fields, values))),
        fields: new Set(names),
      };
    }
    case 'json':
      return { parse: (text) => jsonRecord(text, rule.root), fields: undefined };
    case 'kv':
      return { parse: (text) => mapRecord(parseKv(text, rule, trim), (m) => m), fields: undefined };
  }
}

function regexParser(re: RegExp, maxInput: number, trim: boolean): RecordParser {
  return (text) => {
    if (text.length > maxInput)
      return { ok: false, message: `text of ${text.length} chars exceeds max_input` };
    const m = re.exec(text);
    if (m === null) return { ok: false, message: 'does not match the pattern' };
    const values = new Map<string, string>();
    // An optional group that did not take part is undefined at run time, whatever the typings say.
    const groups: Record<string, string | undefined> = m.groups ?? {};
    for (const [k, v] of Object.entries(groups)) if (v !== undefined) values.set(k, trim ? v.trim() : v);
    return { ok: true, value: { lookup: (f) => values.get(f) } };
  };
}

function* zip(names: readonly string[], values: readonly string[]): Generator<[string, string]> {
  for (let i = 0; i < names.length && i < values.length; i++) {
    const name = names[i];
    const value = values[i];
    if (name !== undefined && name !== '' && value !== undefined) yield [name, value];
  }
}

function mapRecord<T>(parsed: Parsed<T>, toMap: (v: T) => Map<string, string>): Parsed<FrameRecord> {
  if (!parsed.ok) return parsed;
  const values = toMap(parsed.value);
  return { ok: true, value: { lookup: (f) => values.get(f) } };
}

function jsonRecord(text: string, root: string | undefined): Parsed<FrameRecord> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: 'not a JSON value' };
  }
  const record = root === undefined ? value : pick(value, root);
  if (record === undefined) return { ok: false, message: `no "${root ?? ''}" in the JSON line` };
  return { ok: true, value: { lookup: (f) => pick(record, f) } };
}

class CompiledDecoder implements Decoder {
  readonly #config: DecodeConfig;
  readonly #parse: RecordParser;
  readonly #signals: readonly CompiledSignal[];

  constructor(config: DecodeConfig, parse: RecordParser, signals: readonly CompiledSignal[]) {
    this.#config = config;
    this.#parse = parse;
    this.#signals = signals;
  }

  parse(frame: Uint8Array): Result<FrameRecord> {
    try {
      const text = frameText(frame, this.#config.encoding);
      const parsed = text.ok ? this.#parse(this.#config.trim ? text.value.trim() : text.value) : text;
      return parsed.ok ? ok(parsed.value) : frameFailure('MALFORMED_MESSAGE', parsed.message, frame);
    } catch (err) {
      return frameFailure('MALFORMED_MESSAGE', String(err), frame);
    }
  }

  decode(frame: Uint8Array, context: DecodeContext): Result<ContributionInput[]> {
    const record = this.parse(frame);
    if (!record.ok) return record;
    const out: ContributionInput[] = [];
    for (const signal of this.#signals) {
      const made = signal.apply(record.value, context);
      if (typeof made === 'string') return frameFailure('INVALID_CONTRIBUTION', made, frame);
      if (made !== undefined) out.push(made);
    }
    return ok(out);
  }
}

function frameFailure<T>(
  code: 'MALFORMED_MESSAGE' | 'INVALID_CONTRIBUTION',
  message: string,
  frame: Uint8Array,
): Result<T> {
  const excerpt = hexExcerpt(frame);
  return {
    ok: false,
    error: new CxpError(code, `serial frame: ${message} (${excerpt})`, {
      details: { excerpt, bytes: frame.byteLength },
    }),
  };
}
