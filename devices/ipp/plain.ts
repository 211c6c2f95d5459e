/**
 * Plain JS <-> typed IPP attributes. `buildAttributes({ 'job-name': 'x', finishings: ['fold-z'] })`
 * picks each tag from the attribute registry (keyword, enum, name, integer, ...); `toPlain` turns
 * decoded attributes back into records whose values are always arrays, with enums named.
 */
import { fail, ok, type Result } from '../../src/cxp/errors.js';
import { attributeSyntax, type AttributeSyntax, type SyntaxType } from './attribute-syntax.js';
import { dateTimeFromDate } from './date-time.js';
import { enumName, enumValue } from './enums.js';
import { RESOLUTION_UNITS, STRING_TAGS } from './tags.js';
import {
  DEFAULT_LIMITS,
  type IppAttribute,
  type IppDateTime,
  type IppRange,
  type IppResolution,
  type IppTextWithLanguage,
  type IppValue,
} from './types.js';

/** A plain value: the registry decides its tag. A typed IppValue is passed through as it is. */
export type PlainValue =
  | string
  | number
  | boolean
  | Date
  | Uint8Array
  | IppDateTime
  | IppRange
  | { x: number; y: number; units: 'dpi' | 'dpcm' | number }
  | IppTextWithLanguage
  | IppValue
  | PlainAttributes;

export interface PlainAttributes {
  readonly [name: string]: PlainValue | readonly PlainValue[];
}

/** What `toPlain` gives: a value per tag, collections as records, out-of-band and raw values as typed. */
export type PlainOutput =
  | string
  | number
  | boolean
  | Uint8Array
  | IppDateTime
  | IppRange
  | IppResolution
  | IppTextWithLanguage
  | PlainRecord
  /** An out-of-band or raw value, as decoded. */
  | IppValue;

export interface PlainRecord {
  [name: string]: PlainOutput[];
}

class BuildFailure extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const TYPED_TAGS: ReadonlySet<string> = new Set([
  ...Object.keys(STRING_TAGS),
  ...['integer', 'enum', 'boolean', 'octetString', 'dateTime', 'resolution', 'rangeOfInteger'],
  ...['textWithLanguage', 'nameWithLanguage', 'collection', 'raw'],
  ...['unsupported', 'unknown', 'no-value', 'not-settable', 'delete-attribute', 'admin-define'],
]);

const STRING_TYPES: readonly (readonly [SyntaxType, IppValue['tag']])[] = [
  ['keyword', 'keyword'],
  ['name', 'nameWithoutLanguage'],
  ['text', 'textWithoutLanguage'],
  ['uri', 'uri'],
  ['uriScheme', 'uriScheme'],
  ['charset', 'charset'],
  ['naturalLanguage', 'naturalLanguage'],
  ['mimeMediaType', 'mimeMediaType'],
];

const DATE_TIME_KEYS = ['year', 'month', 'day', 'hours', 'minutes', 'seconds', 'deciSeconds'].concat([
  'utcDirection',
  'utcHours',
  'utcMinutes',
]);

function isObject(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Uint8Array) &&
    !(v instanceof Date)
  );
}

function hasOnlyKeys(
  v: Record<string, unknown>,
  required: readonly string[],
  optional: readonly string[] = [],
) {
  const keys = Object.keys(v);
  return (
    required.every((k) => keys.includes(k)) && keys.every((k) => required.includes(k) || optional.includes(k))
  );
}

/** `{tag, value}` (or `{tag}` / `{tag, code, value}`) with a known tag: a typed value. */
export function isTypedValue(v: unknown): v is IppValue {
  return (
    isObject(v) &&
    typeof v.tag === 'string' &&
    TYPED_TAGS.has(v.tag) &&
    hasOnlyKeys(v, ['tag'], ['value', 'code'])
  );
}

function fromString(name: string, types: readonly SyntaxType[], s: string, path: string): IppValue {
  for (const type of types) {
    if (type === 'enum') {
      const n = enumValue(name, s);
      if (!n.ok) throw new BuildFailure(path, n.error.message);
      return { tag: 'enum', value: n.value };
    }
    const tag = STRING_TYPES.find(([t]) => t === type)?.[1];
    if (tag !== undefined) return { tag, value: s } as IppValue;
  }
  throw new BuildFailure(path, `${name} takes ${types.join(' or ')}, not a string`);
}

function fromNumber(name: string, types: readonly SyntaxType[], n: number, path: string): IppValue {
  if (types.includes('enum')) {
    const value = enumValue(name, n);
    if (!value.ok) throw new BuildFailure(path, value.error.message);
    return { tag: 'enum', value: value.value };
  }
  if (types.includes('integer')) return { tag: 'integer', value: n };
  throw new BuildFailure(path, `${name} takes ${types.join(' or ')}, not a number`);
}

