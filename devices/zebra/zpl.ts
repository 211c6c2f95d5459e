/**
 * ZPL text as a Zebra printer reads it: `^` and `~` start a command wherever they appear, even in the
 * middle of field data. That is why field data is only ever written hex-escaped (`^FH`), and why a
 * document is checked structurally before it goes to a printer. Pure: no I/O.
 */
import { CxpError, fail, ok, type Result } from '../../src/cxp/errors.js';

export const DEFAULT_MAX_ZPL_BYTES = 1024 * 1024;
export const MAX_COPIES = 99_999_999;

/** One command: its prefix and upper-cased two-character code (`^FD`), and where its parameters run. */
export interface ZplCommand {
  readonly name: string;
  /** Index of the prefix character in the text (UTF-16 index, like every index here). */
  readonly start: number;
  readonly paramStart: number;
  /** Index of the next prefix, or the text length: everything up to here is this command's parameters. */
  readonly end: number;
}

export interface ZplCheckOptions {
  /** Largest document accepted, in UTF-8 bytes (default 1 MiB). */
  maxBytes?: number;
  /** Accept commands that store objects in printer memory (`~DG`, `~DY`, `^DF`, ...). Default false. */
  allowDownloads?: boolean;
}

export interface ZplSummary {
  formats: number;
  /** Sum over the formats of their `^PQ` quantity (1 for a format without `^PQ`). */
  labels: number;
  /** The last `^PW` (print width) and `^LL` (label length) in the document, in dots. */
  widthDots?: number;
  lengthDots?: number;
}

/** Printable ASCII that means nothing to a printer in field data, whatever the hex indicator. */
const isPlainByte = (b: number): boolean =>
  b >= 0x20 && b <= 0x7e && b !== 0x5e && b !== 0x7e && b !== 0x5f && b !== 0x5c;

/** A `^FH` indicator that escapes unambiguously: printable ASCII, not a prefix, comma or hex digit. */
export const isUsableHexIndicator = (c: string): boolean => /^[!-~]$/.test(c) && !/^[0-9A-Fa-f^~,]$/.test(c);

/**
 * Text for a field preceded by `^FH` (hex indicator `indicator`, default `_`) in a format that selects
 * UTF-8 with `^CI28`. Printable ASCII is kept except `^ ~ _ \` and the indicator; every other character
 * becomes `_XX` escapes of its UTF-8 bytes, so the result is printable ASCII free of prefixes. Lone
 * surrogates (not encodable) become U+FFFD, as TextEncoder does. Throws INVALID_PARAMS for an
 * indicator that isUsableHexIndicator refuses.
 */
