import { parse } from '@foxglove/rosmsg';
import { describe, expect, it } from 'vitest';
import { BUILTIN_MESSAGES, builtinMessagesFor } from './builtin/index.js';
import { BUILTIN_ORIGIN, MessageRegistry, type MsgSource } from './registry.js';

const REQUIRED = [
  'builtin_interfaces/msg/Time',
  'builtin_interfaces/msg/Duration',
  ...['Header', 'String', 'Bool', 'Int32', 'Int64', 'UInt8', 'Float32', 'Float64', 'Empty', 'ColorRGBA']
    .concat(['MultiArrayDimension', 'MultiArrayLayout', 'Float32MultiArray', 'UInt8MultiArray'])
    .map((t) => `std_msgs/msg/${t}`),
  ...['Vector3', 'Point', 'Point32', 'Quaternion', 'Pose', 'PoseStamped', 'PoseWithCovariance']
    .concat(['PoseWithCovarianceStamped', 'Twist', 'TwistStamped', 'TwistWithCovariance', 'Transform'])
    .concat(['TransformStamped', 'Accel', 'Wrench', 'Polygon'])
    .map((t) => `geometry_msgs/msg/${t}`),
  ...['Image', 'CompressedImage', 'Imu', 'LaserScan', 'BatteryState', 'Temperature', 'JointState']
    .concat([
      'NavSatFix',
      'NavSatStatus',
      'PointField',
      'PointCloud2',
      'Range',
      'RegionOfInterest',
      'CameraInfo',
    ])
    .map((t) => `sensor_msgs/msg/${t}`),
  ...['Odometry', 'Path', 'OccupancyGrid', 'MapMetaData'].map((t) => `nav_msgs/msg/${t}`),
  ...['DiagnosticArray', 'DiagnosticStatus', 'KeyValue'].map((t) => `diagnostic_msgs/msg/${t}`),
  'tf2_msgs/msg/TFMessage',
  ...['Gid', 'NodeEntitiesInfo', 'ParticipantEntitiesInfo'].map((t) => `rmw_dds_common/msg/${t}`),
];

function src(type: string, text: string, origin = `/defs/${type}.msg`): MsgSource {
  return { type, text, origin };
}

function fieldsOf(registry: MessageRegistry, type: string) {
  const r = registry.resolve(type);
  if (!r.ok) throw r.error;
  return r.value.definitions[0]?.definitions.map(
    (f) => `${f.type}${f.isArray === true ? `[${f.arrayLength ?? ''}]` : ''} ${f.name}`,
  );
}

