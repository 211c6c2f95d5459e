import { MessageReader, MessageWriter } from '@foxglove/rosmsg2-serialization';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CxpError, Result } from '../../../src/cxp/errors.js';
import { RosCodec } from './codec.js';
import { MessageRegistry, type MsgSource } from './registry.js';
import { MAX_ISSUES } from './types.js';

const { registry } = MessageRegistry.build([
  {
    type: 'test_msgs/msg/Defaults',
    text: 'uint32 copies 1\nint64 big -5\nfloat64[3] xyz [1, 2, 3]\nstring name "job"\nbool on true\n',
    origin: 't',
  },
  { type: 'test_msgs/msg/Bounded', text: 'string<=4 code\nint32[<=2] pair\nstring<=3[] tags\n', origin: 't' },
  {
    type: 'test_msgs/msg/Wide',
    text: 'int64 i\nuint64 u\nint8 a\nint16 b\nuint16 c\nuint32 d\nfloat32 f\nbool[] flags\nbuiltin_interfaces/Duration[] spans\n',
    origin: 't',
  },
  { type: 'test_msgs/msg/Modes', text: 'uint8 A=1\n', origin: 't' },
  { type: 'test_msgs/msg/Nested', text: 'Modes m\nint32 after\n', origin: 't' },
] satisfies MsgSource[]);
const codec = new RosCodec(registry);

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Hand-written CDR for tests: header, then values with explicit alignment. */
class Cdr {
  parts: number[] = [];
  constructor(
    kind = 0x01,
    readonly le = kind % 2 === 1,
  ) {
    this.parts.push(0, kind, 0, 0);
  }
  align(n: number) {
    while ((this.parts.length - 4) % n !== 0) this.parts.push(0);
    return this;
  }
  u8(...v: number[]) {
    this.parts.push(...v);
    return this;
  }
  u32(v: number) {
    this.align(4);
    const b = Buffer.alloc(4);
    if (this.le) b.writeUInt32LE(v);
    else b.writeUInt32BE(v);
    this.parts.push(...b);
    return this;
  }
  i32(v: number) {
    return this.u32(v >>> 0);
  }
  f64(v: number, align = 8) {
    this.align(align);
    const b = Buffer.alloc(8);
    if (this.le) b.writeDoubleLE(v);
    else b.writeDoubleBE(v);
    this.parts.push(...b);
    return this;
  }
  str(s: string) {
    const b = Buffer.from(s, 'utf8');
    return this.u32(b.length + 1).u8(...b, 0);
  }
  get bytes() {
    return new Uint8Array(this.parts);
  }
}

function errorOf(r: Result<unknown>): CxpError {
  if (r.ok) throw new Error('expected an error');
  return r.error;
}

