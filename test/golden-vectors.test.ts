/**
 * Golden test vectors for the CXP v1 wire format (test/fixtures/cxp/, see its README.md).
 *
 * Every vector is checked four ways: decodeMessage on the JSON bytes, decodeMessage on a MessagePack
 * copy, and the generated JSON Schemas (docs/schemas/cxp/) through ajv, both the any-message schema
 * and the per-type one. Every invalid vector must also get an error reply that is itself a valid
 * CONTEXT_ACK. Where this repository currently disagrees with the contract, the vector is listed in
 * known-divergences.json and the check asserts the divergent behaviour instead, so a fix shows up
 * as a failure that asks for the entry to be removed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/cxp/clock.js';
import { isPlainObject } from '../src/cxp/data-model.js';
import { IdGenerator, ID_PATTERN, idTime } from '../src/cxp/ids.js';
import { decodeMessage, encodeMessage, MessageFactory, type DecodeResult } from '../src/cxp/message.js';
import { MESSAGE_TYPES, type MessageType, type Source } from '../src/cxp/schema/index.js';
import { formatTimestamp } from '../src/cxp/time.js';
import {
  CHECKS,
  directories,
  EXPECTED_CODES,
  files,
  invalidVectors,
  isMessageType,
  MIN_INVALID_PER_TYPE,
  MIN_VALID_PER_TYPE,
  PROTOCOL,
  readJson,
  SCHEMAS,
  stringRecord,
  validVectors,
  vectors,
  VECTOR_FILE,
  expectedByPath,
  divergencesByPath,
  FIXTURES,
  type Vector,
} from './helpers/golden-vectors.js';

// ---------------------------------------------------------------------------------------------
// JSON Schema (ajv, draft-07, strict) over the generated schema files

const ajvWarnings: string[] = [];
const record = (...args: unknown[]): void => {
  ajvWarnings.push(args.map(String).join(' '));
};
const ajv = new Ajv({ strict: true, allErrors: true, logger: { log: record, warn: record, error: record } });
addFormats.default(ajv, ['date-time']);
const schemaFiles = readdirSync(SCHEMAS)
  .filter((f) => f.endsWith('.schema.json'))
  .sort();
for (const file of schemaFiles) ajv.addSchema(readJson(join(SCHEMAS, file)) as object);

function schemaValidator(file: string): ValidateFunction {
  const validate = ajv.getSchema(`cxp/${file}`);
  if (!validate) throw new Error(`docs/schemas/cxp/${file} is not loaded`);
  return validate;
}
const messageSchema = (): ValidateFunction => schemaValidator('message.schema.json');
const typeSchema = (type: MessageType): ValidateFunction => schemaValidator(`${type}.schema.json`);

function schemaRecord(file: string): { properties: string[]; required: string[] } {
  const schema = stringRecord(readJson(join(SCHEMAS, file)), file);
  const properties = isPlainObject(schema.properties) ? Object.keys(schema.properties) : [];
  const required = Array.isArray(schema.required) ? schema.required.filter((r) => typeof r === 'string') : [];
  return { properties, required };
}

function ajvErrors(validate: ValidateFunction): string {
  return ajv.errorsText(validate.errors, { dataVar: 'message' });
}

// ---------------------------------------------------------------------------------------------
// Helpers

const packr = new Packr({ useRecords: false });
const START = Date.UTC(2026, 2, 14, 9, 0, 0, 123);
const clock = new ManualClock(START);
const ids = new IdGenerator(clock);
const GATEWAY: Source = { id: 'edge-gw-hall2', kind: 'gateway' };
const factory = new MessageFactory({ clock, ids, source: GATEWAY });

function decodeJson(v: Vector): DecodeResult {
  return decodeMessage(v.bytes);
}

function decodeMsgpack(v: Vector): DecodeResult {
  return decodeMessage(packr.pack(v.doc), { encoding: 'msgpack' });
}

function describeResult(r: DecodeResult): string {
  return r.ok ? 'accepted' : `${r.error.code}: ${r.error.message.slice(0, 300)}`;
}

/** The id an error reply should correlate to: what readHeader can read of the vector. */
function readableId(doc: unknown): string | undefined {
  if (!isPlainObject(doc)) return undefined;
  const id = doc.id;
  const wellFormed = typeof id === 'string' && new TextDecoder().decode(new TextEncoder().encode(id)) === id;
  return wellFormed && id.length > 0 && id.length <= 128 ? id : undefined;
}

