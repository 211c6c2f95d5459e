/**
 * Loads the golden vectors of test/fixtures/cxp with their expectations and the known divergences.
 * Test helper only.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isPlainObject } from '../../src/cxp/data-model.js';
import { MESSAGE_TYPES, type MessageType } from '../../src/cxp/schema/index.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'cxp');
export const SCHEMAS = join(ROOT, 'docs', 'schemas', 'cxp');

export const PROTOCOL = 'protocol';
export const EXPECTED_CODES = ['MALFORMED_MESSAGE', 'UNSUPPORTED_VERSION', 'UNKNOWN_MESSAGE_TYPE'] as const;
export type ExpectedCode = (typeof EXPECTED_CODES)[number];
export const CHECKS = ['json', 'msgpack', 'ajv', 'reply'] as const;
export type Check = (typeof CHECKS)[number];
export const MIN_VALID_PER_TYPE = 2;
export const MIN_INVALID_PER_TYPE = 4;

// ---------------------------------------------------------------------------------------------
// Loading the fixtures

export interface Vector {
  /** Path relative to test/fixtures/cxp, with "/" separators: valid/CONTEXT_ACK/minimal.json. */
  rel: string;
  valid: boolean;
  /** The message type directory, or "protocol". */
  group: string;
  bytes: Uint8Array;
  doc: unknown;
  /** The expected error code (invalid vectors only). */
  code?: ExpectedCode;
  /** Checks where this repository is known to disagree with the vector's expectation. */
  divergent: Partial<Record<Check, string>>;
}

const posix = (p: string): string => p.split(sep).join('/');

export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8')) as unknown;
}

export function isMessageType(value: unknown): value is MessageType {
  return typeof value === 'string' && (MESSAGE_TYPES as readonly string[]).includes(value);
}

export function isExpectedCode(value: unknown): value is ExpectedCode {
  return typeof value === 'string' && (EXPECTED_CODES as readonly string[]).includes(value);
}

export function stringRecord(value: unknown, what: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw new Error(`${what} must be a JSON object`);
  return value;
}

/** Every entry under test/fixtures/cxp, found with readdirSync's recursive listing. */
export const entries = readdirSync(FIXTURES, { recursive: true, encoding: 'utf8' }).map(posix).sort();
export const directories = entries.filter((e) => statSync(join(FIXTURES, e)).isDirectory());
export const files = entries.filter((e) => !directories.includes(e));

export const expectedByPath = stringRecord(
  readJson(join(FIXTURES, 'invalid', 'expected.json')),
  'invalid/expected.json',
);
export const divergencesByPath = stringRecord(
  readJson(join(FIXTURES, 'known-divergences.json')),
  'known-divergences.json',
);

export const VECTOR_FILE = /^(valid|invalid)\/([^/]+)\/[^/]+\.json$/;
export const vectors: Vector[] = files.flatMap((rel): Vector[] => {
  const m = VECTOR_FILE.exec(rel);
  if (!m) return [];
  const [, kind = '', group = ''] = m;
  const bytes = new Uint8Array(readFileSync(join(FIXTURES, rel)));
  const divergent: Partial<Record<Check, string>> = {};
  const listed = divergencesByPath[rel];
  if (isPlainObject(listed)) {
    for (const [check, reason] of Object.entries(listed)) {
      if ((CHECKS as readonly string[]).includes(check) && typeof reason === 'string') {
        divergent[check as Check] = reason;
      }
    }
  }
  const vector: Vector = {
    rel,
    valid: kind === 'valid',
    group,
    bytes,
    doc: JSON.parse(new TextDecoder().decode(bytes)) as unknown,
    divergent,
  };
  const code = expectedByPath[rel.slice('invalid/'.length)];
  if (!vector.valid && isExpectedCode(code)) vector.code = code;
  return [vector];
});
export const validVectors = vectors.filter((v) => v.valid);
export const invalidVectors = vectors.filter((v) => !v.valid);
