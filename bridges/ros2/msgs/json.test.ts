import { describe, expect, it } from 'vitest';
import { checkDataModel } from '../../../src/cxp/data-model.js';
import { RosCodec } from './codec.js';
import { decodeJson, encodeJson, fromJson, timeFromMs, timeToMs, timeToRfc3339, toJson } from './json.js';
import { MessageRegistry } from './registry.js';
import type { RosMessage } from './types.js';

const { registry } = MessageRegistry.build([
  {
    type: 'test_msgs/msg/All',
    text: 'int64 i\nuint64 u\nint64[] is\nuint64[2] us\nfloat32 f\nfloat64[] fs\nstring s\nuint8[] bytes\nbyte[] raw\nchar[4] chars\nint8[] small\nbuiltin_interfaces/Time t\n',
    origin: 't',
  },
]);
const codec = new RosCodec(registry);

function schema(type: string) {
  const r = codec.schema(type);
  if (!r.ok) throw r.error;
  return r.value;
}

describe('toJson', () => {
  it('maps int64 to numbers while exact, else decimal strings', () => {
    const json = toJson({ a: 5n, b: -(2n ** 53n - 1n), c: 2n ** 53n, d: 2n ** 64n - 1n, e: -(2n ** 63n) });
    expect(json).toEqual({
      a: 5,
      b: -9007199254740991,
      c: '9007199254740992',
      d: '18446744073709551615',
      e: '-9223372036854775808',
    });
    expect(
      toJson({ xs: new BigInt64Array([1n, -(2n ** 60n)]), us: new BigUint64Array([2n ** 63n]) }),
    ).toEqual({
      xs: [1, '-1152921504606846976'],
      us: ['9223372036854775808'],
    });
  });

  it('names the float values JSON has no number for, and drops the sign of zero', () => {
    const json = toJson({
      a: Number.NaN,
      b: Infinity,
      c: -Infinity,
      d: -0,
      e: 1.5,
      fs: new Float32Array([NaN, 0.5]),
    });
    expect(json).toEqual({ a: 'NaN', b: 'Infinity', c: '-Infinity', d: 0, e: 1.5, fs: ['NaN', 0.5] });
    expect(Object.is(json.d, 0)).toBe(true);
  });

  it('gives byte arrays as base64, or as they are for MessagePack', () => {
    const bytes = new Uint8Array([0, 1, 2, 250]);
    expect(toJson({ data: bytes })).toEqual({ data: 'AAEC+g==' });
    const kept = toJson({ data: bytes }, { binary: 'bytes' });
    expect(kept.data).toBe(bytes);
    // A view into a larger buffer encodes only its own bytes.
    expect(toJson({ data: new Uint8Array([9, 9, 1, 2]).subarray(2) })).toEqual({ data: 'AQI=' });
    expect(toJson({ small: new Int8Array([-1, 2]) })).toEqual({ small: [-1, 2] });
  });

  it('keeps times, strings, booleans and nested messages, and is data-model clean', () => {
    const value: RosMessage = {
      header: { stamp: { sec: 1, nanosec: 2 }, frame_id: 'map' },
      status: [{ level: 2, values: [{ key: 'k', value: 'v' }], ok: true }],
    };
    const json = toJson(value);
    expect(json).toEqual(value);
    expect(checkDataModel(json)).toBeUndefined();
    expect(toJson({ odd: undefined as unknown as number })).toEqual({ odd: null });
  });
});

