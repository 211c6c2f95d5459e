import type { TSchema } from '@sinclair/typebox';
import { ERROR_CODES, type ErrorCategory } from './error-codes.js';
import { Envelope, MESSAGE_SCHEMAS, MESSAGE_TYPES } from './schema/index.js';

/**
 * Published artefacts generated from the code: JSON Schemas (draft-07) of the wire format and
 * docs/errors.md. Pure; src/runtime/tools/generate-docs.ts writes them and CI checks they are fresh.
 */

export const SCHEMA_DIALECT = 'http://json-schema.org/draft-07/schema#';

/** A TypeBox schema as plain JSON (TypeBox's symbol keys dropped). */
export function toJsonSchema(schema: TSchema, id: string): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
  return { $schema: SCHEMA_DIALECT, $id: id, ...plain };
}

/** File name (relative to docs/schemas/) to schema. */
export function exportMessageSchemas(): Map<string, Record<string, unknown>> {
  const files = new Map<string, Record<string, unknown>>();
  files.set('cxp/Envelope.schema.json', toJsonSchema(Envelope, 'cxp/Envelope.schema.json'));
  for (const type of MESSAGE_TYPES) {
    const name = `cxp/${type}.schema.json`;
    files.set(name, toJsonSchema(MESSAGE_SCHEMAS[type], name));
  }
  files.set('cxp/message.schema.json', {
    $schema: SCHEMA_DIALECT,
    $id: 'cxp/message.schema.json',
    title: 'CxpMessage',
    description: 'Any CXP v1 message: exactly one of the nine types, chosen by `type`.',
    oneOf: MESSAGE_TYPES.map((t) => ({ $ref: `${t}.schema.json` })),
  });
  return files;
}

export function exportSchemaSet(
  prefix: string,
  schemas: Readonly<Record<string, TSchema>>,
): Map<string, Record<string, unknown>> {
  const files = new Map<string, Record<string, unknown>>();
  for (const [name, schema] of Object.entries(schemas)) {
    const file = `${prefix}/${name}.schema.json`;
    files.set(file, toJsonSchema(schema, file));
  }
  return files;
}

const CATEGORY_TITLES: Record<ErrorCategory, string> = {
  protocol: 'Protocol (decoding and envelope)',
  context: 'Context store and sparse flow',
  action: 'Intents and actions',
  capability: 'Capability exchange',
  device: 'Devices (printers and field devices)',
  safety: 'Safety',
  internal: 'Internal',
};

/** docs/errors.md, generated from the code registry. */
export function renderErrorsDoc(): string {
  const lines = [
    '# Error codes',
    '',
    '<!-- Generated from src/cxp/error-codes.ts by `npm run gen`; do not edit by hand. -->',
    '',
    'Every error the gateway reports has the CxpError shape `{code, message, retryable, details}`.',
    'Callers branch on `code`; `message` is for people and may change. Codes are never reused.',
    '`retryable` is the default for the code; a producer may override it for one occurrence',
    '(for example a device fault that cannot clear by itself).',
    '',
  ];
  for (const [category, title] of Object.entries(CATEGORY_TITLES)) {
    const entries = Object.entries(ERROR_CODES).filter(([, info]) => info.category === category);
    if (entries.length === 0) continue;
    lines.push(`## ${title}`, '', '| code | retryable | meaning |', '| --- | --- | --- |');
    for (const [code, info] of entries) {
      const note = info.deprecated === true ? ' (deprecated)' : '';
      lines.push(
        `| \`${code}\`${note} | ${info.retryable ? 'yes' : 'no'} | ${info.description.replace(/\|/g, '\\|')} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}
