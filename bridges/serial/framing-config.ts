import { Buffer } from 'node:buffer';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { fail, ok, type Result } from '../../src/cxp/errors.js';
import { literalUnion } from '../../src/cxp/schema/common.js';
import { MAX_FRAME_LIMIT, type Framer } from './frame-events.js';
import { fixedFramer, lineFramer, MAX_DELIMITER_BYTES } from './framing-delimited.js';
import { interByteTimeoutFramer, lengthPrefixedFramer } from './framing-binary.js';

/** The `framing:` section of a serial port's config, discriminated by `type`. */

const closed = { additionalProperties: false } as const;
const maxFrame = Type.Integer({
  minimum: 1,
  maximum: MAX_FRAME_LIMIT,
  default: 1024,
  description: 'Largest frame in bytes; longer ones are dropped and counted.',
});
const timeoutMs = Type.Optional(
  Type.Integer({
    minimum: 1,
    maximum: 3_600_000,
    description: 'A partial frame with no new byte for this long is dropped (FRAME_TIMEOUT).',
  }),
);

const LineFraming = Type.Object(
  {
    type: Type.Literal('line'),
    delimiter: Type.String({
      minLength: 1,
      maxLength: MAX_DELIMITER_BYTES,
      default: '\n',
      description: 'Text ending each frame (UTF-8), e.g. "\\r\\n", ";", "\\u0003".',
    }),
    delimiter_hex: Type.Optional(
      Type.String({
        pattern: '^(?:[0-9A-Fa-f]{2}){1,16}$',
        description: 'The delimiter as hex bytes instead (e.g. "0d0a"); overrides delimiter.',
      }),
    ),
    include_delimiter: Type.Boolean({ default: false }),
    strip_cr: Type.Boolean({ default: true, description: 'Drop one trailing \\r from each frame.' }),
    max_frame: maxFrame,
    timeout_ms: timeoutMs,
  },
  closed,
);

const FixedFraming = Type.Object(
  {
    type: Type.Literal('fixed'),
    length: Type.Integer({ minimum: 1, maximum: MAX_FRAME_LIMIT, description: 'Bytes per frame.' }),
    max_frame: maxFrame,
    timeout_ms: timeoutMs,
  },
  closed,
);

const LengthPrefixedFraming = Type.Object(
  {
    type: Type.Literal('length_prefixed'),
    length_bytes: Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(4)]),
    endian: literalUnion(['be', 'le'] as const, { default: 'be' }),
    offset: Type.Integer({
      minimum: 0,
      maximum: 64,
      default: 0,
      description: 'Header bytes before the length field.',
    }),
    length_includes_header: Type.Boolean({ default: false }),
    include_header: Type.Boolean({ default: false, description: 'Emit the header with the payload.' }),
    max_frame: maxFrame,
    timeout_ms: timeoutMs,
  },
  closed,
);

const GapFraming = Type.Object(
  {
    type: Type.Literal('gap'),
    gap_ms: Type.Integer({ minimum: 1, maximum: 60_000, description: 'Silence that ends a frame.' }),
    max_frame: maxFrame,
  },
  closed,
);

export const FramingConfig = Type.Union([LineFraming, FixedFraming, LengthPrefixedFraming, GapFraming], {
  description: 'How the byte stream of a port is cut into frames.',
});
export type FramingConfig = Static<typeof FramingConfig>;

/** Checks the schema cannot express; paths are relative to the framing section. */
export function checkFramingConfig(config: FramingConfig): { path: string; message: string }[] {
  switch (config.type) {
    case 'line':
      return Buffer.byteLength(config.delimiter, 'utf8') > MAX_DELIMITER_BYTES
        ? [{ path: '/delimiter', message: `a delimiter has at most ${MAX_DELIMITER_BYTES} bytes` }]
        : [];
    case 'fixed':
      return config.length > config.max_frame
        ? [{ path: '/length', message: `length ${config.length} exceeds max_frame ${config.max_frame}` }]
        : [];
    case 'length_prefixed':
      return config.offset + config.length_bytes > config.max_frame
        ? [{ path: '/offset', message: 'the header (offset + length_bytes) does not fit in max_frame' }]
        : [];
    case 'gap':
      return [];
  }
}

/** Fills defaults, validates (every problem in `details.problems`) and builds the framer. */
export function framerFromConfig(input: unknown): Result<Framer> {
  const value: unknown = Value.Default(FramingConfig, Value.Clone(input));
  if (!Value.Check(FramingConfig, value)) {
    const problems = [...Value.Errors(FramingConfig, value)]
      .slice(0, 16)
      .map((e) => ({ path: e.path || '/', message: e.message }));
    return fail('INVALID_CONFIG', 'invalid serial framing config', { details: { problems } });
  }
  const problems = checkFramingConfig(value);
  if (problems.length > 0)
    return fail(
      'INVALID_CONFIG',
      `invalid serial framing config: ${problems.map((p) => p.message).join('; ')}`,
      {
        details: { problems },
      },
    );
  return ok(build(value));
}

function build(config: FramingConfig): Framer {
  switch (config.type) {
    case 'line':
      return lineFramer({
        delimiter:
          config.delimiter_hex === undefined ? config.delimiter : Buffer.from(config.delimiter_hex, 'hex'),
        includeDelimiter: config.include_delimiter,
        stripCR: config.strip_cr,
        maxFrame: config.max_frame,
        timeoutMs: config.timeout_ms,
      });
    case 'fixed':
      return fixedFramer({ length: config.length, maxFrame: config.max_frame, timeoutMs: config.timeout_ms });
    case 'length_prefixed':
      return lengthPrefixedFramer({
        lengthBytes: config.length_bytes,
        endian: config.endian,
        offset: config.offset,
        lengthIncludesHeader: config.length_includes_header,
        includeHeader: config.include_header,
        maxFrame: config.max_frame,
        timeoutMs: config.timeout_ms,
      });
    case 'gap':
      return interByteTimeoutFramer({ gapMs: config.gap_ms, maxFrame: config.max_frame });
  }
}
