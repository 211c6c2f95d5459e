import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

/**
 * An independent validator: ajv loaded with the generated JSON Schemas of docs/schemas/, the files
 * other-language peers use. Test helper only.
 */

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
export const SCHEMA_DIR = join(import.meta.dirname, '..', '..', 'docs', 'schemas');

function schemaFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? schemaFiles(join(dir, e.name))
      : e.name.endsWith('.schema.json')
        ? [join(dir, e.name)]
        : [],
  );
}

let cached: Ajv | undefined;

export function schemaAjv(): Ajv {
  if (cached) return cached;
  const ajv = new Ajv({ allErrors: true, strict: true });
  addFormats(ajv);
  for (const file of schemaFiles(SCHEMA_DIR)) ajv.addSchema(JSON.parse(readFileSync(file, 'utf8')) as object);
  cached = ajv;
  return ajv;
}

export function validatorFor(id: string): ValidateFunction {
  const v = schemaAjv().getSchema(id);
  if (!v) throw new Error(`no schema ${id} in ${SCHEMA_DIR}`);
  return v;
}
