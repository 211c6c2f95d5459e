import type { MessageDefinitionField } from '@foxglove/message-definition';
import { MessageWriter } from '@foxglove/rosmsg2-serialization';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkDataModel } from '../../../src/cxp/data-model.js';
import { RosCodec } from './codec.js';
import { encodeJson, toJson } from './json.js';
import { MessageRegistry } from './registry.js';
import { fieldsOf, PRIMITIVES, type Schema } from './schema.js';

/**
 * Property: for every built-in type, a random valid value encodes, decodes, maps to JSON text and
 * back, and encodes again to the very same bytes. A second property holds our bytes against
 * @foxglove/rosmsg2-serialization's MessageWriter (ASCII strings only: it truncates the rest).
 */

const { registry } = MessageRegistry.build([]);
const codec = new RosCodec(registry);
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const noNegativeZero = (v: number) => (Object.is(v, -0) ? 0 : v);

interface GenOptions {
  ascii: boolean;
}

function primitiveArb(field: MessageDefinitionField, options: GenOptions): fc.Arbitrary<unknown> {
  const range = PRIMITIVES[field.type]?.range;
  if (range) return fc.integer({ min: range[0], max: range[1] });
  switch (field.type) {
    case 'bool':
      return fc.boolean();
    case 'int64':
      return fc.oneof(fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n), fc.maxSafeInteger());
    case 'uint64':
      return fc.bigInt(0n, 2n ** 64n - 1n);
    case 'float32':
      return fc.float().map(noNegativeZero);
    case 'float64':
      return fc.double().map(noNegativeZero);
    case 'string': {
      const maxLength = Math.min(field.upperBound ?? 12, 12);
      // A bounded string counts UTF-8 bytes: keep those to ASCII so any length fits.
      const unit = options.ascii || field.upperBound !== undefined ? 'grapheme-ascii' : 'binary';
      return fc.string({ unit, maxLength }).filter((s) => !s.includes('\0'));
    }
    default:
      return fc.record({
        sec: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        nanosec: fc.integer({ min: 0, max: 999_999_999 }),
      });
  }
}

function fieldArb(schema: Schema, field: MessageDefinitionField, options: GenOptions): fc.Arbitrary<unknown> {
  const one =
    field.isComplex === true
      ? structArb(schema, fieldsOf(schema, field.type), options)
      : primitiveArb(field, options);
  if (field.isArray !== true) return one;
  const minLength = field.arrayLength ?? 0;
  const maxLength = field.arrayLength ?? Math.min(field.arrayUpperBound ?? 4, 4);
  if (field.type === 'uint8' && field.arrayLength === undefined)
    return fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.array(one, { maxLength }));
  return fc.array(one, { minLength, maxLength });
}

function structArb(schema: Schema, fields: readonly MessageDefinitionField[], options: GenOptions) {
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of fields) shape[f.name] = fieldArb(schema, f, options);
  return fc.record(shape);
}

function arbitraryFor(type: string, options: GenOptions) {
  const schema = codec.schema(type);
  if (!schema.ok) throw schema.error;
  return structArb(schema.value, schema.value.root, options);
}

describe.each(registry.types())('%s', (type) => {
  it('round-trips value -> CDR -> value -> JSON text -> CDR to identical bytes', () => {
    fc.assert(
      fc.property(arbitraryFor(type, { ascii: false }), (value) => {
        const first = codec.encode(type, value);
        if (!first.ok) throw first.error;
        const decoded = codec.decode(type, first.value);
        if (!decoded.ok) throw decoded.error;
        const json: unknown = JSON.parse(JSON.stringify(toJson(decoded.value)));
        expect(checkDataModel(json)).toBeUndefined();
        const second = encodeJson(codec, type, json);
        if (!second.ok) throw second.error;
        expect(hex(second.value)).toBe(hex(first.value));
      }),
      { numRuns: 60 },
    );
  });

  it('writes the same body as MessageWriter', () => {
    const resolved = registry.resolve(type);
    if (!resolved.ok) throw resolved.error;
    const writer = new MessageWriter(resolved.value.definitions);
    fc.assert(
      fc.property(arbitraryFor(type, { ascii: true }), (value) => {
        const ours = codec.encode(type, value);
        if (!ours.ok) throw ours.error;
        const theirs = writer.writeMessage(value);
        expect(hex(ours.value.subarray(0, 3))).toBe(hex(theirs.subarray(0, 3)));
        expect(hex(ours.value.subarray(4, theirs.length))).toBe(hex(theirs.subarray(4)));
        expect(ours.value.length).toBe(theirs.length + (ours.value[3] ?? 0));
        expect(ours.value.length % 4).toBe(0);
      }),
      { numRuns: 30 },
    );
  });
});
