/**
 * ZPL label templates: ZPL text with `{{name}}` placeholders that may only stand in field data
 * (between `^FD` and its `^FS`). A template is checked once when it is loaded; rendering then only
 * pastes hex-escaped values into fixed slots, so no value can end its field or start a command.
 *
 * Everything here is pure; loading template files is in template-files.ts.
 */
import { fail, ok, type Result } from '../../src/cxp/errors.js';
import {
  checkZpl,
  escapeFieldData,
  FIELD_DATA,
  firstParam,
  hexIndicator,
  isUsableHexIndicator,
  scanZpl,
  selectsUtf8,
  utf8Length,
  zplError,
  type ZplCheckOptions,
  type ZplCommand,
} from './zpl.js';

export const DEFAULT_MAX_VALUE_BYTES = 4096;
export const PLACEHOLDER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
const PLACEHOLDER = /\{\{([A-Za-z_][A-Za-z0-9_.-]{0,63})\}\}/y;
export const TEMPLATE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

export interface TemplateRenderOptions {
  /** Largest value accepted, in UTF-8 bytes before escaping (default 4096). */
  maxValueBytes?: number;
}

export interface CompiledTemplate {
  readonly name: string;
  /** Placeholder names, each once, in order of first appearance. */
  readonly variables: readonly string[];
  /** Fills every placeholder; all variables are required and no others are accepted. */
  render(vars: Record<string, unknown>, options?: TemplateRenderOptions): Result<string>;
}

interface Placeholder {
  name: string;
  start: number;
  end: number;
}

type Part = string | { name: string; indicator: string };

/** Every `{{` must open a well-formed placeholder. */
function findPlaceholders(text: string): Result<Placeholder[]> {
  const found: Placeholder[] = [];
  for (let i = text.indexOf('{{'); i >= 0; i = text.indexOf('{{', i)) {
    PLACEHOLDER.lastIndex = i;
    const m = PLACEHOLDER.exec(text);
    if (m?.[1] === undefined) {
      return zplError(text, i, 'malformed_placeholder', '"{{" does not open a placeholder {{name}}');
    }
    found.push({ name: m[1], start: i, end: PLACEHOLDER.lastIndex });
    i = PLACEHOLDER.lastIndex;
  }
  return ok(found);
}

class PartsBuilder {
  readonly parts: Part[] = [];
  #literal = '';
  #cursor = 0;

  constructor(readonly text: string) {}

  copyTo(index: number, transform: (s: string) => string = (s) => s): void {
    this.#literal += transform(this.text.slice(this.#cursor, index));
    this.#cursor = index;
  }

  add(literal: string): void {
    this.#literal += literal;
  }

