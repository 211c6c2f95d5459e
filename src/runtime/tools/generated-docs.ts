import { CAPABILITY_SCHEMAS } from '../../capability/schema.js';
import {
  exportMessageSchemas,
  exportSchemaSet,
  renderErrorsDoc,
  toJsonSchema,
} from '../../cxp/schema-export.js';
import { ConfigSchema } from '../config/load.js';

/** Every generated file: repository-relative path to exact content. */
export function generatedDocs(): Map<string, string> {
  const out = new Map<string, string>();
  const schemas = [...exportMessageSchemas(), ...exportSchemaSet('capability', CAPABILITY_SCHEMAS)];
  for (const [name, schema] of schemas) {
    out.set(`docs/schemas/${name}`, `${JSON.stringify(schema, null, 2)}\n`);
  }
  out.set('docs/errors.md', renderErrorsDoc());
  out.set(
    'config/schema.json',
    `${JSON.stringify(toJsonSchema(ConfigSchema, 'cxp-edge/config.schema.json'), null, 2)}\n`,
  );
  return out;
}