function docType(doc: unknown): MessageType | undefined {
  return isPlainObject(doc) && isMessageType(doc.type) ? doc.type : undefined;
}

function withoutIdTsSource(message: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(message).filter(([k]) => k !== 'id' && k !== 'ts' && k !== 'source'),
  );
}

function expectDecoded(v: Vector, r: DecodeResult, check: 'json' | 'msgpack'): void {
  const divergence = v.divergent[check];
  if (v.valid) {
    if (divergence !== undefined) {
      expect(r.ok, `known divergence (${divergence}); if fixed, remove it from known-divergences.json`).toBe(
        false,
      );
      return;
    }
    expect(describeResult(r)).toBe('accepted');
    if (r.ok) expect(r.message).toStrictEqual(v.doc);
    return;
  }
  if (divergence !== undefined) {
    expect(r.ok, `known divergence (${divergence}); if fixed, remove it from known-divergences.json`).toBe(
      true,
    );
    return;
  }
  expect(r.ok ? 'accepted' : r.error.code, describeResult(r)).toBe(v.code);
}

// ---------------------------------------------------------------------------------------------
// The fixture set itself

describe('golden vector set', () => {
  it('has no empty directory and only known files', () => {
    for (const dir of directories) {
      expect(readdirSync(join(FIXTURES, dir)).length, `test/fixtures/cxp/${dir} is empty`).toBeGreaterThan(0);
    }
    const others = files.filter((f) => !VECTOR_FILE.test(f));
    expect(others.sort()).toEqual(['README.md', 'invalid/expected.json', 'known-divergences.json']);
  });

  it('has valid and invalid vectors for each of the nine types, and protocol-level invalid vectors', () => {
    for (const type of MESSAGE_TYPES) {
      const valid = validVectors.filter((v) => v.group === type).length;
      const invalid = invalidVectors.filter((v) => v.group === type).length;
      expect(valid, `valid/${type}`).toBeGreaterThanOrEqual(MIN_VALID_PER_TYPE);
      expect(invalid, `invalid/${type}`).toBeGreaterThanOrEqual(MIN_INVALID_PER_TYPE);
    }
    expect(invalidVectors.filter((v) => v.group === PROTOCOL).length).toBeGreaterThan(0);
    const groups = new Set(vectors.map((v) => v.group));
    expect([...groups].filter((g) => g !== PROTOCOL && !isMessageType(g))).toEqual([]);
    expect(validVectors.filter((v) => v.group === PROTOCOL)).toEqual([]);
  });

  it('files every typed vector under the directory of its type', () => {
    for (const v of vectors.filter((x) => x.group !== PROTOCOL)) {
      expect(docType(v.doc), v.rel).toBe(v.group);
    }
  });

  it('has an expected code for every invalid vector and no entry without a vector', () => {
    for (const v of invalidVectors) {
      const code = expectedByPath[v.rel.slice('invalid/'.length)];
      expect(code, `invalid/expected.json has no entry for ${v.rel}`).toBeDefined();
      expect(EXPECTED_CODES, `${v.rel}: ${String(code)}`).toContain(code);
    }
    const known = new Set(invalidVectors.map((v) => v.rel.slice('invalid/'.length)));
    expect(Object.keys(expectedByPath).filter((p) => !known.has(p))).toEqual([]);
  });

  it('lists known divergences only for existing vectors and known checks', () => {
    const paths = new Set(vectors.map((v) => v.rel));
    for (const [path, checks] of Object.entries(divergencesByPath)) {
      expect(paths.has(path), `known-divergences.json: no vector ${path}`).toBe(true);
      expect(isPlainObject(checks), path).toBe(true);
      for (const [check, reason] of Object.entries(stringRecord(checks, path))) {
        expect(CHECKS, `${path}: unknown check ${check}`).toContain(check);
        expect(typeof reason, `${path}: ${check}`).toBe('string');
      }
    }
  });

  it('has, for each type, a minimal vector and one with every envelope field plus an unknown field', () => {
    const envelope = schemaRecord('Envelope.schema.json').properties.filter(
      (k) => k !== 'cxp_version' && k !== 'type',
    );
    expect(envelope.length).toBe(10);
    for (const type of MESSAGE_TYPES) {
      const { properties, required } = schemaRecord(`${type}.schema.json`);
      const docs = validVectors.filter((v) => v.group === type).map((v) => stringRecord(v.doc, v.rel));
      const minimal = docs.some((d) => Object.keys(d).sort().join() === [...required].sort().join());
      expect(minimal, `${type}: no vector with only the required fields ${required.join(', ')}`).toBe(true);
      const complete = docs.some(
        (d) => envelope.every((k) => k in d) && Object.keys(d).some((k) => !properties.includes(k)),
      );
      expect(complete, `${type}: no vector with every envelope field and an unknown field`).toBe(true);
    }
  });

  it('includes the three public-docs examples verbatim', () => {
    const text = (rel: string): string => readFileSync(join(FIXTURES, rel), 'utf8').trim();
    expect(JSON.parse(text('valid/CONTEXT_PREVIEW/public-docs-example.json'))).toStrictEqual({
      cxp_version: '1.0',
      mode: 'SPARSE',
      type: 'CONTEXT_PREVIEW',
      task_id: 'deal_102',
      summary: '3-unit rental, underwritten last week',
      context_refs: ['mem_332', 'doc_882'],
      policy: { retention_ttl: '2h' },
    });
    expect(text('valid/CONTEXT_REQUEST/public-docs-example.json')).toBe(
      '{ "cxp_version": "1.0", "type": "CONTEXT_REQUEST", "request": ["mem_332"], "depth": "detailed" }',
    );
    expect(text('valid/CONTEXT_EXPAND/public-docs-example.json')).toBe(
      '{ "cxp_version": "1.0", "type": "CONTEXT_EXPAND", "payload": { "mem_332": { "summary": "..." } } }',
    );
  });
});

