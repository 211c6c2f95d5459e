/**
 * Encodes an IPP message (RFC 8010 §3) from the typed value model. Validates everything it writes:
 * names, lengths, integer ranges, dateTime fields, nesting and the same limits the decoder applies,
 * so what it produces always decodes back to the same value. Problems are INVALID_PARAMS.
 */
import { fail, ok, type Result } from '../../src/cxp/errors.js';
import { END_OF_ATTRIBUTES_TAG, GROUP_TAGS, VALUE_TAGS } from './tags.js';
import {
  IPP_VERSION_2_0,
  MAX_FIELD_LENGTH,
  resolveLimits,
  type IppAttribute,
  type IppGroup,
  type IppCodecOptions,
  type IppValue,
  type IppVersion,
} from './types.js';
import { ValueProblem, encodeScalar } from './value-codec.js';

/** What `encodeMessage` takes: an IppMessage whose version defaults to 2.0 and data to none. */
export interface IppMessageInput {
  version?: IppVersion;
  code: number;
  requestId: number;
  groups: readonly IppGroup[];
  data?: Uint8Array;
}

class EncodeFailure extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const EMPTY = Buffer.alloc(0);

class Writer {
  readonly chunks: Buffer[] = [];
  attributes = 0;
  values = 0;
  constructor(readonly limits: Readonly<Required<IppCodecOptions>>) {}

  field(code: number, name: Buffer, value: Buffer): void {
    const head = Buffer.alloc(5 + name.length);
    head.writeUInt8(code, 0);
    head.writeUInt16BE(name.length, 1);
    name.copy(head, 3);
    head.writeUInt16BE(value.length, 3 + name.length);
    this.chunks.push(head);
    if (value.length > 0) this.chunks.push(value);
  }

  countAttribute(path: string): void {
    if (++this.attributes > this.limits.maxAttributes)
      throw new EncodeFailure(path, `more than ${this.limits.maxAttributes} attributes`);
  }

  countValue(path: string): void {
    if (++this.values > this.limits.maxValues)
      throw new EncodeFailure(path, `more than ${this.limits.maxValues} values`);
  }
}

function integerIn(value: unknown, min: number, max: number, path: string, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new EncodeFailure(path, `${what} must be an integer in ${min}..${max}`);
  return value;
}

/** Attribute and member names: 1..32767 printable US-ASCII characters. */
function nameBytes(name: unknown, path: string): Buffer {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_FIELD_LENGTH)
    throw new EncodeFailure(path, `a name must be a string of 1..${MAX_FIELD_LENGTH} characters`);
  if (!/^[\x21-\x7e]+$/.test(name))
    throw new EncodeFailure(path, `name ${JSON.stringify(name)} has a character outside printable US-ASCII`);
  return Buffer.from(name, 'latin1');
}

function arrayOf<T>(value: readonly T[], path: string, what: string, nonEmpty: boolean): readonly T[] {
  if (!Array.isArray(value)) throw new EncodeFailure(path, `${what} must be an array`);
  if (nonEmpty && value.length === 0) throw new EncodeFailure(path, `${what} must hold at least one value`);
  return value as T[];
}

function writeAttribute(w: Writer, attribute: IppAttribute, path: string, depth: number): void {
  w.countAttribute(path);
  const name = nameBytes((attribute as Partial<IppAttribute> | null)?.name, `${path}/name`);
  const values = arrayOf<IppValue>(attribute.values, `${path}/values`, `${attribute.name} values`, true);
  values.forEach((value, i) => {
    writeValue(w, i === 0 ? name : EMPTY, value, `${path}/values/${i}`, depth);
  });
}

function writeMember(w: Writer, member: IppAttribute, path: string, depth: number): void {
  w.countAttribute(path);
  const name = nameBytes((member as Partial<IppAttribute> | null)?.name, `${path}/name`);
  const values = arrayOf<IppValue>(member.values, `${path}/values`, `member ${member.name} values`, true);
  w.field(VALUE_TAGS.memberAttrName, EMPTY, name);
  values.forEach((value, i) => {
    writeValue(w, EMPTY, value, `${path}/values/${i}`, depth + 1);
  });
}

