import { FormatRegistry, type TObject } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { isPlainObject, isWellFormed, truncateText } from './data-model.js';
import { fail, ok, type Result } from './errors.js';
import {
  MESSAGE_SCHEMAS,
  MESSAGE_TYPES,
  SUPPORTED_MAJORS,
  type CxpMessage,
  type MessageType,
} from './schema/index.js';
import { isRfc3339 } from './time.js';

/** Runtime validation of decoded values against the CXP v1 message schemas. */

if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', isRfc3339);

export const MAX_REPORTED_ERRORS = 16;

export interface ValidationIssue {
  path: string;
  message: string;
}

/** A compiled checker for any TypeBox object schema, reporting issues as JSON-pointer paths. */
export class SchemaChecker<T extends TObject> {
  readonly #check: TypeCheck<T>;

  constructor(schema: T) {
    this.#check = TypeCompiler.Compile(schema);
  }

  check(value: unknown): value is T['static'] {
    return this.#check.Check(value);
  }

  issues(value: unknown, limit = MAX_REPORTED_ERRORS): ValidationIssue[] {
    const out: ValidationIssue[] = [];
    for (const e of this.#check.Errors(value)) {
      out.push({ path: truncateText(e.path || '/', 256), message: truncateText(e.message, 256) });
      if (out.length >= limit) break;
    }
    return out;
  }
}

const checkers = Object.fromEntries(
  MESSAGE_TYPES.map((t) => [t, new SchemaChecker(MESSAGE_SCHEMAS[t])]),
) as unknown as { [K in MessageType]: SchemaChecker<(typeof MESSAGE_SCHEMAS)[K]> };

const VERSION_SHAPE = /^([0-9]{1,4})\.([0-9]{1,4})$/;

export interface MessageHeader {
  id?: string;
  type?: string;
  /** The declared source id, when readable (routing a reply only; never used to authorize). */
  sourceId?: string;
}

/** What could be read of a message that failed validation, so an error reply can name it. */
export function readHeader(value: unknown): MessageHeader {
  if (!isPlainObject(value)) return {};
  const header: MessageHeader = {};
  if (isShortText(value.id, 128)) header.id = value.id;
  if (isShortText(value.type, 64)) header.type = value.type;
  const source = value.source;
  if (isPlainObject(source) && isShortText(source.id, 256)) header.sourceId = source.id;
  return header;
}

function isShortText(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= max && isWellFormed(value);
}

/** Checks version, type and the type's schema. The value must already be JSON data. */
export function validateMessage(value: unknown): Result<CxpMessage> {
  if (!isPlainObject(value)) {
    return malformed([{ path: '/', message: 'a CXP message is a JSON object or MessagePack map' }]);
  }
  const version = value.cxp_version;
  if (typeof version !== 'string') {
    return malformed([{ path: '/cxp_version', message: 'required string "<major>.<minor>"' }]);
  }
  const m = VERSION_SHAPE.exec(version);
  if (!m)
    return malformed([
      { path: '/cxp_version', message: `"${truncateText(version, 32)}" is not "<major>.<minor>"` },
    ]);
  const major = Number(m[1]);
  if (!(SUPPORTED_MAJORS as readonly number[]).includes(major)) {
    return fail('UNSUPPORTED_VERSION', `cxp_version ${version} is not supported; this gateway speaks 1.x`, {
      details: { received: version, supported: [...SUPPORTED_MAJORS] },
    });
  }
  const type = value.type;
  if (typeof type !== 'string') return malformed([{ path: '/type', message: 'required string' }]);
  if (!isMessageType(type)) {
    return fail('UNKNOWN_MESSAGE_TYPE', `unknown message type "${truncateText(type, 64)}"`, {
      details: { received: truncateText(type, 64), known: [...MESSAGE_TYPES] },
    });
  }
  const checker: SchemaChecker<TObject> = checkers[type];
  if (!checker.check(value)) return malformed(checker.issues(value), type);
  return ok(value as CxpMessage);
}

export function isMessageType(value: string): value is MessageType {
  return (MESSAGE_TYPES as readonly string[]).includes(value);
}

function malformed(errors: ValidationIssue[], type?: string): Result<never> {
  const first = errors[0];
  const where = type === undefined ? '' : `${type} `;
  const text = first === undefined ? 'invalid message' : `${where}${first.path}: ${first.message}`;
  return fail('MALFORMED_MESSAGE', text, { details: { errors } });
}
