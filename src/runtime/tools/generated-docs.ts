import { exportMessageSchemas, renderErrorsDoc } from '../../cxp/schema-export.js';

/** Every generated file: repository-relative path to exact content. */
export function generatedDocs(): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, schema] of exportMessageSchemas()) {
    out.set(`docs/schemas/${name}`, `${JSON.stringify(schema, null, 2)}\n`);
  }
  out.set('docs/errors.md', renderErrorsDoc());
  return out;
}
