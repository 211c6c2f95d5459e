/**
 * IPP delimiter and value tags (RFC 8010 §3.5 and the IANA IPP registry).
 *
 * A tag byte below 0x10 is a delimiter: it opens an attribute group or ends the attributes. A tag byte
 * of 0x10 or more starts a value; 0x10-0x1F are out-of-band values, 0x20-0x2F integer types, 0x30-0x3F
 * octet-string types, 0x40-0x5F character-string types and 0x7F the extension tag.
 */

/** The end-of-attributes-tag: what follows it is the document data. */
export const END_OF_ATTRIBUTES_TAG = 0x03;

/** Attribute group delimiter tags by group name (0x03 is not a group). */
export const GROUP_TAGS = {
  operation: 0x01,
  job: 0x02,
  printer: 0x04,
  unsupported: 0x05,
  subscription: 0x06,
  'event-notification': 0x07,
  resource: 0x08,
  document: 0x09,
  system: 0x0a,
} as const;

export type IppGroupName = keyof typeof GROUP_TAGS;

/** Out-of-band value tags: the value is empty and the tag is the whole meaning. */
export const OUT_OF_BAND_TAGS = {
  unsupported: 0x10,
  unknown: 0x12,
  'no-value': 0x13,
  'not-settable': 0x15,
  'delete-attribute': 0x16,
  'admin-define': 0x17,
} as const;

export type IppOutOfBandTag = keyof typeof OUT_OF_BAND_TAGS;

/** Character-string value tags; the value is UTF-8 text (US-ASCII for all but text and name). */
export const STRING_TAGS = {
  textWithoutLanguage: 0x41,
  nameWithoutLanguage: 0x42,
  keyword: 0x44,
  uri: 0x45,
  uriScheme: 0x46,
  charset: 0x47,
  naturalLanguage: 0x48,
  mimeMediaType: 0x49,
} as const;

export type IppStringTag = keyof typeof STRING_TAGS;

/** The remaining assigned value tags. */
export const VALUE_TAGS = {
  ...OUT_OF_BAND_TAGS,
  integer: 0x21,
  boolean: 0x22,
  enum: 0x23,
  octetString: 0x30,
  dateTime: 0x31,
  resolution: 0x32,
  rangeOfInteger: 0x33,
  begCollection: 0x34,
  textWithLanguage: 0x35,
  nameWithLanguage: 0x36,
  endCollection: 0x37,
  ...STRING_TAGS,
  memberAttrName: 0x4a,
  extension: 0x7f,
} as const;

export type IppValueTagName = keyof typeof VALUE_TAGS;

/** Tags that structure a collection rather than carry a value of their own. */
export const STRUCTURAL_TAGS: ReadonlySet<number> = new Set([
  VALUE_TAGS.begCollection,
  VALUE_TAGS.endCollection,
  VALUE_TAGS.memberAttrName,
]);

/** Resolution units (RFC 8011 §5.1.16). */
export const RESOLUTION_UNITS = { dpi: 3, dpcm: 4 } as const;

function invert<K extends string>(table: Readonly<Record<K, number>>): ReadonlyMap<number, K> {
  return new Map(Object.entries(table).map(([name, code]) => [code as number, name as K]));
}

const GROUP_NAMES = invert<IppGroupName>(GROUP_TAGS);
const OUT_OF_BAND_NAMES = invert<IppOutOfBandTag>(OUT_OF_BAND_TAGS);
const STRING_NAMES = invert<IppStringTag>(STRING_TAGS);

export function groupName(code: number): IppGroupName | undefined {
  return GROUP_NAMES.get(code);
}

export function outOfBandName(code: number): IppOutOfBandTag | undefined {
  return OUT_OF_BAND_NAMES.get(code);
}

export function stringTagName(code: number): IppStringTag | undefined {
  return STRING_NAMES.get(code);
}

export function isOutOfBandTag(tag: string): tag is IppOutOfBandTag {
  return Object.hasOwn(OUT_OF_BAND_TAGS, tag);
}

export function isStringTag(tag: string): tag is IppStringTag {
  return Object.hasOwn(STRING_TAGS, tag);
}

/** A delimiter byte that may open a group: the assigned groups and the reserved 0x0B-0x0F. */
export function isGroupDelimiter(code: number): boolean {
  return code > 0 && code < 0x10 && code !== END_OF_ATTRIBUTES_TAG;
}
