import type { MessageDefinitionField } from '@foxglove/message-definition';
import { fieldsOf, minElementBytes, primitive, type Schema } from './schema.js';
import { childPath } from './types.js';

/**
 * Walks CDR bytes against a definition without building any value, before MessageReader decodes
 * them. It proves that every length prefix fits in the bytes that are there, so a crafted sequence
 * length (2^31 elements in a 40-byte sample) is refused here instead of making the reader allocate
 * for it, and that decoding ends within the buffer. Linear in the bytes plus the elements, which
 * are capped, so it cannot hang. Pure.
 */

export interface ScanLimits {
  /**
   * Elements of arrays that decode to one JavaScript value each (messages, strings, booleans,
   * times), summed over the message. Numeric arrays become typed arrays over the bytes and are
   * bounded by the byte size alone.
   */
  maxElements: number;
}

export type ScanResult = { ok: true; end: number } | { ok: false; path: string; message: string };

/** Encapsulation kinds MessageReader decodes: plain CDR (XCDR1) and plain CDR2, either byte order. */
const PLAIN_KINDS: ReadonlyMap<number, { littleEndian: boolean; cdr2: boolean }> = new Map([
  [0x00, { littleEndian: false, cdr2: false }],
  [0x01, { littleEndian: true, cdr2: false }],
  [0x06, { littleEndian: false, cdr2: true }],
  [0x07, { littleEndian: true, cdr2: true }],
  [0x10, { littleEndian: false, cdr2: true }],
  [0x11, { littleEndian: true, cdr2: true }],
]);

/** RTPS pads a serialized payload to a multiple of 4; more left over means a type mismatch. */
const MAX_TRAILING_BYTES = 3;

/**
 * Where the scan is, as a chain of keys: built per field without making a string, turned into a
 * JSON Pointer only when something is wrong (scans run for every sample; paths are for errors).
 */
type PathRef = { readonly parent: PathRef; readonly key: string | number } | undefined;

function pointer(ref: PathRef): string {
  const keys: (string | number)[] = [];
  for (let n = ref; n !== undefined; n = n.parent) keys.push(n.key);
  let out = '';
  for (let i = keys.length - 1; i >= 0; i--) out = childPath(out, keys[i] ?? '');
  return out;
}

class ScanError extends Error {
  readonly path: string;
  constructor(ref: PathRef, message: string) {
    super(message);
    this.path = pointer(ref);
  }
}

export function scanCdr(schema: Schema, bytes: Uint8Array, limits: ScanLimits): ScanResult {
  if (bytes.byteLength < 4) return { ok: false, path: '', message: 'shorter than the 4-byte CDR header' };
  const kind = bytes[0] === 0 ? PLAIN_KINDS.get(bytes[1] ?? -1) : undefined;
  if (!kind) {
    const hex = Array.from(bytes.subarray(0, 2), (b) => b.toString(16).padStart(2, '0')).join('');
    return {
      ok: false,
      path: '',
      message: `encapsulation 0x${hex} is not plain CDR (only final types are read)`,
    };
  }
  const scanner = new Scanner(schema, bytes, kind, limits);
  try {
    scanner.struct(schema.root, undefined);
  } catch (err) {
    if (err instanceof ScanError) return { ok: false, path: err.path, message: err.message };
    throw err;
  }
  const trailing = bytes.byteLength - scanner.offset;
  if (trailing > MAX_TRAILING_BYTES)
    return {
      ok: false,
      path: '',
      message: `${trailing} bytes left after the message: the sender's definition of ${schema.type} differs`,
    };
  return { ok: true, end: scanner.offset };
}

class Scanner {
  offset = 4;
  #elements = 0;
  readonly #view: DataView;
  readonly #eight: number;

  constructor(
    readonly schema: Schema,
    readonly bytes: Uint8Array,
    readonly kind: { littleEndian: boolean; cdr2: boolean },
    readonly limits: ScanLimits,
  ) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#eight = kind.cdr2 ? 4 : 8;
  }

  struct(fields: readonly MessageDefinitionField[], path: PathRef): void {
    if (fields.length === 0) {
      this.#take(1, path);
      return;
    }
    for (const field of fields) {
      const fieldPath: PathRef = { parent: path, key: field.name };
      if (field.isArray === true) this.#array(field, fieldPath);
      else this.#one(field, fieldPath);
    }
  }

  #one(field: MessageDefinitionField, path: PathRef): void {
    if (field.isComplex === true) this.struct(fieldsOf(this.schema, field.type), path);
    else if (field.type === 'string') this.#string(path);
    else this.#primitive(field.type, path);
  }

  #array(field: MessageDefinitionField, path: PathRef): void {
    const count = field.arrayLength ?? this.#uint32(path);
    if (count === 0) return;
    const info = field.isComplex === true ? undefined : primitive(field.type);
    if (info?.array !== undefined) {
      // A typed array: MessageReader aligns once, then takes count * size bytes.
      this.#align(info.align === 8 ? this.#eight : info.align);
      this.#take(count * info.size, path, count, 'elements');
      return;
    }
    // One JavaScript value per element: check the count against the bytes left and the cap
    // before walking, so a huge count fails at once.
    const left = this.bytes.byteLength - this.offset;
    if (count * Math.max(1, minElementBytes(this.schema, field)) > left)
      throw new ScanError(path, `${count} elements cannot fit in the ${left} bytes left`);
    this.#elements += count;
    if (this.#elements > this.limits.maxElements)
      throw new ScanError(path, `more than ${this.limits.maxElements} array elements in one message`);
    for (let i = 0; i < count; i++) this.#one(field, { parent: path, key: i });
  }

  #string(path: PathRef): void {
    const length = this.#uint32(path);
    const start = this.offset;
    this.#take(length, path, length, 'string');
    if (length > 0 && this.bytes[start + length - 1] !== 0)
      throw new ScanError(path, 'string is not NUL-terminated');
  }

  #primitive(type: string, path: PathRef): void {
    const info = primitive(type);
    // time and duration are two 4-byte members.
    this.#align(info.align === 8 ? this.#eight : info.align);
    this.#take(info.size, path);
  }

  #uint32(path: PathRef): number {
    this.#align(4);
    const at = this.offset;
    this.#take(4, path);
    return this.#view.getUint32(at, this.kind.littleEndian);
  }

  #align(size: number): void {
    const rest = (this.offset - 4) % size;
    if (rest !== 0) this.offset += size - rest;
  }

  /** Takes `n` bytes; `count` and `unit` only shape the message when they run past the end. */
  #take(n: number, path: PathRef, count = n, unit: 'bytes' | 'elements' | 'string' = 'bytes'): void {
    if (this.offset + n > this.bytes.byteLength) {
      const what = unit === 'string' ? `a string of ${count} bytes` : `${count} ${unit}`;
      throw new ScanError(
        path,
        `truncated: ${what} at offset ${this.offset} run past the end (${this.bytes.byteLength})`,
      );
    }
    this.offset += n;
  }
}
