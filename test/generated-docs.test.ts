import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generatedDocs } from '../src/runtime/tools/generated-docs.js';
import { ERROR_CODES } from '../src/cxp/error-codes.js';

const root = join(import.meta.dirname, '..');

describe('generated documentation', () => {
  const files = generatedDocs();

  it('covers every message type, capability type and error code', () => {
    expect([...files.keys()].filter((f) => f.startsWith('docs/schemas/cxp/'))).toHaveLength(11);
    expect(
      [...files.keys()].filter((f) => f.startsWith('docs/schemas/capability/')).length,
    ).toBeGreaterThanOrEqual(15);
    const errors = files.get('docs/errors.md') ?? '';
    for (const code of Object.keys(ERROR_CODES)) expect(errors).toContain(`\`${code}\``);
  });

  it.each([...generatedDocs().keys()])('%s on disk is up to date (run `npm run gen`)', (file) => {
    expect(readFileSync(join(root, file), 'utf8')).toBe(files.get(file));
  });
});

describe('config/schema.json (for editors)', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  (addFormatsModule as unknown as (a: Ajv) => Ajv)(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(join(root, 'config/schema.json'), 'utf8')) as object);
  const withBridge = (bridge: Record<string, unknown>) => ({
    ...(parse(readFileSync(join(root, 'config/default.yaml'), 'utf8')) as object),
    bridges: [bridge],
  });

  it('accepts the shipped default config and a full MQTT bridge entry', () => {
    expect(
      validate(parse(readFileSync(join(root, 'config/default.yaml'), 'utf8'))),
      ajv.errorsText(validate.errors),
    ).toBe(true);
    const bridge = {
      kind: 'mqtt',
      id: 'field',
      queue: { capacity: 100, policy: 'block' },
      ingest: [{ filter: 'plant/+/temp', ref: 'world/{1}/temp', field: 'v', unit: 'degC' }],
      export: [{ ref: 'world/a/temp', topic: 'out/a', qos: 1 }],
    };
    expect(validate(withBridge(bridge)), ajv.errorsText(validate.errors)).toBe(true);
  });

  it('checks a bridge entry against its kind: unknown keys and bad values are refused', () => {
    expect(validate(withBridge({ kind: 'mqtt', id: 'f', queue: { policy: 'drop-everything' } }))).toBe(false);
    expect(validate(withBridge({ kind: 'mqtt', id: 'f', ingest: [], colour: 'red' }))).toBe(false);
    expect(validate(withBridge({ kind: 'no-such-kind', id: 'f' }))).toBe(false);
  });
});
