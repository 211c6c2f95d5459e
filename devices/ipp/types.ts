/**
 * The typed value model of an IPP message. It is lossless: every message `decodeMessage` accepts is
 * encoded back to the same bytes, and every message `encodeMessage` accepts decodes to the same value.
 */
import type { IppGroupName, IppOutOfBandTag, IppStringTag } from './tags.js';

/** RFC 8010 dateTime (RFC 2579 DateAndTime, 11 octets): local time plus its offset from UTC. */
export interface IppDateTime {
  year: number;
  month: number;
  day: number;
  hours: number;
  minutes: number;
  seconds: number;
  deciSeconds: number;
  utcDirection: '+' | '-';
  utcHours: number;
  utcMinutes: number;
}

/** Cross-feed (x) and feed (y) resolution; units 3 = dots per inch, 4 = dots per centimetre. */
export interface IppResolution {
  x: number;
  y: number;
  units: number;
}

export interface IppRange {
  lower: number;
  upper: number;
}

export interface IppTextWithLanguage {
  language: string;
  text: string;
}

export type IppValue =
  | { tag: 'integer' | 'enum'; value: number }
  | { tag: 'boolean'; value: boolean }
  | { tag: IppStringTag; value: string }
  | { tag: 'octetString'; value: Uint8Array }
  | { tag: 'dateTime'; value: IppDateTime }
  | { tag: 'resolution'; value: IppResolution }
  | { tag: 'rangeOfInteger'; value: IppRange }
  | { tag: 'textWithLanguage' | 'nameWithLanguage'; value: IppTextWithLanguage }
  /** Member attributes in wire order (a member name may repeat only if the peer sent it so). */
  | { tag: 'collection'; value: IppAttribute[] }
  | { tag: IppOutOfBandTag }
  /**
   * A value kept as its bytes: an unassigned tag (0x11, 0x20, 0x7F extension, ...), or an assigned tag
   * whose bytes do not fit its syntax (an integer that is not 4 octets, a boolean other than 0/1, a
   * dateTime field out of range, text that is not UTF-8, an out-of-band value with content, ...).
   */
  | { tag: 'raw'; code: number; value: Uint8Array };

export type IppValueTag = IppValue['tag'];

export interface IppAttribute {
  name: string;
  /** One or more values; values after the first travel with an empty name (a 1setOf). */
  values: IppValue[];
}

export interface IppGroup {
  /** The group; a number only for the reserved delimiters 0x0B-0x0F. */
  tag: IppGroupName | number;
  attributes: IppAttribute[];
}

export interface IppVersion {
  major: number;
  minor: number;
}

/** A request or a response: `code` is the operation-id of a request or the status-code of a response. */
export interface IppMessage {
  version: IppVersion;
  code: number;
  requestId: number;
  groups: IppGroup[];
  /** The document data after the end-of-attributes-tag (a view into the decoded bytes, not a copy). */
  data: Buffer;
}

/** Codec options: limits that keep hostile input from growing memory or the stack; the encoder applies the same. */
export interface IppCodecOptions {
  /** Attributes in the message, collection members included. Default 10,000. */
  maxAttributes?: number;
  /** Values in the message, collection members' values included. Default 100,000. */
  maxValues?: number;
  /** Collection nesting depth (a collection inside an attribute is depth 1). Default 16. */
  maxDepth?: number;
}

export const DEFAULT_LIMITS: Readonly<Required<IppCodecOptions>> = Object.freeze({
  maxAttributes: 10_000,
  maxValues: 100_000,
  maxDepth: 16,
});

/** The limits with defaults filled in (an explicit `undefined` also takes the default). */
export function resolveLimits(limits: IppCodecOptions = {}): Readonly<Required<IppCodecOptions>> {
  return {
    maxAttributes: limits.maxAttributes ?? DEFAULT_LIMITS.maxAttributes,
    maxValues: limits.maxValues ?? DEFAULT_LIMITS.maxValues,
    maxDepth: limits.maxDepth ?? DEFAULT_LIMITS.maxDepth,
  };
}

/** The largest name or value: the 2-octet length fields are signed (RFC 8010 §3.1.4). */
export const MAX_FIELD_LENGTH = 0x7fff;

export const IPP_VERSION_2_0: Readonly<IppVersion> = Object.freeze({ major: 2, minor: 0 });
export const IPP_VERSION_1_1: Readonly<IppVersion> = Object.freeze({ major: 1, minor: 1 });
