import type { MessageDefinitionField } from '@foxglove/message-definition';
import { isPlainObject } from '../../../src/cxp/data-model.js';
import type { CdrByteWriter } from './cdr-writer.js';
import { fieldsOf, primitive, type Schema } from './schema.js';

/**
 * Writes a value that validateMessage accepted. A field that is absent (allowed only with
 * fillDefaults) is written as its .msg default, else as zero, empty or the identity time.
 */
export function writeMessage(schema: Schema, value: unknown, writer: CdrByteWriter): void {
  writeStruct(schema, schema.root, value, writer);
}

function own(value: unknown, key: string): unknown {
  return isPlainObject(value) && Object.hasOwn(value, key) ? value[key] : undefined;
}

function writeStruct(
  schema: Schema,
  fields: readonly MessageDefinitionField[],
  value: unknown,
  w: CdrByteWriter,
): void {
  // ROS 2 gives a message without fields one member so that IDL accepts it: a uint8 set to 0.
  if (fields.length === 0) {
    w.uint8(0);
    return;
  }
  for (const field of fields) {
    const v = own(value, field.name) ?? field.defaultValue;
    if (field.isArray === true) writeArray(schema, field, v, w);
    else if (field.isComplex === true) writeStruct(schema, fieldsOf(schema, field.type), v, w);
    else writePrimitive(field.type, v, w);
  }
}

function writeArray(schema: Schema, field: MessageDefinitionField, v: unknown, w: CdrByteWriter): void {
  const items: ArrayLike<unknown> =
    v === undefined ? new Array<undefined>(field.arrayLength ?? 0) : (v as ArrayLike<unknown>);
  if (field.arrayLength === undefined) w.uint32(items.length);
  if (field.isComplex === true) {
    const fields = fieldsOf(schema, field.type);
    for (let i = 0; i < items.length; i++) writeStruct(schema, fields, items[i], w);
    return;
  }
  const info = primitive(field.type);
  if (info.array !== undefined && items instanceof info.array) {
    w.typedArray(items, info.size, () => {
      for (let i = 0; i < items.length; i++) writePrimitive(field.type, items[i], w);
    });
    return;
  }
  for (let i = 0; i < items.length; i++) writePrimitive(field.type, items[i], w);
}

function writePrimitive(type: string, v: unknown, w: CdrByteWriter): void {
  switch (type) {
    case 'bool':
      w.uint8(v === true ? 1 : 0);
      return;
    case 'int8':
      w.int8(num(v));
      return;
    case 'uint8':
      w.uint8(num(v));
      return;
    case 'int16':
      w.int16(num(v));
      return;
    case 'uint16':
      w.uint16(num(v));
      return;
    case 'int32':
      w.int32(num(v));
      return;
    case 'uint32':
      w.uint32(num(v));
      return;
    case 'int64':
      w.int64(big(v));
      return;
    case 'uint64':
      w.uint64(big(v));
      return;
    case 'float32':
      w.float32(num(v));
      return;
    case 'float64':
      w.float64(num(v));
      return;
    case 'string':
      w.string(typeof v === 'string' ? v : '');
      return;
    default:
      // time and duration
      w.int32(num(own(v, 'sec')));
      w.uint32(num(own(v, 'nanosec')));
  }
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

function big(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  return typeof v === 'number' ? BigInt(v) : 0n;
}
