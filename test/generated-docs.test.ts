import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
