// Round trips over generated messages (every tag, nested collections) and fuzzing of the decoder:
// random bytes, random field sequences, and mutations of valid encodings. The decoder must never
// throw; it answers a message that re-encodes to the very same bytes, or a coded MALFORMED_MESSAGE.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, type IppAttribute, type IppMessage, type IppValue } from './codec.js';
import { GROUP_TAGS, OUT_OF_BAND_TAGS, STRING_TAGS, VALUE_TAGS } from './tags.js';

const RUNS = 10_000;
const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const octets = (maxLength: number) => fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));
const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const name = fc.oneof(
  fc.constantFrom('job-name', 'finishings', 'media-col', 'x-dimension', 'printer-state'),
  fc.string({
    unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
    minLength: 1,
    maxLength: 12,
  }),
);

const ASSIGNED: ReadonlySet<number> = new Set(Object.values(VALUE_TAGS));
const UNASSIGNED = Array.from({ length: 0xf0 }, (_, i) => i + 0x10).filter(
  (code) => !ASSIGNED.has(code) || code === 0x7f,
);

const dateTime = fc.record({
  year: fc.integer({ min: 0, max: 0xffff }),
  month: fc.integer({ min: 1, max: 12 }),
  day: fc.integer({ min: 1, max: 31 }),
  hours: fc.integer({ min: 0, max: 23 }),
  minutes: fc.integer({ min: 0, max: 59 }),
  seconds: fc.integer({ min: 0, max: 60 }),
  deciSeconds: fc.integer({ min: 0, max: 9 }),
  utcDirection: fc.constantFrom('+' as const, '-' as const),
  utcHours: fc.integer({ min: 0, max: 14 }),
  utcMinutes: fc.integer({ min: 0, max: 59 }),
});

const scalar: fc.Arbitrary<IppValue> = fc.oneof(
  fc.record({ tag: fc.constant('integer' as const), value: int32 }),
  fc.record({ tag: fc.constant('enum' as const), value: fc.integer({ min: 1, max: 0x7fffffff }) }),
  fc.record({ tag: fc.constant('boolean' as const), value: fc.boolean() }),
  fc.record({
    tag: fc.constantFrom(...(Object.keys(STRING_TAGS) as (keyof typeof STRING_TAGS)[])),
    value: text,
  }),
  fc.record({ tag: fc.constant('octetString' as const), value: octets(24) }),
  fc.record({ tag: fc.constant('dateTime' as const), value: dateTime }),
  fc.record({
    tag: fc.constant('resolution' as const),
    value: fc.record({ x: int32, y: int32, units: fc.integer({ min: -128, max: 127 }) }),
  }),
  fc.record({
    tag: fc.constant('rangeOfInteger' as const),
    value: fc.record({ lower: int32, upper: int32 }),
  }),
  fc.record({
    tag: fc.constantFrom('textWithLanguage' as const, 'nameWithLanguage' as const),
    value: fc.record({ language: fc.constantFrom('en', 'de-DE', ''), text }),
  }),
  fc.record({
    tag: fc.constantFrom(...(Object.keys(OUT_OF_BAND_TAGS) as (keyof typeof OUT_OF_BAND_TAGS)[])),
  }),
  fc.record({ tag: fc.constant('raw' as const), code: fc.constantFrom(...UNASSIGNED), value: octets(12) }),
);

const { value: anyValue } = fc.letrec<{ value: IppValue; member: IppAttribute }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 4, depthIdentifier: 'collection' },
    scalar,
    fc.record({ tag: fc.constant('collection' as const), value: fc.array(tie('member'), { maxLength: 3 }) }),
  ),
  member: fc.record({ name, values: fc.array(tie('value'), { minLength: 1, maxLength: 3 }) }),
}));

const attribute = fc.record({ name, values: fc.array(anyValue, { minLength: 1, maxLength: 3 }) });
const groupTag = fc.constantFrom<IppMessage['groups'][number]['tag']>(
  ...(Object.keys(GROUP_TAGS) as (keyof typeof GROUP_TAGS)[]),
  0x0b,
  0x0f,
);

const message: fc.Arbitrary<IppMessage> = fc.record({
  version: fc.record({ major: fc.integer({ min: 0, max: 255 }), minor: fc.integer({ min: 0, max: 255 }) }),
  code: fc.integer({ min: 0, max: 0xffff }),
  requestId: int32,
  groups: fc.array(fc.record({ tag: groupTag, attributes: fc.array(attribute, { maxLength: 4 }) }), {
    maxLength: 4,
  }),
  data: octets(16),
});

function encoded(msg: IppMessage): Buffer {
  const result = encodeMessage(msg);
  if (!result.ok) throw result.error;
  return result.value;
}

/** The decoder's contract on any input; plain checks (not expect) to keep 10k runs fast. */
function checkTotal(bytes: Uint8Array): void {
  const result = decodeMessage(bytes);
  if (result.ok) {
    const again = encodeMessage(result.value);
    if (!again.ok || !again.value.equals(bytes))
      throw new Error(`re-encoding differs for ${Buffer.from(bytes).toString('hex')}`);
    return;
  }
  const { code, details } = result.error;
  const offset = details.offset;
  if (code !== 'MALFORMED_MESSAGE' || typeof offset !== 'number' || offset < 0 || offset > bytes.length)
    throw new Error(`not a coded MALFORMED_MESSAGE: ${code} ${JSON.stringify(details)}`);
}