  slot(p: Placeholder, indicator: string): void {
    this.parts.push(this.#literal, { name: p.name, indicator });
    this.#literal = '';
    this.#cursor = p.end;
  }

  finish(): Part[] {
    this.copyTo(this.text.length);
    this.parts.push(this.#literal);
    return this.parts;
  }
}

/** Assigns each placeholder to the field-data command it stands in. */
function placeholdersByField(
  text: string,
  commands: ZplCommand[],
  placeholders: Placeholder[],
): Result<Map<ZplCommand, Placeholder[]>> {
  const byField = new Map<ZplCommand, Placeholder[]>();
  let k = 0;
  for (const p of placeholders) {
    while (k < commands.length && (commands[k]?.end ?? 0) <= p.start) k++;
    const c = commands[k];
    if (c === undefined || !FIELD_DATA.has(c.name) || p.start < c.paramStart) {
      return zplError(text, p.start, 'placeholder_outside_field', `{{${p.name}}} is not inside ^FD...^FS`);
    }
    byField.set(c, [...(byField.get(c) ?? []), p]);
  }
  return ok(byField);
}

function buildParts(
  text: string,
  commands: ZplCommand[],
  byField: Map<ZplCommand, Placeholder[]>,
): Result<Part[]> {
  const b = new PartsBuilder(text);
  let fh: ZplCommand | undefined;
  for (const [k, c] of commands.entries()) {
    if (c.name === '^XA') {
      b.copyTo(c.end);
      if (!selectsUtf8(text, commands[k + 1])) b.add('^CI28');
    } else if (c.name === '^CI' && firstParam(text, c) !== '28') {
      return zplError(
        text,
        c.start,
        'encoding_conflict',
        'a template may only select ^CI28 (values are UTF-8)',
      );
    } else if (c.name === '^FH') fh = c;
    else if (c.name === '^FS') fh = undefined;
    const slots = byField.get(c);
    const problem = slots && addField(b, c, slots, fh);
    if (problem) return problem;
  }
  return ok(b.finish());
}

/** Copies a field-data command with placeholders, adding ^FH when the field has none. */
function addField(
  b: PartsBuilder,
  c: ZplCommand,
  slots: Placeholder[],
  fh: ZplCommand | undefined,
): Result<never> | undefined {
  const indicator = fh === undefined ? '_' : hexIndicator(b.text, fh);
  if (fh !== undefined && !isUsableHexIndicator(indicator)) {
    return zplError(
      b.text,
      fh.start,
      'bad_hex_indicator',
      `^FH indicator "${indicator}" cannot escape values`,
    );
  }
  // In a field that gets ^FH from us, a literal "_" was meant as text: it is escaped too.
  const literal = fh === undefined ? (s: string) => s.replaceAll('_', '_5F') : undefined;
  b.copyTo(c.start);
  if (fh === undefined) b.add('^FH');
  b.copyTo(c.paramStart);
  for (const p of slots) {
    b.copyTo(p.start, literal);
    b.slot(p, indicator);
  }
  b.copyTo(c.end, literal);
  return undefined;
}

interface ValueProblem {
  name: string;
  rule: string;
  message: string;
}

const isPrintable = (v: unknown): v is string | number | boolean =>
  typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

/** The text a variable prints as, or why it cannot be printed. */
function valueText(name: string, value: unknown, maxBytes: number): string | ValueProblem {
  if (value === undefined) return { name, rule: 'missing_variable', message: 'no value given' };
  if (!isPrintable(value)) {
    return { name, rule: 'bad_variable_type', message: 'must be a string, a finite number or a boolean' };
  }
  const text = String(value);
  if (utf8Length(text) <= maxBytes) return text;
  return { name, rule: 'value_too_large', message: `longer than ${maxBytes} UTF-8 bytes` };
}

class ZplTemplate implements CompiledTemplate {
  readonly variables: readonly string[];
  readonly #parts: readonly Part[];

  constructor(
    readonly name: string,
    parts: Part[],
  ) {
    this.#parts = parts;
    const names = parts.flatMap((p) => (typeof p === 'string' ? [] : [p.name]));
    this.variables = Object.freeze([...new Set(names)]);
  }

  render(vars: Record<string, unknown>, options: TemplateRenderOptions = {}): Result<string> {
    const maxBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
    const known = new Set(this.variables);
    const problems: ValueProblem[] = Object.keys(vars)
      .filter((name) => !known.has(name) && vars[name] !== undefined)
      .map((name) => ({
        name,
        rule: 'unknown_variable',
        message: `no placeholder {{${name}}} in the template`,
      }));
    const values = new Map<string, string>();
    for (const name of this.variables) {
      const text = valueText(name, Object.hasOwn(vars, name) ? vars[name] : undefined, maxBytes);
      if (typeof text === 'string') values.set(name, text);
      else problems.push(text);
    }
    const [first] = problems;
    if (first !== undefined) {
      return fail('INVALID_PARAMS', `template ${this.name}: ${first.name}: ${first.message}`, {
        details: {
          template: this.name,
          rule: first.rule,
          variable: first.name,
          errors: problems.map((p) => ({ path: `/${p.name}`, message: p.message })),
        },
      });
    }
    const escaped = (p: Part) =>
      typeof p === 'string' ? p : escapeFieldData(values.get(p.name) ?? '', p.indicator);
    return ok(this.#parts.map(escaped).join(''));
  }
}

/**
 * Checks a template once: the structure as checkZpl does (placeholders count as plain text),
 * placeholders only in field data, only ^CI28. `^FH` is added to every field with a placeholder that
 * has none (its literal `_` escaped to keep its meaning), and `^CI28` after every `^XA`.
 */
export function compileTemplate(
  name: string,
  text: string,
  options: ZplCheckOptions = {},
): Result<CompiledTemplate> {
  const result = compile(text, options);
  if (result.ok) return ok(new ZplTemplate(name, result.value));
  const { error } = result;
  return fail(error.code, `template ${name}: ${error.message}`, {
    details: { template: name, ...error.details },
  });
}

function compile(text: string, options: ZplCheckOptions): Result<Part[]> {
  const placeholders = findPlaceholders(text);
  if (!placeholders.ok) return placeholders;
  const commands = scanZpl(text);
  const byField = placeholdersByField(text, commands, placeholders.value);
  if (!byField.ok) return byField;
  // checkZpl sees each placeholder as as many "0": same offsets, same commands, no hex indicator.
  let masked = text;
  for (const p of placeholders.value) {
    masked = masked.slice(0, p.start) + '0'.repeat(p.end - p.start) + masked.slice(p.end);
  }
  const checked = checkZpl(masked, options);
  if (!checked.ok) return { ok: false, error: checked.error };
  return buildParts(text, commands, byField.value);
}
