import fc from 'fast-check';

/**
 * Builds a fast-check arbitrary of values valid against a JSON Schema, for the subset the CXP
 * schemas use (object, array, string with const/pattern/format/length, number/integer ranges,
 * boolean, null, anyOf, records, and {} for any JSON). Test helper only.
 */

type Schema = Record<string, unknown>;

export interface ArbitraryOptions {
  /** How often an optional property is present (0..1). */
  optionalRate?: number;
  /** Unit for free strings and JSON values. */
  stringUnit?: 'grapheme' | 'grapheme-ascii' | 'binary';
}

const anyJson = (unit: ArbitraryOptions['stringUnit']) =>
  fc
    .jsonValue({ maxDepth: 3, stringUnit: unit ?? 'grapheme' })
    .filter((v) => !JSON.stringify(v).includes('"__proto__"'));

const dateTime = fc
  .date({ min: new Date(0), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true })
  .map((d) => d.toISOString());

export function arbitraryFor(schema: Schema, options: ArbitraryOptions = {}): fc.Arbitrary<unknown> {
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.anyOf))
    return fc.oneof(...(schema.anyOf as Schema[]).map((s) => arbitraryFor(s, options)));
  switch (schema.type) {
    case 'object':
      return objectArbitrary(schema, options);
    case 'array': {
      const minLength = (schema.minItems as number | undefined) ?? 0;
      const maxLength = Math.max(minLength, Math.min((schema.maxItems as number | undefined) ?? 4, 4));
      return fc.array(arbitraryFor(schema.items as Schema, options), { minLength, maxLength });
    }
    case 'string':
      return stringArbitrary(schema, options);
    case 'integer':
      return fc.integer({
        min: Math.max((schema.minimum as number | undefined) ?? -1e9, Number.MIN_SAFE_INTEGER),
        max: Math.min((schema.maximum as number | undefined) ?? 1e9, Number.MAX_SAFE_INTEGER),
      });
    case 'number':
      return fc.double({
        min: (schema.minimum as number | undefined) ?? -1e12,
        max: (schema.maximum as number | undefined) ?? 1e12,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return anyJson(options.stringUnit);
  }
}

function objectArbitrary(schema: Schema, options: ArbitraryOptions): fc.Arbitrary<unknown> {
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema.required ?? []) as string[]);
  if (Object.keys(props).length === 0 && schema.patternProperties !== undefined) {
    const valueSchema = Object.values(schema.patternProperties as Record<string, Schema>)[0] ?? {};
    return fc.dictionary(
      fc.string({ minLength: 1, maxLength: 12 }).filter((k) => k !== '__proto__'),
      arbitraryFor(valueSchema, options),
      { maxKeys: 3 },
    );
  }
  const rate = options.optionalRate ?? 0.5;
  const entries = Object.entries(props).map(([key, s]) => {
    const value = arbitraryFor(s, options);
    const arb = required.has(key)
      ? value.map((v) => [key, v] as const)
      : fc
          .option(value, { freq: Math.max(1, Math.round(1 / rate) - 1), nil: undefined })
          .map((v) => [key, v] as const);
    return arb;
  });
  return fc.tuple(...entries).map((pairs) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of pairs) if (v !== undefined) out[k] = v;
    return out;
  });
}

function stringArbitrary(schema: Schema, options: ArbitraryOptions): fc.Arbitrary<string> {
  const min = (schema.minLength as number | undefined) ?? 0;
  const max = (schema.maxLength as number | undefined) ?? 40;
  if (schema.format === 'date-time') return dateTime;
  if (typeof schema.pattern === 'string') {
    return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length >= min && s.length <= max);
  }
  return fc.string({
    minLength: min,
    maxLength: Math.min(max, min + 24),
    unit: options.stringUnit ?? 'grapheme',
  });
}