describe('generated JSON Schemas', () => {
  it('compile under ajv strict mode without warnings', () => {
    expect(schemaFiles).toContain('message.schema.json');
    expect(schemaFiles).toContain('Envelope.schema.json');
    for (const file of schemaFiles) expect(typeof schemaValidator(file), file).toBe('function');
    for (const type of MESSAGE_TYPES) expect(schemaFiles).toContain(`${type}.schema.json`);
    expect(ajvWarnings).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Every vector

describe.each(validVectors.map((v) => [v.rel, v] as const))('%s', (_rel, v) => {
  it('decodes from JSON bytes to the same value', () => {
    expectDecoded(v, decodeJson(v), 'json');
  });

  it('decodes from MessagePack to the same value', () => {
    expectDecoded(v, decodeMsgpack(v), 'msgpack');
  });

  it('passes the generated JSON Schemas', () => {
    const type = docType(v.doc);
    expect(type).toBeDefined();
    const any = messageSchema();
    const one = typeSchema(type!);
    if (v.divergent.ajv !== undefined) {
      expect(any(v.doc) && one(v.doc), `known divergence (${v.divergent.ajv})`).toBe(false);
      return;
    }
    expect(any(v.doc), ajvErrors(any)).toBe(true);
    expect(one(v.doc), ajvErrors(one)).toBe(true);
  });

  // Skipped only for a valid vector that cxp-edge rejects by design (a `json` entry in
  // known-divergences.json): a rejected message has no envelope to fill.
  it.skipIf(v.divergent.json !== undefined)('gets missing id, ts and source filled on receipt', () => {
    const doc = stringRecord(v.doc, v.rel);
    const source: Source = { id: 'mqtt:line-planner', kind: 'agent' };
    const r = decodeMessage(v.bytes, { fill: { clock, ids, source } });
    expect(describeResult(r)).toBe('accepted');
    if (!r.ok) return;
    const m = r.message;
    if (typeof doc.id === 'string') expect(m.id).toBe(doc.id);
    else {
      expect(m.id).toMatch(new RegExp(ID_PATTERN));
      expect(idTime(m.id ?? '')).toBe(clock.now());
    }
    expect(m.ts).toBe(typeof doc.ts === 'string' ? doc.ts : formatTimestamp(clock.now()));
    expect(m.source).toStrictEqual(doc.source ?? source);
    expect(withoutIdTsSource(m)).toStrictEqual(withoutIdTsSource(doc));
    expect(messageSchema()(m), ajvErrors(messageSchema())).toBe(true);
  });
});

describe.each(invalidVectors.map((v) => [v.rel, v] as const))('%s', (_rel, v) => {
  it(`is rejected from JSON bytes with ${String(v.code)}`, () => {
    expectDecoded(v, decodeJson(v), 'json');
  });

  it(`is rejected from MessagePack with ${String(v.code)}`, () => {
    expectDecoded(v, decodeMsgpack(v), 'msgpack');
  });

  it('fails the generated JSON Schemas', () => {
    const any = messageSchema();
    const type = docType(v.doc);
    const validators = type === undefined ? MESSAGE_TYPES.map(typeSchema) : [typeSchema(type)];
    if (v.divergent.ajv !== undefined) {
      const accepted = any(v.doc) && validators.every((validate) => validate(v.doc));
      expect(accepted, `known divergence (${v.divergent.ajv}); if fixed, remove it`).toBe(true);
      return;
    }
    expect(any(v.doc), 'message.schema.json accepts it').toBe(false);
    for (const validate of validators) expect(validate(v.doc), 'the per-type schema accepts it').toBe(false);
  });

  it('gets an error reply that is a valid CONTEXT_ACK', () => {
    if (v.divergent.reply !== undefined) {
      expect(() => {
        checkErrorReply(v);
      }, `known divergence (${v.divergent.reply}); if fixed, remove it`).toThrow();
      return;
    }
    checkErrorReply(v);
  });
});

/** Decodes the vector, builds the error reply and checks it; throws on the first failed expectation. */
function checkErrorReply(v: Vector): void {
  const r = decodeJson(v);
  expect(r.ok, 'decodeMessage accepted the vector').toBe(false);
  if (r.ok) return;
  const reply = factory.errorReply(r.error, r.header);
  expect(reply.type).toBe('CONTEXT_ACK');
  expect(reply.status).toBe('rejected');
  expect(reply.error?.code).toBe(v.code);
  expect(reply.source).toStrictEqual(GATEWAY);
  const id = readableId(v.doc);
  expect(reply.correlation_id, 'correlation_id').toBe(id);
  expect(reply.ack).toBe(id ?? '*');

  const ack = typeSchema('CONTEXT_ACK');
  expect(ack(reply), ajvErrors(ack)).toBe(true);
  expect(messageSchema()(reply), ajvErrors(messageSchema())).toBe(true);
  for (const encoding of ['json', 'msgpack'] as const) {
    const back = decodeMessage(encodeMessage(reply, encoding), { encoding });
    expect(describeResult(back), encoding).toBe('accepted');
    if (back.ok) expect(back.message).toStrictEqual(reply);
  }
}

// ---------------------------------------------------------------------------------------------
// The public examples on the receipt path

describe('public-docs examples on the receipt path', () => {
  const examples = vectors.filter((v) => v.rel.endsWith('/public-docs-example.json'));

  it('are the three examples', () => {
    expect(examples.map((v) => v.group).sort()).toEqual([
      'CONTEXT_EXPAND',
      'CONTEXT_PREVIEW',
      'CONTEXT_REQUEST',
    ]);
  });

  it.each(examples.map((v) => [v.rel, v] as const))(
    '%s gets id, ts and source from the clock and ids',
    (_rel, v) => {
      const exampleClock = new ManualClock(Date.UTC(2026, 2, 14, 10, 30, 0, 5));
      const exampleIds = new IdGenerator(exampleClock, (n) => new Uint8Array(n).fill(7));
      const doc = stringRecord(v.doc, v.rel);
      expect(doc.id).toBeUndefined();
      expect(doc.ts).toBeUndefined();
      expect(doc.source).toBeUndefined();

      const anonymous = decodeMessage(v.bytes, { fill: { clock: exampleClock, ids: exampleIds } });
      expect(describeResult(anonymous)).toBe('accepted');
      if (!anonymous.ok) return;
      expect(anonymous.message.id).toMatch(new RegExp(ID_PATTERN));
      expect(idTime(anonymous.message.id ?? '')).toBe(exampleClock.now());
      expect(anonymous.message.ts).toBe('2026-03-14T10:30:00.005Z');
      expect(anonymous.message.source).toStrictEqual({ id: 'anonymous', kind: 'unknown' });

      exampleClock.advance(1);
      const principal: Source = { id: 'mqtt:deal-desk', kind: 'agent' };
      const named = decodeMessage(packr.pack(v.doc), {
        encoding: 'msgpack',
        fill: { clock: exampleClock, ids: exampleIds, source: principal },
      });
      expect(describeResult(named)).toBe('accepted');
      if (!named.ok) return;
      expect(named.message.ts).toBe('2026-03-14T10:30:00.006Z');
      expect(named.message.source).toStrictEqual(principal);
      expect(named.message.id! > anonymous.message.id!).toBe(true);

      for (const filled of [anonymous.message, named.message]) {
        expect(messageSchema()(filled), ajvErrors(messageSchema())).toBe(true);
        const again = decodeMessage(encodeMessage(filled));
        expect(again.ok && again.message).toStrictEqual(filled);
      }
    },
  );
});