function writeValue(w: Writer, name: Buffer, value: IppValue, path: string, depth: number): void {
  w.countValue(path);
  if (typeof value !== 'object' || (value as unknown) === null)
    throw new EncodeFailure(path, 'a value must be an object with a tag');
  if (value.tag === 'collection') {
    if (depth > w.limits.maxDepth)
      throw new EncodeFailure(path, `collections nested deeper than ${w.limits.maxDepth}`);
    const members = arrayOf<IppAttribute>(value.value, `${path}/value`, 'collection members', false);
    w.field(VALUE_TAGS.begCollection, name, EMPTY);
    members.forEach((member, i) => {
      writeMember(w, member, `${path}/value/${i}`, depth);
    });
    w.field(VALUE_TAGS.endCollection, EMPTY, EMPTY);
    return;
  }
  try {
    const { code, bytes } = encodeScalar(value);
    w.field(code, name, bytes);
  } catch (err) {
    if (err instanceof ValueProblem) throw new EncodeFailure(path, err.message);
    throw err;
  }
}

function groupCode(tag: unknown, path: string): number {
  if (typeof tag === 'string' && Object.hasOwn(GROUP_TAGS, tag))
    return GROUP_TAGS[tag as keyof typeof GROUP_TAGS];
  return integerIn(tag, 0x0b, 0x0f, path, 'a group tag other than a group name');
}

function writeGroups(w: Writer, groups: readonly IppGroup[]): void {
  arrayOf<IppGroup>(groups, '/groups', 'groups', false).forEach((group, g) => {
    const path = `/groups/${g}`;
    w.chunks.push(Buffer.from([groupCode((group as Partial<IppGroup> | null)?.tag, `${path}/tag`)]));
    const attributes = arrayOf<IppAttribute>(group.attributes, `${path}/attributes`, 'attributes', false);
    attributes.forEach((attribute, a) => {
      writeAttribute(w, attribute, `${path}/attributes/${a}`, 1);
    });
  });
}

function header(msg: IppMessageInput): Buffer {
  const version = msg.version ?? IPP_VERSION_2_0;
  const out = Buffer.alloc(8);
  out.writeUInt8(integerIn(version.major, 0, 0xff, '/version/major', 'version major'), 0);
  out.writeUInt8(integerIn(version.minor, 0, 0xff, '/version/minor', 'version minor'), 1);
  out.writeUInt16BE(integerIn(msg.code, 0, 0xffff, '/code', 'operation-id or status-code'), 2);
  out.writeInt32BE(integerIn(msg.requestId, -0x80000000, 0x7fffffff, '/requestId', 'request-id'), 4);
  return out;
}

/** Encodes a request or a response: header, groups in order, end-of-attributes-tag, document data. */
export function encodeMessage(msg: IppMessageInput, options: IppCodecOptions = {}): Result<Buffer> {
  const w = new Writer(resolveLimits(options));
  try {
    w.chunks.push(header(msg));
    writeGroups(w, msg.groups);
    w.chunks.push(Buffer.from([END_OF_ATTRIBUTES_TAG]));
    if (msg.data !== undefined) {
      if (!(msg.data instanceof Uint8Array)) throw new EncodeFailure('/data', 'data must be a Uint8Array');
      w.chunks.push(Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength));
    }
    return ok(Buffer.concat(w.chunks));
  } catch (err) {
    if (!(err instanceof EncodeFailure))
      return fail('INTERNAL_ERROR', 'IPP encoder failed unexpectedly', { cause: err });
    return fail('INVALID_PARAMS', `cannot encode IPP message: ${err.path}: ${err.reason}`, {
      details: { errors: [{ path: err.path, message: err.reason }] },
    });
  }
}
