import type { Clock } from './clock.js';
import { checkParsed, parseUnchecked, encodeValue, type Encoding, type ParseOptions } from './codec.js';
import { CxpError } from './errors.js';
import type { IdGenerator } from './ids.js';
import {
  CXP_VERSION,
  type CxpMessage,
  type MessageOf,
  type MessageType,
  type Source,
} from './schema/index.js';
import { formatTimestamp, parseTimestamp } from './time.js';
import { readHeader, validateMessage, type MessageHeader } from './validate.js';

/** Decoding and building whole CXP messages. */

export type DecodeResult =
  { ok: true; message: CxpMessage } | { ok: false; error: CxpError; header: MessageHeader };

/** Fills the envelope fields a received message may lack (id, ts, source). */
export interface EnvelopeDefaults {
  clock: Clock;
  ids: IdGenerator;
  /** The authenticated principal when known; otherwise `{id: "anonymous", kind: "unknown"}`. */
  source?: Source;
}

export interface DecodeOptions extends ParseOptions {
  encoding?: Encoding;
  /** When given, missing `id`, `ts` and `source` are filled in (the gateway's receipt path). */
  fill?: EnvelopeDefaults;
}

const ANONYMOUS: Source = { id: 'anonymous', kind: 'unknown' };

/** Bytes to a valid message, or a coded error plus what could be read of the header. Never throws. */
export function decodeMessage(input: Uint8Array | string, options: DecodeOptions = {}): DecodeResult {
  const parsed = parseUnchecked(input, options.encoding ?? 'json', options);
  if (!parsed.ok) return { ok: false, error: parsed.error, header: {} };
  const checked = checkParsed(parsed.value, options);
  if (!checked.ok) return { ok: false, error: checked.error, header: readHeader(parsed.value) };
  const valid = validateMessage(parsed.value);
  if (!valid.ok) return { ok: false, error: valid.error, header: readHeader(parsed.value) };
  const message = options.fill ? fillEnvelope(valid.value, options.fill) : valid.value;
  return { ok: true, message };
}

/** Encodes a message; the message must be JSON data (see encodeValue). */
export function encodeMessage(message: CxpMessage, encoding: Encoding = 'json'): Uint8Array {
  return encodeValue(message, encoding);
}

/** Adds id, ts and source where missing, in place; returns the message. */
export function fillEnvelope<M extends CxpMessage>(message: M, defaults: EnvelopeDefaults): M {
  message.id ??= defaults.ids.next();
  message.ts ??= formatTimestamp(defaults.clock.now());
  message.source ??= { ...(defaults.source ?? ANONYMOUS) };
  return message;
}

/** True when `ts + ttl_ms` lies before `now`. Messages without both never expire. */
export function isExpired(message: CxpMessage, now: number): boolean {
  if (message.ttl_ms === undefined || message.ts === undefined) return false;
  const sent = parseTimestamp(message.ts);
  return sent !== undefined && sent + message.ttl_ms < now;
}

type Payload<T extends MessageType> = Omit<MessageOf<T>, 'cxp_version' | 'type'> & { cxp_version?: string };

/** Builds outgoing messages with a complete envelope from the gateway's clock, ids and identity. */
export class MessageFactory {
  readonly #defaults: Required<EnvelopeDefaults>;

  constructor(defaults: Required<EnvelopeDefaults>) {
    this.#defaults = defaults;
  }

  get source(): Source {
    return this.#defaults.source;
  }

  create<T extends MessageType>(type: T, payload: Payload<T>): MessageOf<T> {
    const message = {
      cxp_version: CXP_VERSION,
      type,
      id: this.#defaults.ids.next(),
      ts: formatTimestamp(this.#defaults.clock.now()),
      source: { ...this.#defaults.source },
      ...payload,
    } as unknown as MessageOf<T>;
    return message;
  }

  /** The error reply to a message that could not be processed: CONTEXT_ACK, status rejected. */
  errorReply(error: CxpError, header: MessageHeader = {}): MessageOf<'CONTEXT_ACK'> {
    return this.create('CONTEXT_ACK', {
      ack: header.id ?? '*',
      status: 'rejected',
      error: error.toWire(),
      ...(header.id === undefined ? {} : { correlation_id: header.id }),
    });
  }
}

export { CxpError };
