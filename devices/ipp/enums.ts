/**
 * Enum attribute values (type2 enum) by keyword name, from RFC 8011 and the PWG/IANA registry
 * (finishings: PWG 5100.1). An unknown name is an error when encoding, never 0; an unknown number
 * decodes as the number (vendor values, 0x40000000 and up, and values newer than this table).
 */
import { fail, ok, type Result } from '../../src/cxp/errors.js';
import { OPERATIONS } from './registry.js';

export const FINISHINGS = {
  none: 3,
  staple: 4,
  punch: 5,
  cover: 6,
  bind: 7,
  'saddle-stitch': 8,
  'edge-stitch': 9,
  fold: 10,
  trim: 11,
  bale: 12,
  'booklet-maker': 13,
  'jog-offset': 14,
  coat: 15,
  laminate: 16,
  'staple-top-left': 20,
  'staple-bottom-left': 21,
  'staple-top-right': 22,
  'staple-bottom-right': 23,
  'edge-stitch-left': 24,
  'edge-stitch-top': 25,
  'edge-stitch-right': 26,
  'edge-stitch-bottom': 27,
  'staple-dual-left': 28,
  'staple-dual-top': 29,
  'staple-dual-right': 30,
  'staple-dual-bottom': 31,
  'staple-triple-left': 32,
  'staple-triple-top': 33,
  'staple-triple-right': 34,
  'staple-triple-bottom': 35,
  'bind-left': 50,
  'bind-top': 51,
  'bind-right': 52,
  'bind-bottom': 53,
  'trim-after-pages': 60,
  'trim-after-documents': 61,
  'trim-after-copies': 62,
  'trim-after-job': 63,
  'punch-top-left': 70,
  'punch-bottom-left': 71,
  'punch-top-right': 72,
  'punch-bottom-right': 73,
  'punch-dual-left': 74,
  'punch-dual-top': 75,
  'punch-dual-right': 76,
  'punch-dual-bottom': 77,
  'punch-triple-left': 78,
  'punch-triple-top': 79,
  'punch-triple-right': 80,
  'punch-triple-bottom': 81,
  'punch-quad-left': 82,
  'punch-quad-top': 83,
  'punch-quad-right': 84,
  'punch-quad-bottom': 85,
  'punch-multiple-left': 86,
  'punch-multiple-top': 87,
  'punch-multiple-right': 88,
  'punch-multiple-bottom': 89,
  'fold-accordion': 90,
  'fold-double-gate': 91,
  'fold-gate': 92,
  'fold-half': 93,
  'fold-half-z': 94,
  'fold-left-gate': 95,
  'fold-letter': 96,
  'fold-parallel': 97,
  'fold-poster': 98,
  'fold-right-gate': 99,
  'fold-z': 100,
  'fold-engineering-z': 101,
} as const;

export const JOB_STATE = {
  pending: 3,
  'pending-held': 4,
  processing: 5,
  'processing-stopped': 6,
  canceled: 7,
  aborted: 8,
  completed: 9,
} as const;

export const PRINTER_STATE = { idle: 3, processing: 4, stopped: 5 } as const;

export const ORIENTATION_REQUESTED = {
  portrait: 3,
  landscape: 4,
  'reverse-landscape': 5,
  'reverse-portrait': 6,
  none: 7,
} as const;

export const PRINT_QUALITY = { draft: 3, normal: 4, high: 5 } as const;

export type FinishingName = keyof typeof FINISHINGS;
export type JobStateName = keyof typeof JOB_STATE;
export type PrinterStateName = keyof typeof PRINTER_STATE;

/** One enum's names and numbers, both ways. */
export interface EnumTable {
  readonly byName: ReadonlyMap<string, number>;
  readonly byValue: ReadonlyMap<number, string>;
}

function table(values: Readonly<Record<string, number>>): EnumTable {
  const entries = Object.entries(values);
  return { byName: new Map(entries), byValue: new Map(entries.map(([name, n]) => [n, name])) };
}

const finishings = table(FINISHINGS);
const orientation = table(ORIENTATION_REQUESTED);
const quality = table(PRINT_QUALITY);

/** The attributes whose syntax is `type2 enum`, with their tables (Maps: no prototype look-ups). */
const ENUM_ATTRIBUTES: ReadonlyMap<string, EnumTable> = new Map([
  ['finishings', finishings],
  ['finishings-default', finishings],
  ['finishings-ready', finishings],
  ['finishings-supported', finishings],
  ['job-state', table(JOB_STATE)],
  ['printer-state', table(PRINTER_STATE)],
  ['orientation-requested', orientation],
  ['orientation-requested-default', orientation],
  ['orientation-requested-supported', orientation],
  ['landscape-orientation-requested-preferred', orientation],
  ['print-quality', quality],
  ['print-quality-default', quality],
  ['print-quality-supported', quality],
  ['operations-supported', table(OPERATIONS)],
]);

export function isEnumAttribute(attribute: string): boolean {
  return ENUM_ATTRIBUTES.has(attribute);
}

export function enumTable(attribute: string): EnumTable | undefined {
  return ENUM_ATTRIBUTES.get(attribute);
}

/**
 * The number to send for an enum keyword (or a number given as such). An unknown attribute or name,
 * or a number outside 1..2^31-1, is INVALID_PARAMS: never 0, never a guess.
 */
export function enumValue(attribute: string, value: string | number): Result<number> {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 1 && value <= 0x7fffffff) return ok(value);
    return invalid(attribute, `${attribute}: enum value ${value} is not an integer in 1..2147483647`);
  }
  const known = ENUM_ATTRIBUTES.get(attribute);
  if (known === undefined)
    return invalid(attribute, `${attribute} is not a known enum attribute; give the number instead`);
  const n = known.byName.get(value);
  if (n === undefined) return invalid(attribute, `${attribute}: unknown value ${JSON.stringify(value)}`);
  return ok(n);
}

/** The keyword name of an enum number, or the number itself when the registry does not name it. */
export function enumName(attribute: string, value: number): string | number {
  return ENUM_ATTRIBUTES.get(attribute)?.byValue.get(value) ?? value;
}

function invalid(attribute: string, message: string): Result<number> {
  return fail('INVALID_PARAMS', message, { details: { errors: [{ path: `/${attribute}`, message }] } });
}