export function escapeFieldData(value: string, indicator = '_'): string {
  if (!isUsableHexIndicator(indicator)) {
    throw new CxpError('INVALID_PARAMS', `"${indicator}" cannot be a ^FH indicator`, {
      details: { errors: [{ path: '/indicator', message: 'not a usable ^FH indicator' }] },
    });
  }
  const bytes = new TextEncoder().encode(value);
  const ind = indicator.charCodeAt(0);
  let out = '';
  for (const b of bytes) {
    out +=
      isPlainByte(b) && b !== ind
        ? String.fromCharCode(b)
        : indicator + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** UTF-8 length of a string (a lone surrogate counts as U+FFFD, 3 bytes). */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

const PREFIX = /[\^~]/g;

function nextPrefix(text: string, from: number): number {
  PREFIX.lastIndex = from;
  return PREFIX.exec(text)?.index ?? text.length;
}

/** Splits a text into commands like a printer does; text before the first command is not returned. */
export function scanZpl(text: string): ZplCommand[] {
  const commands: ZplCommand[] = [];
  for (let start = nextPrefix(text, 0); start < text.length;) {
    let paramStart = start + 1;
    // Printers ignore CR and LF in the command stream, also inside a command's name (`~J\r\nA` is ~JA).
    let code = '';
    while (paramStart < text.length && code.length < 2 && !'^~'.includes(text.charAt(paramStart))) {
      const ch = text.charAt(paramStart);
      if (ch !== '\r' && ch !== '\n') code += ch;
      paramStart++;
    }
    const end = nextPrefix(text, paramStart);
    const name = text.charAt(start) + code.toUpperCase();
    commands.push({ name, start, paramStart, end });
    start = end;
  }
  return commands;
}

export const paramsOf = (text: string, c: ZplCommand): string => text.slice(c.paramStart, c.end);

/** The first parameter, without the CR/LF/blanks printers ignore. */
export const firstParam = (text: string, c: ZplCommand): string =>
  (paramsOf(text, c).split(',')[0] ?? '').trim();

/** The hex indicator a `^FH` command selects (`_` when it names none). */
export const hexIndicator = (text: string, fh: ZplCommand): string =>
  paramsOf(text, fh).replace(/[\r\n]/g, '')[0] ?? '_';

export const FIELD_DATA = new Set(['^FD', '^FV']);

/** An INVALID_PARAMS error naming the rule and the UTF-8 byte offset of `index` in `text`. */
export function zplError<T = never>(
  text: string,
  index: number,
  rule: string,
  message: string,
  extra: Record<string, unknown> = {},
): Result<T> {
  const offset = utf8Length(text.slice(0, index));
  const full = `${message} (byte ${offset})`;
  return fail('INVALID_PARAMS', full, {
    details: { rule, offset, ...extra, errors: [{ path: '', message: full }] },
  });
}

/** Commands refused in every document, and why. */
const DENIED = new Map(
  Object.entries({
    '~JR': 'power-on reset',
    '~CC ^CC': 'changes the command prefix',
    '~CT ^CT': 'changes the control prefix',
    '~CD ^CD': 'changes the delimiter',
    '~JA': 'cancels every queued format (cancelling is print.cancel)',
    '~JX': 'cancels the format being received',
    '~JP': 'pauses and cancels the current format',
    '~PP ^PP': 'pauses the printer',
    '~PS': 'resumes a paused printer',
    '^JU': 'saves or restores the printer configuration',
    '^KP': 'sets the front-panel password',
    '^ID ~EG': 'deletes stored objects',
    '~JD': 'switches on communications diagnostics',
    '^SC': 'changes the serial port settings',
    '^JB ~JB': 'initializes (erases) printer memory',
    '^JI ~JI': 'starts a ZBI program',
    '^ZZ': 'puts the printer to sleep',
    '^MP': 'disables front-panel functions',
    '~RO': 'resets the printer counters',
  }).flatMap(([names, reason]) => names.split(' ').map((name) => [name, reason] as const)),
);

const DOWNLOADS = new Set(['~DB', '~DE', '~DG', '~DN', '~DS', '~DT', '~DU', '~DY', '^DF', '^IS']);

function refusal(name: string, options: ZplCheckOptions): { rule: string; reason: string } | undefined {
  const reason = DENIED.get(name);
  if (reason !== undefined) return { rule: 'denied_command', reason };
  if (name.charAt(1) === 'H') return { rule: 'host_query', reason: 'makes the printer send data back' };
  if (name.startsWith('^N')) return { rule: 'network_settings', reason: 'changes network settings' };
  if (DOWNLOADS.has(name) && options.allowDownloads !== true) {
    return { rule: 'download', reason: 'stores objects in printer memory (not allowed here)' };
  }
  return undefined;
}

interface CheckState {
  options: ZplCheckOptions;
  formatStart: number | undefined;
  field: ZplCommand | undefined;
  fh: ZplCommand | undefined;
  quantity: number;
  summary: ZplSummary;
}

const nonBlank = (text: string, from: number, to: number): number => {
  const i = text.slice(from, to).search(/\S/);
  return i < 0 ? -1 : from + i;
};

function checkFieldData(zpl: string, c: ZplCommand, indicator: string): Result<never> | undefined {
  for (let i = c.paramStart; i < c.end; i++) {
    if (zpl.charAt(i) !== indicator) continue;
    if (!/^[0-9A-Fa-f]{2}$/.test(zpl.slice(i + 1, i + 3))) {
      return zplError(zpl, i, 'bad_hex_escape', `"${indicator}" is not followed by 2 hex digits`);
    }
    i += 2;
  }
  return undefined;
}

function stepOutside(zpl: string, c: ZplCommand, s: CheckState): Result<never> | undefined {
  if (c.name === '^XA') {
    s.formatStart = c.start;
    s.quantity = 1;
    s.summary.formats++;
    return undefined;
  }
  if (c.name === '^XZ') return zplError(zpl, c.start, 'unmatched_end', '^XZ without ^XA');
  if (c.name.startsWith('^')) return zplError(zpl, c.start, 'outside_format', `${c.name} outside ^XA...^XZ`);
  return undefined;
}

function stepInside(zpl: string, c: ZplCommand, s: CheckState): Result<never> | undefined {
  const numeric = (): number | undefined => {
    const p = firstParam(zpl, c);
    return /^\d{1,8}$/.test(p) ? Number(p) : undefined;
  };
  if (c.name === '^XA') return zplError(zpl, c.start, 'nested_format', '^XA inside a format');
  if (c.name === '^XZ') {
    s.formatStart = undefined;
    s.summary.labels += s.quantity;
    const junk = nonBlank(zpl, c.paramStart, c.end);
    return junk < 0 ? undefined : zplError(zpl, junk, 'outside_format', 'text after ^XZ');
  }
  if (FIELD_DATA.has(c.name)) s.field = c;
  else if (c.name === '^FH') s.fh = c;
  else if (c.name === '^FS') s.fh = undefined;
  else if (c.name === '^PW') s.summary.widthDots = numeric() ?? s.summary.widthDots;
  else if (c.name === '^LL') s.summary.lengthDots = numeric() ?? s.summary.lengthDots;
  else if (c.name === '^PQ') {
    const q = firstParam(zpl, c) === '' ? 1 : (numeric() ?? 0);
    if (q < 1) return zplError(zpl, c.start, 'bad_quantity', `^PQ quantity must be 1..${MAX_COPIES}`);
    s.quantity = q;
  }
  return undefined;
}

function step(zpl: string, c: ZplCommand, s: CheckState): Result<never> | undefined {
  const refused = refusal(c.name, s.options);
  if (refused)
    return zplError(zpl, c.start, refused.rule, `${c.name} ${refused.reason}`, { command: c.name });
  if (s.field !== undefined) {
    const field = s.field;
    if (c.name !== '^FS') {
      const message = `${field.name} is not closed by ^FS before ${c.name}`;
      return zplError(zpl, field.start, 'unclosed_field', message, { found: c.name });
    }
    s.field = undefined;
    if (s.fh !== undefined) return checkFieldData(zpl, field, hexIndicator(zpl, s.fh));
  }
  return s.formatStart === undefined ? stepOutside(zpl, c, s) : stepInside(zpl, c, s);
}

/**
 * Structural check of a ZPL document, command by command as a printer parses it. The first problem
 * found is returned as INVALID_PARAMS with `details.rule` and `details.offset` (UTF-8 bytes).
 */
export function checkZpl(zpl: string, options: ZplCheckOptions = {}): Result<ZplSummary> {
  const limit = options.maxBytes ?? DEFAULT_MAX_ZPL_BYTES;
  const size = utf8Length(zpl);
  if (size > limit) {
    const message = `ZPL document is ${size} bytes, more than the limit of ${limit}`;
    const errors = [{ path: '', message }];
    return fail('INVALID_PARAMS', message, {
      details: { rule: 'too_large', offset: limit, size, limit, errors },
    });
  }
  // SGD commands (`! U1 setvar ...`) change printer settings or the command language: refused
  // anywhere in a job (field data that must show this text can hex-escape it with ^FH).
  const sgd = /!\s*U1?[ \t]+(?:setvar|getvar|do)\b/i.exec(zpl);
  if (sgd)
    return zplError(
      zpl,
      sgd.index,
      'sgd_command',
      'SGD commands (! U1 setvar/getvar/do) are not allowed in a job',
    );
  const commands = scanZpl(zpl);
  const lead = nonBlank(zpl, 0, commands[0]?.start ?? zpl.length);
  if (lead >= 0) return zplError(zpl, lead, 'outside_format', 'text outside ^XA...^XZ');
  const s: CheckState = {
    options,
    formatStart: undefined,
    field: undefined,
    fh: undefined,
    quantity: 1,
    summary: { formats: 0, labels: 0 },
  };
  for (const c of commands) {
    const problem = step(zpl, c, s);
    if (problem) return problem;
  }
  if (s.field) return zplError(zpl, s.field.start, 'unclosed_field', `${s.field.name} is not closed by ^FS`);
  if (s.formatStart !== undefined) return zplError(zpl, s.formatStart, 'unclosed_format', '^XA without ^XZ');
  if (s.summary.formats === 0) return zplError(zpl, 0, 'no_format', 'no ^XA...^XZ format');
  return ok(s.summary);
}

/** Replace `remove` characters at `at` by `insert`. */
type Edit = Readonly<{ at: number; remove: number; insert: string }>;

function applyEdits(text: string, edits: Edit[]): string {
  let out = '';
  let cursor = 0;
  for (const e of edits) {
    out += text.slice(cursor, e.at) + e.insert;
    cursor = e.at + e.remove;
  }
  return out + text.slice(cursor);
}

/**
 * Makes every format print `copies` labels: the quantity of each `^PQ` is replaced (its other
 * parameters kept), and a format without one gets `^PQ<copies>` before its `^XZ`. Expects a document
 * that passed checkZpl; throws INVALID_PARAMS when copies is not an integer in 1..99999999.
 */
export function setCopies(zpl: string, copies: number): string {
  if (!Number.isInteger(copies) || copies < 1 || copies > MAX_COPIES) {
    throw new CxpError('INVALID_PARAMS', `copies must be an integer in 1..${MAX_COPIES}`, {
      details: { errors: [{ path: '/copies', message: `not in 1..${MAX_COPIES}` }] },
    });
  }
  const edits: Edit[] = [];
  let hasQuantity = false;
  for (const c of scanZpl(zpl)) {
    if (c.name === '^XA') hasQuantity = false;
    else if (c.name === '^PQ') {
      hasQuantity = true;
      const params = paramsOf(zpl, c);
      const comma = params.indexOf(',');
      const first = comma < 0 ? params : params.slice(0, comma);
      const lead = first.length - first.trimStart().length;
      const core = first.trim().length;
      edits.push({ at: c.paramStart + lead, remove: core, insert: String(copies) });
    } else if (c.name === '^XZ' && !hasQuantity) {
      edits.push({ at: c.start, remove: 0, insert: `^PQ${copies}` });
    }
  }
  return applyEdits(zpl, edits);
}

/** True when the command is `^CI28` (UTF-8 field data). */
export const selectsUtf8 = (text: string, c: ZplCommand | undefined): boolean =>
  c?.name === '^CI' && firstParam(text, c) === '28';

/** Inserts `^CI28` right after every `^XA` that is not already followed by it. */
export function ensureUtf8(zpl: string): string {
  const commands = scanZpl(zpl);
  const edits: Edit[] = [];
  commands.forEach((c, k) => {
    if (c.name === '^XA' && !selectsUtf8(zpl, commands[k + 1]))
      edits.push({ at: c.end, remove: 0, insert: '^CI28' });
  });
  return applyEdits(zpl, edits);
}