describe('built-in definitions', () => {
  const { registry, problems, notes } = MessageRegistry.build([]);

  it('hold every required type and parse without a problem', () => {
    expect(problems).toEqual([]);
    expect(notes).toEqual([]);
    expect(registry.types()).toEqual([...REQUIRED].sort());
    expect(Object.keys(BUILTIN_MESSAGES).sort()).toEqual([...REQUIRED].sort());
  });

  it.each(REQUIRED)('%s resolves with its dependencies, each once and named', (type) => {
    const r = registry.resolve(type);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const names = r.value.definitions.map((d) => d.name);
    expect(names[0]).toBe(type);
    expect(new Set(names).size).toBe(names.length);
    for (const def of r.value.definitions) {
      for (const f of def.definitions) {
        expect(f.isConstant).not.toBe(true);
        if (f.isComplex === true) expect(names).toContain(f.type);
      }
    }
  });

  it('parses constants, including byte constants and negative ones', () => {
    const battery = parse(registry.source('sensor_msgs/msg/BatteryState')?.text ?? '', {
      ros2: true,
      skipTypeFixup: true,
    });
    const constant = (name: string) => battery[0]?.definitions.find((f) => f.name === name);
    expect(constant('POWER_SUPPLY_STATUS_FULL')).toMatchObject({ isConstant: true, value: 4, type: 'uint8' });
    expect(constant('POWER_SUPPLY_HEALTH_SAFETY_TIMER_EXPIRE')).toMatchObject({ value: 8 });
    const status = parse(registry.source('diagnostic_msgs/msg/DiagnosticStatus')?.text ?? '', {
      ros2: true,
      skipTypeFixup: true,
    });
    expect(status[0]?.definitions.filter((f) => f.isConstant === true).map((f) => [f.name, f.value])).toEqual(
      [
        ['OK', 0],
        ['WARN', 1],
        ['ERROR', 2],
        ['STALE', 3],
      ],
    );
    const nav = parse(registry.source('sensor_msgs/msg/NavSatStatus')?.text ?? '', {
      ros2: true,
      skipTypeFixup: true,
    });
    expect(nav[0]?.definitions.find((f) => f.name === 'STATUS_NO_FIX')).toMatchObject({ value: -1 });
  });

  it('reads Time as the time primitive and keeps field order', () => {
    expect(fieldsOf(registry, 'std_msgs/msg/Header')).toEqual(['time stamp', 'string frame_id']);
    expect(fieldsOf(registry, 'rmw_dds_common/msg/Gid')).toEqual(['uint8[16] data']);
    expect(fieldsOf(registry, 'rmw_dds_common/msg/NodeEntitiesInfo')).toEqual([
      'string node_namespace',
      'string node_name',
      'rmw_dds_common/msg/Gid[] reader_gid_seq',
      'rmw_dds_common/msg/Gid[] writer_gid_seq',
    ]);
    expect(fieldsOf(registry, 'builtin_interfaces/msg/Time')).toEqual(['int32 sec', 'uint32 nanosec']);
    expect(fieldsOf(registry, 'std_msgs/msg/Empty')).toEqual([]);
  });

  it('accepts pkg/Type and answers has() and source()', () => {
    expect(registry.has('std_msgs/String')).toBe(true);
    expect(registry.has('std_msgs/msg/Nope')).toBe(false);
    expect(registry.has('not a type')).toBe(false);
    expect(registry.resolve('geometry_msgs/Twist').ok).toBe(true);
    expect(registry.source('std_msgs/String')).toMatchObject({
      type: 'std_msgs/msg/String',
      origin: BUILTIN_ORIGIN,
    });
    expect(registry.source('std_msgs/msg/Nope')).toBeUndefined();
    expect(registry.resolve('std_msgs/String')).toBe(registry.resolve('std_msgs/String'));
  });

  it('reports an unknown type with UNKNOWN_MESSAGE_TYPE and a bad name with INVALID_PARAMS', () => {
    const unknown = registry.resolve('my_msgs/msg/Widget');
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) {
      expect(unknown.error.code).toBe('UNKNOWN_MESSAGE_TYPE');
      expect(unknown.error.details).toEqual({
        ros_type: 'my_msgs/msg/Widget',
        missing: 'my_msgs/msg/Widget',
      });
    }
    const bad = registry.resolve('widget');
    expect(bad.ok ? undefined : bad.error.code).toBe('INVALID_PARAMS');
  });
});

describe('distro', () => {
  it('uses the pre-Iron forms of Gid and Range for Humble and older', () => {
    const humble = MessageRegistry.build([], { distro: 'humble' }).registry;
    expect(fieldsOf(humble, 'rmw_dds_common/msg/Gid')).toEqual(['uint8[24] data']);
    expect(fieldsOf(humble, 'sensor_msgs/msg/Range')).not.toContain('float32 variance');
    const jazzy = MessageRegistry.build([], { distro: 'jazzy' }).registry;
    expect(fieldsOf(jazzy, 'rmw_dds_common/msg/Gid')).toEqual(['uint8[16] data']);
    expect(fieldsOf(jazzy, 'sensor_msgs/msg/Range')).toContain('float32 variance');
    expect(builtinMessagesFor('Galactic')['rmw_dds_common/msg/Gid']).toContain('char[24]');
    expect(builtinMessagesFor(undefined)).toBe(BUILTIN_MESSAGES);
  });
});

