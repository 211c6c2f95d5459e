/** The bytes of one non-collection IPP value, both ways (RFC 8010 §3.9). */
import { dateTimeProblem, readDateTime, writeDateTime } from './date-time.js';
import {
  OUT_OF_BAND_TAGS,
  STRING_TAGS,
  STRUCTURAL_TAGS,
  VALUE_TAGS,
  isOutOfBandTag,
  isStringTag,
  outOfBandName,
  stringTagName,
} from './tags.js';
import { MAX_FIELD_LENGTH, type IppDateTime, type IppValue } from './types.js';

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export type ScalarValue = Exclude<IppValue, { tag: 'collection' }>;

/** A value the caller gave that cannot be encoded; `reason` says why. */
export class ValueProblem extends Error {
  override readonly name = 'ValueProblem';
}

function text(bytes: Buffer): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function raw(code: number, bytes: Buffer): ScalarValue {
  return { tag: 'raw', code, value: Buffer.from(bytes) };
}

function withLanguage(bytes: Buffer): { language: string; text: string } | undefined {
  if (bytes.length < 4) return undefined;
  const languageLength = bytes.readUInt16BE(0);
  if (2 + languageLength + 2 > bytes.length) return undefined;
  const textLength = bytes.readUInt16BE(2 + languageLength);
  if (4 + languageLength + textLength !== bytes.length) return undefined;
  const language = text(bytes.subarray(2, 2 + languageLength));
  const body = text(bytes.subarray(4 + languageLength));
  return language === undefined || body === undefined ? undefined : { language, text: body };
}

/** Decodes a value that is not a collection; bytes that do not fit the tag's syntax stay raw. */
export function decodeScalar(code: number, bytes: Buffer): ScalarValue {
  const oob = outOfBandName(code);
  if (oob !== undefined) return bytes.length === 0 ? { tag: oob } : raw(code, bytes);
  const stringTag = stringTagName(code);
  if (stringTag !== undefined) {
    const value = text(bytes);
    return value === undefined ? raw(code, bytes) : { tag: stringTag, value };
  }
  return decodeFixed(code, bytes) ?? raw(code, bytes);
}

function decodeFixed(code: number, bytes: Buffer): ScalarValue | undefined {
  const n = bytes.length;
  switch (code) {
    case VALUE_TAGS.integer:
      return n === 4 ? { tag: 'integer', value: bytes.readInt32BE(0) } : undefined;
    case VALUE_TAGS.enum:
      return n === 4 && bytes.readInt32BE(0) >= 1 ? { tag: 'enum', value: bytes.readInt32BE(0) } : undefined;
    case VALUE_TAGS.boolean:
      return n === 1 && bytes.readUInt8(0) <= 1 ? { tag: 'boolean', value: bytes[0] === 1 } : undefined;
    case VALUE_TAGS.octetString:
      return { tag: 'octetString', value: Buffer.from(bytes) };
    case VALUE_TAGS.dateTime: {
      const value = readDateTime(bytes);
      return value === undefined ? undefined : { tag: 'dateTime', value };
    }
    case VALUE_TAGS.resolution:
      if (n !== 9) return undefined;
      return {
        tag: 'resolution',
        value: { x: bytes.readInt32BE(0), y: bytes.readInt32BE(4), units: bytes.readInt8(8) },
      };
    case VALUE_TAGS.rangeOfInteger:
      if (n !== 8) return undefined;
      return { tag: 'rangeOfInteger', value: { lower: bytes.readInt32BE(0), upper: bytes.readInt32BE(4) } };
    case VALUE_TAGS.textWithLanguage:
    case VALUE_TAGS.nameWithLanguage: {
      const value = withLanguage(bytes);
      if (value === undefined) return undefined;
      return { tag: code === VALUE_TAGS.textWithLanguage ? 'textWithLanguage' : 'nameWithLanguage', value };
    }
    default:
      return undefined;
  }
}

function int32(value: unknown, what: string, min = INT32_MIN): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > INT32_MAX)
    throw new ValueProblem(`${what} must be an integer in ${min}..${INT32_MAX}`);
  return value;
}

function utf8Bytes(value: unknown, what: string): Buffer {
  if (typeof value !== 'string') throw new ValueProblem(`${what} must be a string`);
  if (LONE_SURROGATE.test(value)) throw new ValueProblem(`${what} is not well-formed Unicode`);
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > MAX_FIELD_LENGTH)
    throw new ValueProblem(`${what} is ${bytes.length} bytes, more than ${MAX_FIELD_LENGTH}`);
  return bytes;
}

