import { Packr } from 'msgpackr';
import { checkDataModel, DEFAULT_MAX_DEPTH, truncateText } from './data-model.js';
import { scanMsgpack } from './msgpack-scan.js';
import { CxpError, fail, ok, type Result } from './errors.js';

/** Byte-level codecs for CXP messages. Pure: bytes in, values out, no I/O. */

export type Encoding = 'json' | 'msgpack';

export const CONTENT_TYPES: Readonly<Record<Encoding, string>> = {
  json: 'application/json',
  msgpack: 'application/msgpack',
};

/** Default upper bound of one encoded message; every transport may set its own. */
export const DEFAULT_MAX_BYTES = 1024 * 1024;

export interface ParseOptions {
  maxBytes?: number;
  maxDepth?: number;
}

const packr = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  variableMapSize: true,
  int64AsType: 'number',
  moreTypes: false,
});
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const utf8Encoder = new TextEncoder();

/** Maps a content type (as in MQTT v5 or HTTP) to an encoding. */
export function encodingForContentType(contentType: string | undefined): Result<Encoding> {
  if (contentType === undefined || contentType === '') return ok('json');
  const base = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (base === 'application/json' || base === 'text/json') return ok('json');
  if (
    base === 'application/msgpack' ||
    base === 'application/x-msgpack' ||
    base === 'application/vnd.msgpack'
  ) {
    return ok('msgpack');
  }
  return fail('UNSUPPORTED_ENCODING', `content type "${contentType}" is neither JSON nor MessagePack`, {
    details: { content_type: contentType, supported: Object.values(CONTENT_TYPES) },
  });
}

/** Parses bytes into JSON data, enforcing size, depth and the I-JSON data model. Never throws. */
export function parseBytes(
  input: Uint8Array | string,
  encoding: Encoding,
  options: ParseOptions = {},
): Result<unknown> {
  const parsed = parseUnchecked(input, encoding, options);
  return parsed.ok ? checkParsed(parsed.value, options) : parsed;
}

/** Size limit and syntax only; the value may still break the data model (see checkParsed). */
export function parseUnchecked(
  input: Uint8Array | string,
  encoding: Encoding,
  options: ParseOptions = {},
): Result<unknown> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const size = typeof input === 'string' ? byteLengthBounded(input, maxBytes) : input.byteLength;
  if (size > maxBytes) {
    return fail('MESSAGE_TOO_LARGE', `message of ${size} bytes exceeds the limit of ${maxBytes}`, {
      details: { size, limit: maxBytes },
    });
  }
  try {
    return ok(
      encoding === 'json' ? parseJson(input) : parseMsgpack(input, options.maxDepth ?? DEFAULT_MAX_DEPTH),
    );
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return fail('MALFORMED_MESSAGE', `not valid ${encoding === 'json' ? 'JSON' : 'MessagePack'}: ${reason}`, {
      details: { errors: [{ path: '', message: truncateText(reason, 256) }] },
    });
  }
}

/** Holds a parsed value to the I-JSON data model and the depth limit. */
export function checkParsed(value: unknown, options: ParseOptions = {}): Result<unknown> {
  const found = checkDataModel(value, options.maxDepth ?? DEFAULT_MAX_DEPTH);
  if (found) {
    const issue = { path: truncateText(found.path, 256), message: found.message };
    return fail('MALFORMED_MESSAGE', `${issue.path || '/'}: ${issue.message}`, {
      details: { errors: [issue] },
    });
  }
  return ok(value);
}

function parseJson(input: Uint8Array | string): unknown {
  const text = typeof input === 'string' ? input : utf8Decoder.decode(input);
  return JSON.parse(text);
}

function parseMsgpack(input: Uint8Array | string, maxDepth: number): unknown {
  if (typeof input === 'string') throw new Error('MessagePack input must be bytes');
  if (input.byteLength === 0) throw new Error('empty input');
  const issue = scanMsgpack(input, maxDepth);
  if (issue) throw new Error(`${issue.message} (at byte ${issue.offset})`);
  return packr.unpack(input);
}

/** UTF-8 length of a string, stopping early once it is known to exceed `limit`. */
function byteLengthBounded(s: string, limit: number): number {
  if (s.length > limit) return s.length;
  return utf8Encoder.encode(s).byteLength;
}

/**
 * Encodes JSON data. Throws a CxpError (MALFORMED_MESSAGE) when the value is not JSON data: the
 * gateway only encodes values it built, so this is a bug, not bad input.
 */
/**
 * Encodes a value already known to be in the data model: the gateway's own messages built only from
 * stored (validated on the way in) data, generated ids and formatted stamps. Skips the data-model
 * walk that `encodeValue` does; never use it for anything a peer sent.
 */
export function encodeTrusted(value: unknown, encoding: Encoding): Uint8Array {
  return encoding === 'json' ? utf8Encoder.encode(JSON.stringify(value)) : packr.pack(value);
}

export function encodeValue(value: unknown, encoding: Encoding, maxDepth = DEFAULT_MAX_DEPTH): Uint8Array {
  const issue = checkDataModel(value, maxDepth);
  if (issue) {
    throw new CxpError('MALFORMED_MESSAGE', `cannot encode: ${issue.path || '/'}: ${issue.message}`, {
      details: { errors: [issue] },
    });
  }
  return encoding === 'json' ? utf8Encoder.encode(JSON.stringify(value)) : packr.pack(value);
}
