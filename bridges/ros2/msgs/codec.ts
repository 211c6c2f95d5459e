import { MessageReader } from '@foxglove/rosmsg2-serialization';
import { fail, ok, toCxpError, type Result } from '../../../src/cxp/errors.js';
import { CdrByteWriter, CdrTooLargeError } from './cdr-writer.js';
import { writeMessage } from './encode.js';
import type { MessageRegistry } from './registry.js';
import { scanCdr } from './scan.js';
import { schemaOf, type Schema } from './schema.js';
import type { FieldIssue, RosMessage } from './types.js';
import { validateMessage, type ValidateOptions } from './validate.js';

/**
 * CDR encoding and decoding of ROS 2 messages by type name, as DDS carries them: the 4-byte
 * encapsulation header, then little-endian XCDR1. Pure (bytes and values in and out); every failure
 * is a coded Result, nothing throws past the API.
 *
 * Decoding scans the bytes against the definition first (scan.ts), then hands them to
 * @foxglove/rosmsg2-serialization's MessageReader. Encoding validates the value (validate.ts) and
 * writes it with the gateway's own writer (cdr-writer.ts), because MessageWriter both writes wrong
 * types as zero without a word and truncates non-ASCII strings.
 */

export interface RosCodecOptions {
  /** Largest CDR payload decoded or produced, header included (default 64 MiB). */
  maxBytes?: number;
  /**
   * Most array elements that decode to a JavaScript value each (messages, strings, booleans,
   * times) in one message (default 1,000,000), so a small payload cannot become a huge object graph.
   */
  maxElements?: number;
}

export type EncodeOptions = ValidateOptions;

export const DEFAULT_MAX_CDR_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_ELEMENTS = 1_000_000;

interface Compiled {
  schema: Schema;
  reader: MessageReader<RosMessage>;
}

export class RosCodec {
  readonly #registry: MessageRegistry;
  readonly #maxBytes: number;
  readonly #maxElements: number;
  readonly #compiled = new Map<string, Compiled>();

  constructor(registry: MessageRegistry, options: RosCodecOptions = {}) {
    this.#registry = registry;
    this.#maxBytes = options.maxBytes ?? DEFAULT_MAX_CDR_BYTES;
    this.#maxElements = options.maxElements ?? DEFAULT_MAX_ELEMENTS;
  }

  /** The schema of a type (cached with its reader); UNKNOWN_MESSAGE_TYPE or INVALID_PARAMS if none. */
  schema(type: string): Result<Schema> {
    const compiled = this.#compile(type);
    return compiled.ok ? ok(compiled.value.schema) : compiled;
  }

  #compile(type: string): Result<Compiled> {
    const cached = this.#compiled.get(type);
    if (cached) return ok(cached);
    const resolved = this.#registry.resolve(type);
    if (!resolved.ok) return resolved;
    const compiled: Compiled = {
      schema: schemaOf(resolved.value),
      reader: new MessageReader<RosMessage>(resolved.value.definitions),
    };
    // Bounded: only types the registry knows get here.
    this.#compiled.set(type, compiled);
    return ok(compiled);
  }

  /**
   * Decodes one sample. Typed arrays in the result may be views of `bytes` (no copy): do not reuse
   * the buffer while the value is in use.
   */
  decode(type: string, bytes: Uint8Array): Result<RosMessage> {
    const compiled = this.#compile(type);
    if (!compiled.ok) return compiled;
    const { schema, reader } = compiled.value;
    if (bytes.byteLength > this.#maxBytes) return tooLarge(bytes.byteLength, this.#maxBytes);
    try {
      const scanned = scanCdr(schema, bytes, { maxElements: this.#maxElements });
      if (!scanned.ok) return malformed(schema.type, [{ path: scanned.path, message: scanned.message }]);
      return ok(reader.readMessage(bytes));
    } catch (err) {
      // Not expected once the scan passed; kept so a bug cannot escape as an exception.
      return malformed(schema.type, [
        { path: '', message: err instanceof Error ? err.message : String(err) },
      ]);
    }
  }

  /** Checks a value against the type without encoding it (INVALID_PARAMS with every issue found). */
  validate(type: string, value: unknown, options: EncodeOptions = {}): Result<Schema> {
    const compiled = this.#compile(type);
    if (!compiled.ok) return compiled;
    const { schema } = compiled.value;
    const issues = validateMessage(schema, value, options);
    return issues.length === 0 ? ok(schema) : invalid(schema.type, issues);
  }

  /** Encodes a value: INVALID_PARAMS with the field paths when it does not match the type. */
  encode(type: string, value: unknown, options: EncodeOptions = {}): Result<Uint8Array> {
    const valid = this.validate(type, value, options);
    if (!valid.ok) return valid;
    const writer = new CdrByteWriter({ maxBytes: this.#maxBytes });
    try {
      writeMessage(valid.value, value, writer);
    } catch (err) {
      if (err instanceof CdrTooLargeError) return tooLarge(undefined, this.#maxBytes);
      return { ok: false, error: toCxpError(err) };
    }
    return ok(writer.finish());
  }
}

function malformed(rosType: string, errors: FieldIssue[]): Result<never> {
  const first = errors[0];
  const where = first && first.path !== '' ? ` at ${first.path}` : '';
  return fail('MALFORMED_MESSAGE', `not a valid ${rosType} in CDR${where}: ${first?.message ?? ''}`, {
    details: { ros_type: rosType, errors },
  });
}

function invalid(rosType: string, errors: FieldIssue[]): Result<never> {
  const first = errors[0];
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return fail(
    'INVALID_PARAMS',
    `value is not a ${rosType}: ${first?.path ?? ''} ${first?.message ?? ''}${more}`,
    {
      details: { ros_type: rosType, errors },
    },
  );
}

function tooLarge(size: number | undefined, limit: number): Result<never> {
  const what = size === undefined ? 'the encoded message' : `a message of ${size} bytes`;
  return fail('MESSAGE_TOO_LARGE', `${what} exceeds the limit of ${limit} bytes`, {
    details: size === undefined ? { limit } : { size, limit },
  });
}