function octets(value: unknown, what: string): Buffer {
  if (!(value instanceof Uint8Array)) throw new ValueProblem(`${what} must be a Uint8Array`);
  if (value.length > MAX_FIELD_LENGTH)
    throw new ValueProblem(`${what} is ${value.length} bytes, more than ${MAX_FIELD_LENGTH}`);
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) throw new ValueProblem(`${what} must be an object`);
  return value as Record<string, unknown>;
}

function int32Bytes(...values: number[]): Buffer {
  const out = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => out.writeInt32BE(v, 4 * i));
  return out;
}

function encodeLanguage(value: unknown, tag: string): Buffer {
  const v = record(value, tag);
  const language = utf8Bytes(v.language, `${tag} language`);
  const body = utf8Bytes(v.text, `${tag} text`);
  const out = Buffer.alloc(4 + language.length + body.length);
  if (out.length > MAX_FIELD_LENGTH)
    throw new ValueProblem(`${tag} is longer than ${MAX_FIELD_LENGTH} bytes`);
  out.writeUInt16BE(language.length, 0);
  language.copy(out, 2);
  out.writeUInt16BE(body.length, 2 + language.length);
  body.copy(out, 4 + language.length);
  return out;
}

/** The tag byte and value bytes of a non-collection value; throws ValueProblem when it is invalid. */
export function encodeScalar(value: ScalarValue): { code: number; bytes: Buffer } {
  const tag = value.tag as string;
  const v = (value as { value?: unknown }).value;
  if (isOutOfBandTag(tag)) return { code: OUT_OF_BAND_TAGS[tag], bytes: Buffer.alloc(0) };
  if (isStringTag(tag)) return { code: STRING_TAGS[tag], bytes: utf8Bytes(v, tag) };
  switch (tag) {
    case 'integer':
      return { code: VALUE_TAGS.integer, bytes: int32Bytes(int32(v, 'integer')) };
    case 'enum':
      return { code: VALUE_TAGS.enum, bytes: int32Bytes(int32(v, 'enum', 1)) };
    case 'boolean':
      if (typeof v !== 'boolean') throw new ValueProblem('boolean must be true or false');
      return { code: VALUE_TAGS.boolean, bytes: Buffer.from([v ? 1 : 0]) };
    case 'octetString':
      return { code: VALUE_TAGS.octetString, bytes: octets(v, 'octetString') };
    case 'dateTime': {
      const problem = dateTimeProblem(v);
      if (problem !== undefined) throw new ValueProblem(problem);
      return { code: VALUE_TAGS.dateTime, bytes: writeDateTime(v as IppDateTime) };
    }
    case 'resolution':
      return { code: VALUE_TAGS.resolution, bytes: resolutionBytes(record(v, 'resolution')) };
    case 'rangeOfInteger': {
      const r = record(v, 'rangeOfInteger');
      return {
        code: VALUE_TAGS.rangeOfInteger,
        bytes: int32Bytes(int32(r.lower, 'lower'), int32(r.upper, 'upper')),
      };
    }
    case 'textWithLanguage':
    case 'nameWithLanguage':
      return { code: VALUE_TAGS[tag], bytes: encodeLanguage(v, tag) };
    case 'raw':
      return { code: rawCode((value as { code?: unknown }).code), bytes: octets(v, 'raw value') };
    default:
      throw new ValueProblem(`unknown value tag ${JSON.stringify(tag)}`);
  }
}

function resolutionBytes(r: Record<string, unknown>): Buffer {
  const units = r.units;
  if (typeof units !== 'number' || !Number.isInteger(units) || units < -128 || units > 127)
    throw new ValueProblem('resolution units must be an integer in -128..127 (3 = dpi, 4 = dpcm)');
  return Buffer.concat([
    int32Bytes(int32(r.x, 'resolution x'), int32(r.y, 'resolution y')),
    Buffer.from([units & 0xff]),
  ]);
}

function rawCode(code: unknown): number {
  if (
    typeof code !== 'number' ||
    !Number.isInteger(code) ||
    code < 0x10 ||
    code > 0xff ||
    STRUCTURAL_TAGS.has(code)
  )
    throw new ValueProblem('raw code must be a value tag in 0x10..0xFF other than 0x34, 0x37 and 0x4A');
  return code;
}
