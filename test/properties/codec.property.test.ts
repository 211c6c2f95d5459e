import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/cxp/error-codes.js';
import { CxpError } from '../../src/cxp/errors.js';
import { decodeMessage, encodeMessage, type DecodeResult } from '../../src/cxp/message.js';
import { MESSAGE_SCHEMAS, MESSAGE_TYPES, type CxpMessage } from '../../src/cxp/schema/index.js';
import { validatorFor } from '../helpers/ajv.js';
import { arbitraryFor } from '../helpers/schema-arbitrary.js';

const RUNS = 1000;
const raw = new Packr({ useRecords: false });
const anyMessage = validatorFor('cxp/message.schema.json');

/** A decode result is either a message the independent validator accepts, or a registered coded error. */
function assertValidOrCoded(result: DecodeResult): void {
  if (result.ok) {
    expect(anyMessage(result.message), JSON.stringify(anyMessage.errors)).toBe(true);
  } else {
    expect(result.error).toBeInstanceOf(CxpError);
    expect(Object.keys(ERROR_CODES)).toContain(result.error.code);
  }
}

const validMessage = fc.oneof(
  ...MESSAGE_TYPES.map((t) => arbitraryFor(MESSAGE_SCHEMAS[t] as unknown as Record<string, unknown>)),
) as fc.Arbitrary<CxpMessage>;

describe('decode never throws on garbage', () => {
  it('random bytes as JSON and as MessagePack', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        assertValidOrCoded(decodeMessage(bytes, { encoding: 'json' }));
        assertValidOrCoded(decodeMessage(bytes, { encoding: 'msgpack' }));
      }),
      { numRuns: RUNS },
    );
  });

  it('random JSON values, with any Unicode including lone surrogates', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6, stringUnit: 'binary' }), (value) => {
        assertValidOrCoded(decodeMessage(JSON.stringify(value)));
        assertValidOrCoded(decodeMessage(raw.pack(value), { encoding: 'msgpack' }));
      }),
      { numRuns: RUNS },
    );
  });

  it('valid messages with one field mutated: decoder and JSON Schema agree', () => {
    const mutation = fc.tuple(validMessage, fc.nat(), fc.jsonValue({ maxDepth: 2 }), fc.boolean());
    fc.assert(
      fc.property(mutation, ([message, pick, replacement, remove]) => {
        const m = structuredClone(message) as Record<string, unknown>;
        const keys = Object.keys(m);
        const key = keys[pick % keys.length] ?? 'type';
        if (remove) Reflect.deleteProperty(m, key);
        else m[key] = replacement;
        const result = decodeMessage(JSON.stringify(m));
        assertValidOrCoded(result);
        expect(result.ok).toBe(anyMessage(JSON.parse(JSON.stringify(m))));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('encodings agree', () => {
  it('JSON and MessagePack round-trips give equal values for every message type', () => {
    fc.assert(
      fc.property(validMessage, (message) => {
        const expected = JSON.parse(JSON.stringify(message)) as unknown;
        const viaJson = decodeMessage(encodeMessage(message, 'json'));
        const viaPack = decodeMessage(encodeMessage(message, 'msgpack'), { encoding: 'msgpack' });
        expect(viaJson.ok && viaJson.message).toEqual(expected);
        expect(viaPack.ok && viaPack.message).toEqual(expected);
      }),
      { numRuns: RUNS },
    );
  });
});
