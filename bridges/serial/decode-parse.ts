import { Buffer } from 'node:buffer';
import type { CsvParse, KvParse } from './decode-config.js';

/** Pure parsers from frame text to named values, and the regex checks done at compile time. */

/** At most this many values are taken from one frame (CSV columns, key=value pairs). */
export const MAX_VALUES = 256;

/** Parser outcome: the values, or why the frame is malformed. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

export function frameText(frame: Uint8Array, encoding: 'utf8' | 'latin1'): Parsed<string> {
  if (encoding === 'latin1')
    return {
      ok: true,
      value: Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('latin1'),
    };
  try {
    return { ok: true, value: fatalUtf8.decode(frame) };
  } catch {
    return { ok: false, message: 'frame is not valid UTF-8' };
  }
}

const NUMERIC = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A number when the text is one (`+001.50`, `-3e2`), else undefined. */
export function numericValue(text: string): number | undefined {
  if (text.length > 64 || !NUMERIC.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** Splits one CSV record. Quoted fields may hold the delimiter and doubled quotes; no multi-line. */
export function parseCsv(
  text: string,
  rule: Pick<CsvParse, 'delimiter' | 'quote'>,
  trim: boolean,
): Parsed<string[]> {
  const { delimiter, quote } = rule;
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (out.length >= MAX_VALUES) return { ok: false, message: `more than ${MAX_VALUES} fields` };
    let value: string;
    if (text[i] === quote) {
      const quoted = readQuoted(text, i + 1, quote);
      if (!quoted.ok) return quoted;
      [value, i] = quoted.value;
      if (i < text.length && text[i] !== delimiter)
        return { ok: false, message: `text after the closing quote at ${i}` };
    } else {
      const end = text.indexOf(delimiter, i);
      const stop = end < 0 ? text.length : end;
      value = text.slice(i, stop);
      if (trim) value = value.trim();
      i = stop;
    }
    out.push(value);
    if (i >= text.length) return { ok: true, value: out };
    i++; // the delimiter
  }
}

/** From just after an opening quote: the unquoted text and the index after the closing quote. */
function readQuoted(text: string, from: number, quote: string): Parsed<[string, number]> {
  let value = '';
  let j = from;
  for (;;) {
    const k = text.indexOf(quote, j);
    if (k < 0) return { ok: false, message: 'unterminated quoted field' };
    value += text.slice(j, k);
    if (text[k + 1] !== quote) return { ok: true, value: [value, k + 1] };
    value += quote;
    j = k + 2;
  }
}

/** `key=value` pairs; tokens without the separator are ignored; the last duplicate wins. */
export function parseKv(
  text: string,
  rule: Pick<KvParse, 'pair_separator' | 'separator'>,
  trim: boolean,
): Parsed<Map<string, string>> {
  const tokens = rule.pair_separator === ' ' ? text.split(/[ \t]+/) : text.split(rule.pair_separator);
  const out = new Map<string, string>();
  for (const token of tokens) {
    const at = token.indexOf(rule.separator);
    if (at < 0) continue;
    const key = token.slice(0, at).trim();
    if (key.length === 0) continue;
    const value = token.slice(at + rule.separator.length);
    out.set(key, trim ? value.trim() : value);
    if (out.size > MAX_VALUES) return { ok: false, message: `more than ${MAX_VALUES} pairs` };
  }
  if (out.size === 0) return { ok: false, message: `no ${rule.separator} pairs` };
  return { ok: true, value: out };
}

/** What a scan of a regex source finds: its named groups, and a reason to refuse it if any. */
export interface RegexScan {
  names: string[];
  problem: string | undefined;
}

/**
 * Scans a pattern for named groups and refuses the simple shape of catastrophic backtracking: a
 * group that repeats without bound (`*`, `+`, `{n,}`, `{n,m}` with m > 1) around something that
 * repeats too, like `(a+)+` or `(\d*,)*`. Overlapping alternations like `(a|a)*` are not caught; the
 * max_input cap bounds what one frame can cost, so patterns should stay anchored and simple.
 */
export function scanRegex(pattern: string): RegexScan {
  const names: string[] = [];
  const stack: boolean[] = [false]; // per open group: does its body repeat?
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === '\\') i += 2;
    else if (c === '[') i = skipClass(pattern, i + 1);
    else if (c === '(') {
      const named = /^\(\?<([A-Za-z_$][\w$]*)>/.exec(pattern.slice(i, i + 80));
      if (named?.[1] !== undefined) names.push(named[1]);
      stack.push(false);
      i++;
    } else if (c === ')') {
      const inner = stack.length > 1 ? (stack.pop() ?? false) : false;
      const q = repeatAt(pattern, i + 1);
      if (inner && q > 0)
        return { names, problem: `nested repetition at ${i + 1} can backtrack catastrophically` };
      if (inner || q > 0) stack[stack.length - 1] = true;
      i += 1 + q;
    } else {
      const q = repeatAt(pattern, i);
      if (q > 0) stack[stack.length - 1] = true;
      i += Math.max(q, 1);
    }
  }
  return { names, problem: undefined };
}

function skipClass(pattern: string, from: number): number {
  let i = from;
  while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
  return i + 1;
}

/** Length of a repeating quantifier at `i` (with its lazy `?`), or 0. */
function repeatAt(pattern: string, i: number): number {
  const c = pattern[i];
  let len = 0;
  if (c === '*' || c === '+') len = 1;
  else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i, i + 24));
    if (m && (m[2] === undefined ? Number(m[1]) > 1 : m[3] === '' || Number(m[3]) > 1)) len = m[0].length;
  }
  return len > 0 && pattern[i + len] === '?' ? len + 1 : len;
}