describe('user definitions', () => {
  it('resolve relative and qualified references in their own package', () => {
    const { registry, problems } = MessageRegistry.build([
      src('my_msgs/msg/Part', 'string id\nfloat64 mass 1.5\n'),
      src(
        'my_msgs/msg/Assembly',
        'std_msgs/Header header\nPart[] parts\nmy_msgs/msg/Part main\nPart[2] pair\n',
      ),
    ]);
    expect(problems).toEqual([]);
    expect(fieldsOf(registry, 'my_msgs/msg/Assembly')).toEqual([
      'std_msgs/msg/Header header',
      'my_msgs/msg/Part[] parts',
      'my_msgs/msg/Part main',
      'my_msgs/msg/Part[2] pair',
    ]);
    const r = registry.resolve('my_msgs/Assembly');
    expect(r.ok && r.value.definitions.map((d) => d.name)).toEqual([
      'my_msgs/msg/Assembly',
      'my_msgs/msg/Part',
      'std_msgs/msg/Header',
    ]);
  });

  it('override a built-in with a note, and without one when the fields are the same', () => {
    const { registry, notes, problems } = MessageRegistry.build([
      src('std_msgs/msg/String', '# same as the built-in\nstring data\n', '/a/String.msg'),
      src('rmw_dds_common/msg/Gid', 'char[24] data\n', '/a/Gid.msg'),
    ]);
    expect(problems).toEqual([]);
    expect(notes).toEqual([
      {
        origin: '/a/Gid.msg',
        type: 'rmw_dds_common/msg/Gid',
        message: `rmw_dds_common/msg/Gid from /a/Gid.msg overrides the definition from ${BUILTIN_ORIGIN}`,
      },
    ]);
    expect(fieldsOf(registry, 'rmw_dds_common/msg/Gid')).toEqual(['uint8[24] data']);
    expect(registry.source('std_msgs/msg/String')?.origin).toBe('/a/String.msg');
  });

  it.each([
    ['does not parse', 'my_msgs/msg/Bad', 'int32 x\nnot valid at all\n', 'Invalid'],
    ['has a bad field name', 'my_msgs/msg/Bad', 'int32 X\n', 'Invalid field name'],
    ['repeats a field', 'my_msgs/msg/Bad', 'int32 x\nfloat64 x\n', 'defined twice'],
    ['uses wstring', 'my_msgs/msg/Bad', 'wstring w\n', 'wstring'],
    [
      'holds two definitions',
      'my_msgs/msg/Bad',
      'int32 x\n===\nMSG: my_msgs/Other\nint32 y\n',
      'exactly one',
    ],
    ['names a bad type', 'my_msgs/msg/Bad', 'Foo/Bar/Baz x\n', 'message type'],
    ['has a bad name', 'My-Msgs/msg/Bad', 'int32 x\n', 'package name'],
    ['has an out-of-range constant', 'my_msgs/msg/Bad', 'uint8 A=300\n', 'out of range'],
  ])('is skipped and reported when it %s', (_what, type, text, fragment) => {
    const { registry, problems } = MessageRegistry.build([
      src(type, text, '/defs/bad.msg'),
      src('my_msgs/msg/Good', 'int32 x\n'),
    ]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ origin: '/defs/bad.msg', type });
    expect(problems[0]?.message).toContain(fragment);
    expect(registry.has('my_msgs/msg/Good')).toBe(true);
    expect(registry.has('my_msgs/msg/Bad')).toBe(false);
  });

  it('report a missing dependency at build time and on resolve', () => {
    const { registry, problems } = MessageRegistry.build([src('my_msgs/msg/Holder', 'Missing m\n')]);
    expect(problems).toEqual([
      {
        origin: '/defs/my_msgs/msg/Holder.msg',
        type: 'my_msgs/msg/Holder',
        message: 'my_msgs/msg/Holder depends on my_msgs/msg/Missing, which is not known',
      },
    ]);
    const r = registry.resolve('my_msgs/msg/Holder');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('UNKNOWN_MESSAGE_TYPE');
      expect(r.error.details).toEqual({ ros_type: 'my_msgs/msg/Holder', missing: 'my_msgs/msg/Missing' });
      expect(r.error.message).toContain('from my_msgs/msg/Holder');
    }
  });

  it('drop types that contain themselves', () => {
    const { registry, problems } = MessageRegistry.build([
      src('my_msgs/msg/Node', 'Node[] children\n'),
      src('my_msgs/msg/A', 'B b\n'),
      src('my_msgs/msg/B', 'A[] a\n'),
      src('my_msgs/msg/User', 'A a\n'),
    ]);
    const messages = problems.map((p) => p.message);
    expect(messages).toContain('my_msgs/msg/Node contains itself; skipped');
    expect(messages).toContain('my_msgs/msg/A contains itself; skipped');
    expect(messages).toContain('my_msgs/msg/B contains itself; skipped');
    expect(registry.has('my_msgs/msg/Node')).toBe(false);
    expect(registry.resolve('my_msgs/msg/User').ok).toBe(false);
  });

  it('can leave the built-ins out', () => {
    const { registry } = MessageRegistry.build([src('my_msgs/msg/X', 'int32 x\n')], { builtins: false });
    expect(registry.types()).toEqual(['my_msgs/msg/X']);
  });

  it('keep constants-only types (they are one padding byte on the wire)', () => {
    const { registry, problems } = MessageRegistry.build([
      src('my_msgs/msg/Modes', 'uint8 A=1\nuint8 B=2\n'),
    ]);
    expect(problems).toEqual([]);
    const r = registry.resolve('my_msgs/msg/Modes');
    expect(r.ok && r.value.definitions).toEqual([{ name: 'my_msgs/msg/Modes', definitions: [] }]);
  });
});
