import type { MessageDefinitionField } from '@foxglove/message-definition';
import type { ResolvedType } from './registry.js';

/**
 * A resolved type as the encoder, validator and scanner walk it: the root's data fields and every
 * nested type's, by name. Constants were already left out by the registry.
 */
export interface Schema {
  type: string;
  root: readonly MessageDefinitionField[];
  types: ReadonlyMap<string, readonly MessageDefinitionField[]>;
}

export function schemaOf(resolved: ResolvedType): Schema {
  const types = new Map(resolved.definitions.map((d) => [d.name ?? '', d.definitions]));
  return { type: resolved.type, root: resolved.definitions[0]?.definitions ?? [], types };
}

/** Fields of a nested type; the registry guarantees every referenced type is present. */
export function fieldsOf(schema: Schema, type: string): readonly MessageDefinitionField[] {
  return schema.types.get(type) ?? [];
}

type TypedArrayClass =
  | typeof Int8Array
  | typeof Uint8Array
  | typeof Int16Array
  | typeof Uint16Array
  | typeof Int32Array
  | typeof Uint32Array
  | typeof BigInt64Array
  | typeof BigUint64Array
  | typeof Float32Array
  | typeof Float64Array;

export interface PrimitiveInfo {
  /** Bytes on the wire (strings: the length prefix only). */
  size: number;
  /** Alignment in XCDR1; 8-byte values align to 4 in XCDR2. */
  align: number;
  /** The typed array MessageReader returns for an array of this type, if any. */
  array?: TypedArrayClass;
  /** Integer range, for the integer types up to 32 bits. */
  range?: readonly [number, number];
}

export const PRIMITIVES: Readonly<Record<string, PrimitiveInfo>> = {
  bool: { size: 1, align: 1 },
  int8: { size: 1, align: 1, array: Int8Array, range: [-128, 127] },
  uint8: { size: 1, align: 1, array: Uint8Array, range: [0, 255] },
  int16: { size: 2, align: 2, array: Int16Array, range: [-32768, 32767] },
  uint16: { size: 2, align: 2, array: Uint16Array, range: [0, 65535] },
  int32: { size: 4, align: 4, array: Int32Array, range: [-2147483648, 2147483647] },
  uint32: { size: 4, align: 4, array: Uint32Array, range: [0, 4294967295] },
  int64: { size: 8, align: 8, array: BigInt64Array },
  uint64: { size: 8, align: 8, array: BigUint64Array },
  float32: { size: 4, align: 4, array: Float32Array },
  float64: { size: 8, align: 8, array: Float64Array },
  string: { size: 4, align: 4 },
  // builtin_interfaces Time and Duration, which the parser turns into primitives: int32 + uint32.
  time: { size: 8, align: 4 },
  duration: { size: 8, align: 4 },
};

export function primitive(type: string): PrimitiveInfo {
  const info = PRIMITIVES[type];
  // The parser accepts no other primitive names and the registry refuses wstring.
  if (!info) throw new Error(`unsupported primitive type ${type}`);
  return info;
}

const minBytesCache = new WeakMap<MessageDefinitionField, number>();

/** The smallest number of bytes one value of a field's element type takes (for length checks). */
export function minElementBytes(schema: Schema, field: MessageDefinitionField): number {
  if (field.isComplex !== true) return primitive(field.type).size;
  let bytes = minBytesCache.get(field);
  if (bytes === undefined) {
    bytes = minStructBytes(schema, fieldsOf(schema, field.type), new Map());
    minBytesCache.set(field, bytes);
  }
  return bytes;
}

function minStructBytes(
  schema: Schema,
  fields: readonly MessageDefinitionField[],
  memo: Map<readonly MessageDefinitionField[], number>,
): number {
  const known = memo.get(fields);
  if (known !== undefined) return known;
  // An empty struct is sent as one padding byte.
  let total = fields.length === 0 ? 1 : 0;
  for (const f of fields) {
    const one =
      f.isComplex === true ? minStructBytes(schema, fieldsOf(schema, f.type), memo) : primitive(f.type).size;
    if (f.isArray !== true) total += one;
    else total += f.arrayLength === undefined ? 4 : f.arrayLength * one;
  }
  memo.set(fields, total);
  return total;
}