describe('fromJson', () => {
  it('reads decimal strings in int64 fields and float names in float fields', () => {
    const r = fromJson(schema('test_msgs/msg/All'), {
      i: '-9223372036854775808',
      u: 7,
      is: ['1', 2],
      us: ['18446744073709551615', '0'],
      f: 'NaN',
      fs: ['Infinity', '-Infinity', 1],
      s: 'NaN',
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({ i: -(2n ** 63n), u: 7, is: [1n, 2], us: [2n ** 64n - 1n, 0n], s: 'NaN' });
    expect(r.value.f).toBeNaN();
    expect(r.value.fs).toEqual([Infinity, -Infinity, 1]);
  });

  it('reads base64, number arrays and Uint8Array for byte arrays', () => {
    const r = fromJson(schema('test_msgs/msg/All'), {
      bytes: 'AAEC+g==',
      raw: [1, 2],
      chars: new Uint8Array(4),
    });
    expect(r.ok && [...(r.value.bytes as Uint8Array)]).toEqual([0, 1, 2, 250]);
    expect(r.ok && r.value.bytes).toBeInstanceOf(Uint8Array);
    expect(r.ok && r.value.raw).toEqual([1, 2]);
    expect(fromJson(schema('test_msgs/msg/All'), { bytes: '' }).ok).toBe(true);
  });

  it.each([
    [{ i: '1.5' }, '/i', 'decimal string'],
    [{ i: '0x10' }, '/i', 'decimal string'],
    [{ is: ['01'] }, '/is/0', 'decimal string'],
    [{ bytes: 'not base64!' }, '/bytes', 'base64'],
    [{ bytes: 'AAE' }, '/bytes', 'base64'],
  ])('refuses %j at %s', (json, path, message) => {
    const r = fromJson(schema('test_msgs/msg/All'), json);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('INVALID_PARAMS');
    const errors = r.error.details.errors as { path: string; message: string }[];
    expect(errors[0]?.path).toBe(path);
    expect(errors[0]?.message).toContain(message);
  });

  it('passes anything else on for the encoder to judge', () => {
    expect(fromJson(schema('std_msgs/msg/String'), 'text')).toEqual({ ok: true, value: 'text' });
    expect(fromJson(schema('sensor_msgs/msg/JointState'), { name: 'x', extra: 1 })).toEqual({
      ok: true,
      value: { name: 'x', extra: 1 },
    });
  });
});

describe('decodeJson and encodeJson', () => {
  it('go between CDR and JSON data', () => {
    const json = {
      header: { stamp: { sec: 1, nanosec: 5 }, frame_id: 'cam' },
      format: 'jpeg',
      data: '/9j/4A==',
    };
    const bytes = encodeJson(codec, 'sensor_msgs/msg/CompressedImage', json);
    expect(bytes.ok).toBe(true);
    if (!bytes.ok) return;
    expect(decodeJson(codec, 'sensor_msgs/CompressedImage', bytes.value)).toEqual({ ok: true, value: json });
    const raw = decodeJson(codec, 'sensor_msgs/CompressedImage', bytes.value, { binary: 'bytes' });
    expect(raw.ok && raw.value.data).toBeInstanceOf(Uint8Array);
  });

  it('pass on the coded errors', () => {
    const unknown = encodeJson(codec, 'my_msgs/msg/Nope', {});
    expect(unknown.ok ? '' : unknown.error.code).toBe('UNKNOWN_MESSAGE_TYPE');
    const bad = encodeJson(codec, 'std_msgs/msg/Int64', { data: 'many' });
    expect(bad.ok ? '' : bad.error.code).toBe('INVALID_PARAMS');
    const wrong = encodeJson(codec, 'std_msgs/msg/Int64', { data: true });
    expect(wrong.ok ? '' : wrong.error.code).toBe('INVALID_PARAMS');
    const garbage = decodeJson(codec, 'std_msgs/msg/Int64', new Uint8Array([0, 1, 0, 0, 1]));
    expect(garbage.ok ? '' : garbage.error.code).toBe('MALFORMED_MESSAGE');
  });
});

describe('time helpers', () => {
  it('give milliseconds and RFC 3339 with nanoseconds', () => {
    const stamp = { sec: 1_795_000_000, nanosec: 123_456_789 };
    expect(timeToMs(stamp)).toBe(1_795_000_000_123);
    expect(timeToRfc3339(stamp)).toBe('2026-11-18T11:06:40.123456789Z');
    expect(timeToRfc3339({ sec: 0, nanosec: 0 })).toBe('1970-01-01T00:00:00.000000000Z');
    expect(timeToRfc3339({ sec: -1, nanosec: 500_000_000 })).toBe('1969-12-31T23:59:59.500000000Z');
    expect(timeToRfc3339({ sec: 1, nanosec: 2_000_000_001 })).toBe('1970-01-01T00:00:03.000000001Z');
  });

  it('turn milliseconds into a time', () => {
    expect(timeFromMs(1_795_000_000_123)).toEqual({ sec: 1_795_000_000, nanosec: 123_000_000 });
    expect(timeFromMs(-1)).toEqual({ sec: -1, nanosec: 999_000_000 });
    expect(timeFromMs(1999.9999999999)).toEqual({ sec: 2, nanosec: 0 });
    expect(timeToMs(timeFromMs(1234.5))).toBe(1234);
  });
});
