/**
 * Decodes an IPP message (RFC 8010 §3): header, attribute groups, collections, document data.
 * Pure and total: any byte sequence gives a message or a MALFORMED_MESSAGE, never an exception.
 */
import { fail, ok, type Result } from '../../src/cxp/errors.js';
import { END_OF_ATTRIBUTES_TAG, VALUE_TAGS, groupName, isGroupDelimiter } from './tags.js';
import {
  MAX_FIELD_LENGTH,
  resolveLimits,
  type IppAttribute,
  type IppGroup,
  type IppCodecOptions,
  type IppMessage,
  type IppValue,
} from './types.js';
import { decodeScalar } from './value-codec.js';

class DecodeFailure extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

interface Cursor {
  readonly buf: Buffer;
  pos: number;
  attributes: number;
  values: number;
  readonly limits: Readonly<Required<IppCodecOptions>>;
}

/** One tag-name-value field as it sits on the wire. */
interface Field {
  at: number;
  code: number;
  name: string;
  value: Buffer;
}

function need(c: Cursor, n: number, what: string): void {
  const left = c.buf.length - c.pos;
  if (n > left) throw new DecodeFailure(c.pos, `truncated ${what}: needs ${n} bytes, ${left} left`);
}

function readLength(c: Cursor, what: string): number {
  need(c, 2, what);
  const n = c.buf.readUInt16BE(c.pos);
  if (n > MAX_FIELD_LENGTH) throw new DecodeFailure(c.pos, `${what} ${n} is more than ${MAX_FIELD_LENGTH}`);
  c.pos += 2;
  return n;
}

function readBytes(c: Cursor, n: number, what: string): Buffer {
  need(c, n, what);
  const bytes = c.buf.subarray(c.pos, c.pos + n);
  c.pos += n;
  return bytes;
}

/** Attribute and member names are keywords: printable US-ASCII without spaces. */
function readName(bytes: Buffer, at: number, what: string): string {
  for (const b of bytes) {
    if (b < 0x21 || b > 0x7e) throw new DecodeFailure(at, `${what} has a byte 0x${hex(b)} outside US-ASCII`);
  }
  return bytes.toString('latin1');
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function readField(c: Cursor): Field {
  const at = c.pos;
  need(c, 1, 'value tag');
  const code = c.buf.readUInt8(c.pos++);
  const nameBytes = readBytes(c, readLength(c, 'name-length'), 'name');
  const name = readName(nameBytes, at, 'attribute name');
  const value = readBytes(c, readLength(c, 'value-length'), 'value');
  return { at, code, name, value };
}

function countAttribute(c: Cursor, at: number): void {
  if (++c.attributes > c.limits.maxAttributes)
    throw new DecodeFailure(at, `more than ${c.limits.maxAttributes} attributes`);
}

function countValue(c: Cursor, at: number): void {
  if (++c.values > c.limits.maxValues) throw new DecodeFailure(at, `more than ${c.limits.maxValues} values`);
}

function decodeFieldValue(c: Cursor, field: Field, depth: number): IppValue {
  countValue(c, field.at);
  if (field.code === VALUE_TAGS.begCollection) {
    if (field.value.length !== 0) throw new DecodeFailure(field.at, 'begCollection with a non-empty value');
    return { tag: 'collection', value: decodeCollection(c, depth, field.at) };
  }
  if (field.code === VALUE_TAGS.endCollection || field.code === VALUE_TAGS.memberAttrName)
    throw new DecodeFailure(field.at, `tag 0x${hex(field.code)} outside a collection`);
  return decodeScalar(field.code, field.value);
}

function decodeCollection(c: Cursor, depth: number, at: number): IppAttribute[] {
  if (depth > c.limits.maxDepth)
    throw new DecodeFailure(at, `collections nested deeper than ${c.limits.maxDepth}`);
  const members: IppAttribute[] = [];
  let member: IppAttribute | undefined;
  for (;;) {
    need(c, 1, 'collection (no endCollection)');
    if (c.buf.readUInt8(c.pos) < 0x10) throw new DecodeFailure(c.pos, 'delimiter tag inside a collection');
    const field = readField(c);
    if (field.name !== '') throw new DecodeFailure(field.at, 'a collection member field with a name');
    if (field.code === VALUE_TAGS.endCollection || field.code === VALUE_TAGS.memberAttrName) {
      if (member?.values.length === 0)
        throw new DecodeFailure(field.at, `member ${member.name} has no value`);
    }
    if (field.code === VALUE_TAGS.endCollection) {
      if (field.value.length !== 0) throw new DecodeFailure(field.at, 'endCollection with a non-empty value');
      return members;
    }
    if (field.code === VALUE_TAGS.memberAttrName) {
      if (field.value.length === 0) throw new DecodeFailure(field.at, 'empty member name');
      countAttribute(c, field.at);
      member = { name: readName(field.value, field.at, 'member name'), values: [] };
      members.push(member);
    } else {
      if (member === undefined) throw new DecodeFailure(field.at, 'a collection value before memberAttrName');
      member.values.push(decodeFieldValue(c, field, depth + 1));
    }
  }
}

function decodeGroups(c: Cursor): IppGroup[] {
  const groups: IppGroup[] = [];
  let group: IppGroup | undefined;
  let attribute: IppAttribute | undefined;
  for (;;) {
    need(c, 1, 'attributes (no end-of-attributes-tag)');
    const tag = c.buf.readUInt8(c.pos);
    if (tag === END_OF_ATTRIBUTES_TAG) {
      c.pos++;
      return groups;
    }
    if (tag < 0x10) {
      if (!isGroupDelimiter(tag)) throw new DecodeFailure(c.pos, 'reserved delimiter tag 0x00');
      c.pos++;
      group = { tag: groupName(tag) ?? tag, attributes: [] };
      groups.push(group);
      attribute = undefined;
      continue;
    }
    if (group === undefined) throw new DecodeFailure(c.pos, 'an attribute before the first group tag');
    const field = readField(c);
    if (field.name !== '') {
      countAttribute(c, field.at);
      attribute = { name: field.name, values: [] };
      group.attributes.push(attribute);
    } else if (attribute === undefined) {
      throw new DecodeFailure(field.at, 'an additional value (empty name) with no attribute before it');
    }
    attribute.values.push(decodeFieldValue(c, field, 1));
  }
}

/** Decodes a whole IPP message; the document data is a view into `bytes`. */
export function decodeMessage(bytes: Uint8Array, options: IppCodecOptions = {}): Result<IppMessage> {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const c: Cursor = { buf, pos: 0, attributes: 0, values: 0, limits: resolveLimits(options) };
  try {
    need(c, 8, 'header (version, operation-id or status-code, request-id)');
    const version = { major: buf.readUInt8(0), minor: buf.readUInt8(1) };
    const code = buf.readUInt16BE(2);
    const requestId = buf.readInt32BE(4);
    c.pos = 8;
    const groups = decodeGroups(c);
    return ok({ version, code, requestId, groups, data: buf.subarray(c.pos) });
  } catch (err) {
    if (!(err instanceof DecodeFailure))
      return fail('INTERNAL_ERROR', 'IPP decoder failed unexpectedly', { cause: err });
    const { offset, reason } = err;
    return fail('MALFORMED_MESSAGE', `malformed IPP message at byte ${offset}: ${reason}`, {
      details: { offset, reason, errors: [{ path: `/bytes/${offset}`, message: reason }] },
    });
  }
}
