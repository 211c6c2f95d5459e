import { Type, type Static } from '@sinclair/typebox';
import { literalUnion } from '../../src/cxp/schema/common.js';
import { DURATION_PATTERN } from '../../src/cxp/time.js';

/** The `decode:` section of a serial port's config: how a frame becomes named values, then signals. */

const closed = { additionalProperties: false } as const;
const FieldName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' });

export const RegexParse = Type.Object(
  {
    type: Type.Literal('regex'),
    pattern: Type.String({
      minLength: 1,
      maxLength: 1024,
      description:
        'JavaScript regular expression with named groups (?<name>...). Nested unbounded quantifiers such as (a+)+ are refused.',
    }),
    flags: Type.String({ pattern: '^[imsu]{0,4}$', default: '', description: 'Any of i, m, s, u.' }),
    max_input: Type.Integer({
      minimum: 1,
      maximum: 65_536,
      default: 1024,
      description: 'Longer frames are refused before the regex runs.',
    }),
  },
  closed,
);
export type RegexParse = Static<typeof RegexParse>;

export const CsvParse = Type.Object(
  {
    type: Type.Literal('csv'),
    delimiter: Type.String({ minLength: 1, maxLength: 1, default: ',' }),
    quote: Type.String({ minLength: 1, maxLength: 1, default: '"', description: 'Doubled inside a field.' }),
    fields: Type.Array(Type.Union([FieldName, Type.Literal('')]), {
      minItems: 1,
      maxItems: 256,
      description: 'Names of the columns in order; "" skips a column.',
    }),
  },
  closed,
);
export type CsvParse = Static<typeof CsvParse>;

export const JsonParse = Type.Object(
  {
    type: Type.Literal('json'),
    root: Type.Optional(
      Type.String({ minLength: 1, maxLength: 256, description: 'Dotted path of the record in each line.' }),
    ),
  },
  closed,
);
export type JsonParse = Static<typeof JsonParse>;

export const KvParse = Type.Object(
  {
    type: Type.Literal('kv'),
    pair_separator: Type.String({
      minLength: 1,
      maxLength: 8,
      default: ',',
      description: 'Between pairs; " " splits on any run of blanks.',
    }),
    separator: Type.String({
      minLength: 1,
      maxLength: 8,
      default: '=',
      description: 'Between key and value.',
    }),
  },
  closed,
);
export type KvParse = Static<typeof KvParse>;

export const ParseRule = Type.Union([RegexParse, CsvParse, JsonParse, KvParse]);
export type ParseRule = Static<typeof ParseRule>;

export const SignalRule = Type.Object(
  {
    ref: Type.String({
      minLength: 3,
      maxLength: 512,
      description:
        'Context ref template: {port} and other port variables, {name} the field name, {<field>} a decoded value (one segment).',
    }),
    field: Type.String({
      minLength: 1,
      maxLength: 256,
      description: 'Named value of the record (a dotted path for json).',
    }),
    as: literalUnion(['auto', 'number', 'string'] as const, {
      default: 'auto',
      description: 'auto: numeric text becomes a number.',
    }),
    unit: Type.Optional(
      Type.String({ minLength: 1, maxLength: 32, description: 'Stored as {value, unit}.' }),
    ),
    scale: Type.Optional(Type.Number({ description: 'value * scale + offset (numbers only).' })),
    offset: Type.Optional(Type.Number()),
    confidence: Type.Number({ minimum: 0, maximum: 1, default: 1 }),
    retention: Type.Optional(
      Type.String({ pattern: DURATION_PATTERN, description: 'Retention TTL of the contribution.' }),
    ),
    optional: Type.Boolean({
      default: false,
      description: 'A frame without the field skips this signal instead of failing.',
    }),
  },
  closed,
);
export type SignalRule = Static<typeof SignalRule>;

export const DecodeConfig = Type.Object(
  {
    encoding: literalUnion(['utf8', 'latin1'] as const, {
      default: 'utf8',
      description: 'Text encoding of frames; invalid UTF-8 is a malformed frame.',
    }),
    trim: Type.Boolean({ default: true, description: 'Trim blanks around the frame text and each value.' }),
    parse: ParseRule,
    signals: Type.Array(SignalRule, { minItems: 1, maxItems: 256 }),
  },
  closed,
);
export type DecodeConfig = Static<typeof DecodeConfig>;