describe('round trips', () => {
  it('decode(encode(m)) equals m, and encode(decode(bytes)) equals bytes', () => {
    fc.assert(
      fc.property(message, (msg) => {
        const bytes = encoded(msg);
        const decoded = decodeMessage(bytes);
        expect(decoded.ok && decoded.value).toEqual(msg);
        expect(decoded.ok && encoded(decoded.value).equals(bytes)).toBe(true);
      }),
      { numRuns: 1_000 },
    );
  });
});

function field(tag: number, fieldName: string, value: Uint8Array): Buffer {
  const head = Buffer.alloc(5 + fieldName.length);
  head.writeUInt8(tag, 0);
  head.writeUInt16BE(fieldName.length, 1);
  head.write(fieldName, 3, 'latin1');
  head.writeUInt16BE(value.length, 3 + fieldName.length);
  return Buffer.concat([head, value]);
}

/** Wire fields, mostly well-formed, so that fuzzing reaches collections and every value syntax. */
const VALUE_CODES = [
  0x10, 0x11, 0x13, 0x21, 0x22, 0x23, 0x30, 0x31, 0x32, 0x33, 0x35, 0x36, 0x41, 0x44, 0x45, 0x7f,
];
const valueBytes = fc.oneof(
  octets(12),
  fc.constantFrom(1, 4, 8, 9, 11).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
);
const EMPTY = Buffer.alloc(0);
const token = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(0x01, 0x02, 0x04, 0x05, 0x0b).map((t) => Buffer.from([t])) },
  {
    weight: 5,
    arbitrary: fc
      .tuple(fc.constantFrom(...VALUE_CODES), fc.constantFrom('', 'a'), valueBytes)
      .map(([t, n, v]) => field(t, n, v)),
  },
  { weight: 2, arbitrary: fc.constantFrom('', 'c').map((n) => field(VALUE_TAGS.begCollection, n, EMPTY)) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('m', 'n').map((m) => field(VALUE_TAGS.memberAttrName, '', Buffer.from(m))),
  },
  { weight: 2, arbitrary: fc.constant(field(VALUE_TAGS.endCollection, '', EMPTY)) },
  { weight: 1, arbitrary: octets(6) },
);
/** Header, operation group and a first attribute, so that fuzzed fields start inside an attribute. */
const FUZZ_HEAD = Buffer.concat([
  Buffer.from('020000020000000101', 'hex'),
  field(0x44, 'a', Buffer.from('k')),
]);
const fieldSequence = fc
  .tuple(fc.array(token, { maxLength: 24 }), fc.boolean(), octets(4))
  .map(([tokens, end, data]) => Buffer.concat([FUZZ_HEAD, ...tokens, end ? Buffer.from([3]) : EMPTY, data]));

type Mutation = (bytes: Buffer, at: number, noise: Buffer) => Buffer;
const MUTATIONS: readonly Mutation[] = [
  (b, at) => Buffer.from(b.map((x, i) => (i === at % b.length ? x ^ (1 << (at % 8)) : x))), // bit flip
  (b, at) => b.subarray(0, at % (b.length + 1)), // truncation
  (b, at, n) => {
    const out = Buffer.from(b); // length-field corruption: two bytes overwritten
    if (out.length >= 2) out.writeUInt16BE(n.length >= 2 ? n.readUInt16BE(0) : 0xffff, at % (out.length - 1));
    return out;
  },
  (b, at, n) => Buffer.concat([b.subarray(0, at % (b.length + 1)), n, b.subarray(at % (b.length + 1))]), // insertion
  (b, at, n) =>
    Buffer.concat([b.subarray(0, at % (b.length + 1)), b.subarray((at % (b.length + 1)) + n.length)]), // deletion
];

describe('fuzz: decode never throws', () => {
  it(`${RUNS} random byte strings`, () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), checkTotal), { numRuns: RUNS });
  });

  it(`${RUNS} random field sequences after a valid header`, () => {
    let accepted = 0;
    fc.assert(
      fc.property(fieldSequence, (bytes) => {
        checkTotal(bytes);
        if (decodeMessage(bytes).ok) accepted++;
      }),
      { numRuns: RUNS },
    );
    expect(accepted).toBeGreaterThan(RUNS / 20);
  });

  it(`${RUNS} mutations of valid encodings (bit flips, truncations, length fields, insertions, deletions)`, () => {
    const corpus = fc.sample(message, { numRuns: 500, seed: 42 }).map(encoded);
    const mutation = fc.record({
      base: fc.constantFrom(...corpus),
      steps: fc.array(fc.tuple(fc.nat(MUTATIONS.length - 1), fc.nat(), octets(4)), {
        minLength: 1,
        maxLength: 3,
      }),
    });
    let accepted = 0;
    fc.assert(
      fc.property(mutation, ({ base, steps }) => {
        const bytes = steps.reduce((b, [kind, at, noise]) => MUTATIONS[kind]!(b, at, noise), base);
        checkTotal(bytes);
        if (decodeMessage(bytes).ok) accepted++;
      }),
      { numRuns: RUNS },
    );
    expect(accepted).toBeGreaterThan(0);
  });
});