describe('encode', () => {
  it('writes std_msgs/String as a ROS 2 peer does: CDR_LE, NUL-terminated, padded to 4', () => {
    const r = codec.encode('std_msgs/msg/String', { data: 'hello' });
    expect(r.ok && hex(r.value)).toBe('00010002' + '06000000' + '68656c6c6f00' + '0000');
  });

  it('writes non-ASCII strings by their UTF-8 length (MessageWriter cuts them short)', () => {
    const text = 'Grüße, €5 👋';
    const r = codec.encode('std_msgs/String', { data: text });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const utf8 = Buffer.from(text, 'utf8');
    expect(Buffer.from(r.value.subarray(4, 8)).readUInt32LE()).toBe(utf8.length + 1);
    expect(codec.decode('std_msgs/String', r.value)).toEqual({ ok: true, value: { data: text } });
    const resolved = registry.resolve('std_msgs/msg/String');
    if (!resolved.ok) return;
    const theirs = new MessageReader(resolved.value.definitions).readMessage<{ data: string }>(
      new MessageWriter(resolved.value.definitions).writeMessage({ data: text }),
    );
    expect(theirs.data).not.toBe(text);
  });

  it('writes the same body as MessageWriter for ASCII values', () => {
    const value = {
      header: { stamp: { sec: 1700000000, nanosec: 123456789 }, frame_id: 'base_link' },
      height: 2,
      width: 3,
      encoding: 'mono8',
      is_bigendian: 0,
      step: 3,
      data: new Uint8Array([1, 2, 3, 4, 5, 6]),
    };
    const ours = codec.encode('sensor_msgs/msg/Image', value);
    const resolved = registry.resolve('sensor_msgs/msg/Image');
    expect(ours.ok && resolved.ok).toBe(true);
    if (!ours.ok || !resolved.ok) return;
    const theirs = new MessageWriter(resolved.value.definitions).writeMessage(value);
    expect(hex(ours.value.subarray(4, theirs.length))).toBe(hex(theirs.subarray(4)));
    expect(ours.value.length - theirs.length).toBe(ours.value[3]);
  });

  it('takes typed arrays, Buffers, plain arrays, bigint and safe-integer int64', () => {
    const cloud = {
      header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' },
      height: 1,
      width: 1,
      fields: [{ name: 'x', offset: 0, datatype: 7, count: 1 }],
      is_bigendian: false,
      point_step: 4,
      row_step: 4,
      data: Buffer.from([0, 0, 128, 63]),
      is_dense: true,
    };
    expect(codec.encode('sensor_msgs/PointCloud2', cloud).ok).toBe(true);
    const scan = { ranges: new Float32Array([1, 2]), intensities: [0.5] };
    const laser = codec.encode('sensor_msgs/LaserScan', scan, { fillDefaults: true });
    expect(laser.ok).toBe(true);
    if (laser.ok) {
      const back = codec.decode('sensor_msgs/LaserScan', laser.value);
      expect(back.ok && [...(back.value.ranges as Float32Array)]).toEqual([1, 2]);
    }
    for (const data of [9007199254740991, -5, 2n ** 62n]) {
      const r = codec.encode('std_msgs/Int64', { data });
      expect(r.ok).toBe(true);
      if (r.ok)
        expect(codec.decode('std_msgs/Int64', r.value)).toEqual({ ok: true, value: { data: BigInt(data) } });
    }
  });

  it('writes every integer width, unsigned 64-bit values and Durations', () => {
    const value = {
      i: -(2n ** 63n),
      u: 2n ** 64n - 1n,
      a: -128,
      b: -32768,
      c: 65535,
      d: 4294967295,
      f: 0.25,
      flags: [true, false],
      spans: [{ sec: -1, nanosec: 999_999_999 }],
    };
    const r = codec.encode('test_msgs/msg/Wide', value);
    expect(r.ok).toBe(true);
    if (r.ok) expect(codec.decode('test_msgs/msg/Wide', r.value)).toEqual({ ok: true, value });
  });

  it('writes a message without fields as one zero byte', () => {
    const r = codec.encode('std_msgs/msg/Empty', {});
    expect(r.ok && hex(r.value)).toBe('00010003' + '00000000');
    const nested = codec.encode('test_msgs/msg/Nested', { m: {}, after: 7 });
    expect(nested.ok && hex(nested.value)).toBe('00010000' + '00000000' + '07000000');
    if (nested.ok)
      expect(codec.decode('test_msgs/Nested', nested.value)).toEqual({
        ok: true,
        value: { m: {}, after: 7 },
      });
  });

  it('fills missing fields with the .msg defaults, zeros and identity only when asked', () => {
    const missing = codec.encode('geometry_msgs/msg/Pose', {});
    expect(errorOf(missing).details.errors).toEqual([
      { path: '/position', message: 'missing field' },
      { path: '/orientation', message: 'missing field' },
    ]);
    const pose = codec.encode('geometry_msgs/msg/Pose', { position: { x: 1 } }, { fillDefaults: true });
    expect(pose.ok).toBe(true);
    if (!pose.ok) return;
    expect(codec.decode('geometry_msgs/Pose', pose.value)).toEqual({
      ok: true,
      value: { position: { x: 1, y: 0, z: 0 }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
    });
    const defaults = codec.encode('test_msgs/msg/Defaults', {}, { fillDefaults: true });
    expect(defaults.ok).toBe(true);
    if (!defaults.ok) return;
    const back = codec.decode('test_msgs/msg/Defaults', defaults.value);
    expect(back.ok && { ...back.value, xyz: [...(back.value.xyz as Float64Array)] }).toEqual({
      copies: 1,
      big: -5n,
      xyz: [1, 2, 3],
      name: 'job',
      on: true,
    });
    const header = codec.encode('std_msgs/Header', { stamp: { sec: 3 } }, { fillDefaults: true });
    expect(header.ok && codec.decode('std_msgs/Header', header.value)).toEqual({
      ok: true,
      value: { stamp: { sec: 3, nanosec: 0 }, frame_id: '' },
    });
    const path = codec.encode('nav_msgs/Path', { poses: [{ pose: {} }] }, { fillDefaults: true });
    expect(path.ok).toBe(true);
    const info = codec.encode('sensor_msgs/CameraInfo', {}, { fillDefaults: true });
    expect(info.ok && codec.decode('sensor_msgs/CameraInfo', info.value).ok).toBe(true);
  });

  it.each([
    ['std_msgs/Int32', { data: '5' }, '/data', 'expected an integer (int32), got string "5"'],
    ['std_msgs/Int32', { data: 2 ** 31 }, '/data', 'out of int32 range'],
    ['std_msgs/Int32', { data: 1.5 }, '/data', 'expected an integer'],
    ['std_msgs/UInt8', { data: -1 }, '/data', 'out of uint8 range'],
    ['std_msgs/Int64', { data: 2 ** 60 }, '/data', 'beyond 2^53'],
    ['std_msgs/Int64', { data: 2n ** 63n }, '/data', 'out of int64 range'],
    ['test_msgs/Wide', { u: -1n }, '/u', 'out of uint64 range'],
    ['std_msgs/Float32', { data: 1e39 }, '/data', 'out of float32 range'],
    ['std_msgs/Float64', { data: '1' }, '/data', 'expected a number'],
    ['std_msgs/Bool', { data: 1 }, '/data', 'expected a boolean'],
    ['std_msgs/String', { data: null }, '/data', 'expected a string, got null'],
    ['std_msgs/String', { data: 'a\ud800' }, '/data', 'lone surrogate'],
    ['std_msgs/String', { data: 'a\u0000b' }, '/data', 'NUL'],
    ['std_msgs/String', { data: 'x', extra: 1 }, '/extra', 'unknown field'],
    ['std_msgs/String', [], '', 'expected a message object, got an array'],
    ['std_msgs/Header', { stamp: 5, frame_id: '' }, '/stamp', 'expected {sec, nanosec}'],
    [
      'std_msgs/Header',
      { stamp: { sec: 1, nanosec: -1 }, frame_id: '' },
      '/stamp',
      'nanosec must be a uint32',
    ],
    ['std_msgs/Header', { stamp: { sec: 1.5, nanosec: 0 }, frame_id: '' }, '/stamp', 'sec must be an int32'],
    ['std_msgs/Header', { stamp: { sec: 1, nsec: 0 }, frame_id: '' }, '/stamp', 'unknown field "nsec"'],
    ['std_msgs/Header', { stamp: { nanosec: 2 ** 32 }, frame_id: '' }, '/stamp', 'nanosec must be a uint32'],
    ['geometry_msgs/PoseWithCovariance', { pose: {}, covariance: [1, 2] }, '/covariance', 'exactly 36'],
    ['sensor_msgs/JointState', { name: 'a' }, '/name', 'expected an array, got string'],
    ['sensor_msgs/JointState', { name: [1] }, '/name/0', 'expected a string'],
    ['sensor_msgs/JointState', { name: new Array<string>(1) }, '/name/0', 'missing element'],
    [
      'sensor_msgs/JointState',
      { position: new DataView(new ArrayBuffer(8)) },
      '/position',
      'expected an array, got DataView',
    ],
    ['test_msgs/Bounded', { code: 'abcde' }, '/code', 'bound of 4'],
    ['test_msgs/Bounded', { code: 'ééé' }, '/code', 'bound of 4'],
    ['test_msgs/Bounded', { pair: [1, 2, 3] }, '/pair', 'at most 2'],
    ['test_msgs/Bounded', { tags: ['ok', 'long'] }, '/tags/1', 'bound of 3'],
    ['test_msgs/Wide', { flags: [true, 0] }, '/flags/1', 'expected a boolean'],
    ['test_msgs/Wide', { spans: [{ sec: 1, nanosec: 2 }, { sec: '1' }] }, '/spans/1', 'sec must be an int32'],
    ['test_msgs/Wide', { a: 128 }, '/a', 'int8 range'],
    ['test_msgs/Wide', { b: 1n }, '/b', 'got bigint 1'],
    ['sensor_msgs/Image', { data: new Int8Array([-1]) }, '/data/0', 'out of uint8 range'],
    [
      'tf2_msgs/TFMessage',
      { transforms: [{ header: {}, child_frame_id: 'a~b/c', transform: 4 }] },
      '/transforms/0/transform',
      'expected a message object',
    ],
  ])('%s %o fails at %s', (type, value, path, message) => {
    const err = errorOf(codec.encode(type, value, { fillDefaults: true }));
    expect(err.code).toBe('INVALID_PARAMS');
    const errors = err.details.errors as { path: string; message: string }[];
    expect(errors[0]?.path).toBe(path);
    expect(errors[0]?.message).toContain(message);
    expect(err.details.ros_type).toMatch(/\/msg\//);
  });

  it('escapes field paths as JSON Pointers and caps the issues', () => {
    const many = codec.encode(
      'sensor_msgs/JointState',
      { position: Array.from({ length: 100 }, () => 'x') },
      { fillDefaults: true },
    );
    const errors = errorOf(many).details.errors as unknown[];
    expect(errors).toHaveLength(MAX_ISSUES);
    const odd = errorOf(codec.encode('std_msgs/String', { 'a/b~c': 1 }));
    expect(odd.details.errors).toEqual([
      { path: '/data', message: 'missing field' },
      { path: '/a~1b~0c', message: 'unknown field' },
    ]);
    expect(odd.message).toContain('/data missing field (and 1 more)');
    const time = errorOf(codec.encode('std_msgs/Header', { stamp: { sec: 1 }, frame_id: '' }));
    expect(time.details.errors).toEqual([
      { path: '/stamp', message: 'nanosec must be a uint32, got undefined' },
    ]);
  });

  it('refuses an unknown type and a bad type name', () => {
    expect(errorOf(codec.encode('my_msgs/msg/Nope', {})).code).toBe('UNKNOWN_MESSAGE_TYPE');
    expect(errorOf(codec.decode('my_msgs/msg/Nope', new Uint8Array(8))).code).toBe('UNKNOWN_MESSAGE_TYPE');
    expect(errorOf(codec.schema('nope')).code).toBe('INVALID_PARAMS');
  });

  it('caches the schema per type', () => {
    const a = codec.schema('sensor_msgs/msg/Imu');
    const b = codec.schema('sensor_msgs/msg/Imu');
    expect(a.ok && b.ok && a.value === b.value).toBe(true);
  });

  it('refuses to produce more than maxBytes', () => {
    const small = new RosCodec(registry, { maxBytes: 64 });
    const image = { data: new Uint8Array(100) };
    const err = errorOf(small.encode('sensor_msgs/Image', image, { fillDefaults: true }));
    expect(err.code).toBe('MESSAGE_TOO_LARGE');
    expect(err.details).toEqual({ limit: 64 });
    expect(errorOf(small.encode('std_msgs/String', { data: 'x'.repeat(100) })).code).toBe(
      'MESSAGE_TOO_LARGE',
    );
    expect(small.encode('std_msgs/String', { data: 'é'.repeat(20) }).ok).toBe(true);
    expect(small.encode('std_msgs/String', { data: 'x'.repeat(40) }).ok).toBe(true);
  });
});

describe('decode', () => {
  it('reads what a peer wrote, big or little endian, XCDR1 or plain XCDR2', () => {
    const le = new Cdr(0x01).i32(-3).u32(7).str('map').bytes;
    const be = new Cdr(0x00).i32(-3).u32(7).str('map').bytes;
    const expected = { ok: true, value: { stamp: { sec: -3, nanosec: 7 }, frame_id: 'map' } };
    expect(codec.decode('std_msgs/msg/Header', le)).toEqual(expected);
    expect(codec.decode('std_msgs/msg/Header', be)).toEqual(expected);
    // Float64 after a uint32: XCDR1 aligns it to 8, XCDR2 to 4.
    const v1 = new Cdr(0x01).u32(1).f64(2.5).bytes;
    const v2 = new Cdr(0x07).u32(1).f64(2.5, 4).bytes;
    const type = 'test_msgs/msg/Pair';
    const { registry: r } = MessageRegistry.build([{ type, text: 'uint32 a\nfloat64 b\n', origin: 't' }]);
    const c = new RosCodec(r);
    expect(v1.length).toBe(20);
    expect(v2.length).toBe(16);
    expect(c.decode(type, v1)).toEqual({ ok: true, value: { a: 1, b: 2.5 } });
    expect(c.decode(type, v2)).toEqual({ ok: true, value: { a: 1, b: 2.5 } });
    const be2 = new Cdr(0x10).u32(1).f64(2.5, 4).bytes;
    expect(c.decode(type, be2)).toEqual({ ok: true, value: { a: 1, b: 2.5 } });
  });

  it('returns typed arrays that share the input bytes', () => {
    const bytes = new Cdr().u32(0).u32(0).str('').u32(1).u32(1).str('mono8').u8(0).u32(1).u32(1).u8(42).bytes;
    const r = codec.decode('sensor_msgs/Image', bytes);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const data = r.value.data as Uint8Array;
    expect([...data]).toEqual([42]);
    expect(data.buffer).toBe(bytes.buffer);
  });

  it.each([
    ['no header', new Uint8Array([0, 1]), 'shorter than the 4-byte CDR header'],
    ['a parameter list', new Uint8Array([0, 3, 0, 0, 1, 0, 0, 0]), 'encapsulation 0x0003 is not plain CDR'],
    ['a delimited XCDR2', new Uint8Array([0, 0x09, 0, 0, 1, 0, 0, 0]), 'encapsulation 0x0009'],
    ['a bad first byte', new Uint8Array([1, 1, 0, 0, 1, 0, 0, 0]), 'encapsulation 0x0101'],
    ['nothing after the header', new Uint8Array([0, 1, 0, 0]), 'truncated'],
    ['a string longer than the data', new Cdr().u32(100).u8(65).bytes, 'a string of 100 bytes'],
    ['a string without its NUL', new Cdr().u32(2).u8(65, 66).bytes, 'not NUL-terminated'],
    ['trailing bytes', new Cdr().str('a').u32(0).bytes, '6 bytes left after the message'],
  ])('refuses %s with MALFORMED_MESSAGE', (_what, bytes, message) => {
    const err = errorOf(codec.decode('std_msgs/String', bytes));
    expect(err.code).toBe('MALFORMED_MESSAGE');
    expect(err.details.ros_type).toBe('std_msgs/msg/String');
    expect((err.details.errors as { message: string }[])[0]?.message).toContain(message);
  });

  it('accepts up to 3 bytes of RTPS padding after the message', () => {
    const bytes = new Cdr().str('a').u8(0, 0, 0).bytes;
    expect(codec.decode('std_msgs/String', bytes)).toEqual({ ok: true, value: { data: 'a' } });
    expect(codec.decode('std_msgs/String', new Cdr().u32(0).bytes)).toEqual({
      ok: true,
      value: { data: '' },
    });
  });

  it.each([
    ['uint8[]', 'std_msgs/UInt8MultiArray', (c: Cdr) => c.u32(0).u32(0).u32(0x7fffffff)],
    [
      'float32[] (big endian: the reader would allocate first)',
      'std_msgs/Float32MultiArray',
      (c: Cdr) => c.u32(0).u32(0).u32(0x7fffffff),
    ],
    [
      'float64[] of 1 GiB',
      'sensor_msgs/JointState',
      (c: Cdr) =>
        c
          .u32(0)
          .u32(0)
          .str('')
          .u32(0)
          .u32(2 ** 27),
    ],
    ['string[]', 'sensor_msgs/JointState', (c: Cdr) => c.u32(0).u32(0).str('').u32(0xffffffff)],
    ['messages[]', 'diagnostic_msgs/DiagnosticArray', (c: Cdr) => c.u32(0).u32(0).str('').u32(0x80000000)],
    [
      'bool[]',
      'test_msgs/Wide',
      (c: Cdr) => c.u32(0).u32(0).u32(0).u32(0).u8(0).align(2).u8(0, 0, 0, 0).u32(0).u32(0).u32(0xffffffff),
    ],
  ])('refuses a crafted length prefix on %s without allocating for it', (_what, type, build) => {
    for (const kind of [0x00, 0x01]) {
      const bytes = build(new Cdr(kind)).u8(1, 2, 3, 4).bytes;
      const before = process.memoryUsage();
      const started = performance.now();
      const err = errorOf(codec.decode(type, bytes));
      expect(performance.now() - started).toBeLessThan(100);
      expect(err.code).toBe('MALFORMED_MESSAGE');
      expect(err.message).toMatch(/cannot fit|run past the end/);
      const after = process.memoryUsage();
      expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(16 * 1024 * 1024);
    }
  });

  it('caps the elements that become JavaScript values', () => {
    const c = new RosCodec(registry, { maxElements: 10 });
    const status = { level: 0, name: '', message: '', hardware_id: '', values: [] };
    const many = codec.encode(
      'diagnostic_msgs/DiagnosticArray',
      { status: Array.from({ length: 11 }, () => status) },
      { fillDefaults: true },
    );
    expect(many.ok).toBe(true);
    if (!many.ok) return;
    const err = errorOf(c.decode('diagnostic_msgs/DiagnosticArray', many.value));
    expect(err.message).toContain('more than 10 array elements');
    const image = codec.encode('sensor_msgs/Image', { data: new Uint8Array(1000) }, { fillDefaults: true });
    expect(image.ok && c.decode('sensor_msgs/Image', image.value).ok).toBe(true);
  });

  it('refuses more than maxBytes before reading', () => {
    const c = new RosCodec(registry, { maxBytes: 16 });
    const err = errorOf(c.decode('std_msgs/String', new Cdr().str('x'.repeat(20)).bytes));
    expect(err.code).toBe('MESSAGE_TOO_LARGE');
    expect(err.details).toEqual({ size: 29, limit: 16 });
  });

  it('tells a Humble (24-byte GID) ros_discovery_info from an Iron+ one', () => {
    const gid = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    const node = (c: Cdr, n: number) =>
      c
        .str('/')
        .str('talker')
        .u32(1)
        .u8(...gid(n))
        .u32(0);
    const humble = node(new Cdr().u8(...gid(24)).u32(1), 24).bytes;
    const jazzy = node(new Cdr().u8(...gid(16)).u32(1), 16).bytes;
    const type = 'rmw_dds_common/msg/ParticipantEntitiesInfo';
    const decoded = codec.decode(type, jazzy);
    expect(decoded.ok).toBe(true);
    if (decoded.ok) {
      const info = decoded.value.node_entities_info_seq as { node_name: string; reader_gid_seq: unknown[] }[];
      expect(info[0]?.node_name).toBe('talker');
      expect(info[0]?.reader_gid_seq).toHaveLength(1);
    }
    expect(errorOf(codec.decode(type, humble)).code).toBe('MALFORMED_MESSAGE');
    const humbleCodec = new RosCodec(MessageRegistry.build([], { distro: 'humble' }).registry);
    expect(humbleCodec.decode(type, humble).ok).toBe(true);
  });

  it('never throws and always ends on random bytes', () => {
    const types = [
      'sensor_msgs/msg/PointCloud2',
      'diagnostic_msgs/msg/DiagnosticArray',
      'nav_msgs/msg/Path',
      'test_msgs/msg/Wide',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...types),
        fc.uint8Array({ maxLength: 300 }),
        fc.boolean(),
        (type, body, withHeader) => {
          const bytes = withHeader ? new Uint8Array([0, 1, 0, 0, ...body]) : body;
          const r = codec.decode(type, bytes);
          if (!r.ok) expect(['MALFORMED_MESSAGE']).toContain(r.error.code);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refuses every truncation and survives every byte flip of a valid message', () => {
    const value = {
      header: { stamp: { sec: 1, nanosec: 2 }, frame_id: 'odom' },
      status: [
        {
          level: 1,
          name: 'motor',
          message: 'warm',
          hardware_id: 'm1',
          values: [{ key: 'temp', value: '71' }],
        },
      ],
    };
    const encoded = codec.encode('diagnostic_msgs/msg/DiagnosticArray', value);
    expect(encoded.ok).toBe(true);
    if (!encoded.ok) return;
    const bytes = encoded.value;
    const body = bytes.length - bytes[3]!;
    for (let n = 0; n < body - 3; n++) {
      expect(codec.decode('diagnostic_msgs/DiagnosticArray', bytes.subarray(0, n)).ok).toBe(false);
    }
    for (let i = 0; i < bytes.length; i++) {
      for (const flip of [0x01, 0x80, 0xff]) {
        const copy = bytes.slice();
        copy[i]! ^= flip;
        const r = codec.decode('diagnostic_msgs/DiagnosticArray', copy);
        if (!r.ok) expect(r.error.code).toBe('MALFORMED_MESSAGE');
      }
    }
  });
});