function fromObject(
  name: string,
  syntax: AttributeSyntax,
  v: Record<string, unknown>,
  path: string,
  depth: number,
): IppValue {
  const { types } = syntax;
  if (types.includes('rangeOfInteger') && hasOnlyKeys(v, ['lower', 'upper']))
    return { tag: 'rangeOfInteger', value: { lower: v.lower, upper: v.upper } } as IppValue;
  if (types.includes('resolution') && hasOnlyKeys(v, ['x', 'y', 'units'])) {
    const units =
      typeof v.units === 'string' && Object.hasOwn(RESOLUTION_UNITS, v.units)
        ? RESOLUTION_UNITS[v.units as keyof typeof RESOLUTION_UNITS]
        : v.units;
    return { tag: 'resolution', value: { x: v.x, y: v.y, units } } as IppValue;
  }
  if (hasOnlyKeys(v, ['language', 'text'])) {
    const value = { language: v.language, text: v.text } as IppTextWithLanguage;
    if (types.includes('name')) return { tag: 'nameWithLanguage', value };
    if (types.includes('text')) return { tag: 'textWithLanguage', value };
  }
  if (types.includes('dateTime') && hasOnlyKeys(v, DATE_TIME_KEYS))
    return { tag: 'dateTime', value: { ...v } as unknown as IppDateTime };
  if (types.includes('collection'))
    return { tag: 'collection', value: attributes(v as PlainAttributes, syntax, path, depth + 1) };
  throw new BuildFailure(path, `${name} takes ${types.join(' or ')}; this object fits none of them`);
}

function toValue(
  name: string,
  syntax: AttributeSyntax | undefined,
  v: unknown,
  path: string,
  depth: number,
): IppValue {
  if (isTypedValue(v)) return v;
  if (syntax === undefined)
    throw new BuildFailure(
      path,
      `${name} is not in the attribute registry: give a typed value ({tag, value})`,
    );
  const { types } = syntax;
  if (typeof v === 'string') return fromString(name, types, v, path);
  if (typeof v === 'number') return fromNumber(name, types, v, path);
  if (typeof v === 'boolean' && types.includes('boolean')) return { tag: 'boolean', value: v };
  if (v instanceof Uint8Array && types.includes('octetString')) return { tag: 'octetString', value: v };
  if (v instanceof Date && types.includes('dateTime')) {
    const value = dateTimeFromDate(v);
    if (value === undefined) throw new BuildFailure(path, `${name}: the date cannot be sent as a dateTime`);
    return { tag: 'dateTime', value };
  }
  if (isObject(v)) return fromObject(name, syntax, v, path, depth);
  throw new BuildFailure(
    path,
    `${name} takes ${types.join(' or ')}; got ${Array.isArray(v) ? 'a nested array' : typeof v}`,
  );
}

function attributes(
  plain: PlainAttributes,
  parent: AttributeSyntax | undefined,
  path: string,
  depth: number,
) {
  if (depth > DEFAULT_LIMITS.maxDepth)
    throw new BuildFailure(path, `collections nested deeper than ${DEFAULT_LIMITS.maxDepth}`);
  if (!isObject(plain)) throw new BuildFailure(path, 'attributes must be an object');
  return Object.entries(plain).map(([name, given]): IppAttribute => {
    const syntax = parent === undefined ? attributeSyntax(name) : attributeSyntax(name, parent);
    const list: readonly unknown[] = Array.isArray(given) ? given : [given];
    if (list.length === 0) throw new BuildFailure(`${path}/${name}`, `${name} has no value`);
    const values = list.map((v, i) => toValue(name, syntax, v, `${path}/${name}/${i}`, depth));
    return { name, values };
  });
}

/**
 * Typed attributes from a plain record, in key order. INVALID_PARAMS for an enum keyword the
 * registry does not know, a value that does not fit the attribute's syntax, or an attribute the
 * registry does not know given without a typed value. Value ranges are checked by the encoder.
 */
export function buildAttributes(plain: PlainAttributes): Result<IppAttribute[]> {
  try {
    return ok(attributes(plain, undefined, '', 0));
  } catch (err) {
    if (!(err instanceof BuildFailure))
      return fail('INTERNAL_ERROR', 'building IPP attributes failed', { cause: err });
    return fail('INVALID_PARAMS', `${err.path}: ${err.reason}`, {
      details: { errors: [{ path: err.path, message: err.reason }] },
    });
  }
}

function plainValue(name: string, value: IppValue): PlainOutput {
  if (value.tag === 'enum') return enumName(name, value.value);
  if (value.tag === 'collection') return toPlain(value.value);
  if (value.tag === 'raw' || !('value' in value)) return value;
  return value.value;
}

/**
 * A record of attribute name -> values (always an array, even for one value; enum numbers named
 * where the registry knows them). A repeated name keeps its first occurrence. No prototype: a
 * peer's `__proto__` attribute is an ordinary key.
 */
export function toPlain(attributesIn: readonly IppAttribute[]): PlainRecord {
  const out = Object.create(null) as PlainRecord;
  for (const { name, values } of attributesIn) {
    if (Object.hasOwn(out, name)) continue;
    out[name] = values.map((v) => plainValue(name, v));
  }
  return out;
}
