import { CAPABILITY_SCHEMAS } from '../../capability/schema.js';
import {
  exportMessageSchemas,
  exportSchemaSet,
  renderErrorsDoc,
  toJsonSchema,
} from '../../cxp/schema-export.js';
import { ConfigSchema } from '../config/load.js';
import { createPluginRegistry } from '../registry.js';

/** Every generated file: repository-relative path to exact content. */
export function generatedDocs(): Map<string, string> {
  const out = new Map<string, string>();
  const schemas = [...exportMessageSchemas(), ...exportSchemaSet('capability', CAPABILITY_SCHEMAS)];
  for (const [name, schema] of schemas) {
    out.set(`docs/schemas/${name}`, `${JSON.stringify(schema, null, 2)}\n`);
  }
  out.set('docs/errors.md', renderErrorsDoc());
  out.set('config/schema.json', `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  return out;
}

/**
 * The config schema for editors, with every plugin kind's own entry schema in `bridges` and
 * `devices` (an entry must match exactly one kind), so a bridge's keys are checked as the gateway does.
 */
function configJsonSchema(): Record<string, unknown> {
  const schema = toJsonSchema(ConfigSchema, 'cxp-edge/config.schema.json');
  const registry = createPluginRegistry();
  const entries = registry.kinds().map((kind) => {
    const plugin = registry.get(kind);
    return plugin ? (JSON.parse(JSON.stringify(plugin.configSchema)) as Record<string, unknown>) : {};
  });
  const properties = schema.properties as Record<string, Record<string, unknown>>;
  for (const list of ['bridges', 'devices']) {
    const prop = properties[list];
    if (prop && entries.length > 0) prop.items = { oneOf: entries };
  }
  optionalDefaults(schema);
  return schema;
}

/**
 * A key with a default may be left out of the file (the loader fills it in), so it is not
 * `required` in the schema editors see; TypeBox lists it as required because the loaded config has it.
 */
function optionalDefaults(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) optionalDefaults(item);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const record = node as Record<string, unknown>;
  const properties = record.properties as Record<string, Record<string, unknown>> | undefined;
  if (properties && Array.isArray(record.required)) {
    const required = (record.required as string[]).filter((key) => !('default' in (properties[key] ?? {})));
    if (required.length > 0) record.required = required;
    else delete record.required;
  }
  for (const value of Object.values(record)) optionalDefaults(value);
}
