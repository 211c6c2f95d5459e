import { describe, expect, it } from 'vitest';
import {
  canonicalRosType,
  ddsTopicToRos,
  ddsTypeToRos,
  expandTopicName,
  MAX_TOPIC_LENGTH,
  parseRosType,
  rosTopicToDds,
  rosTypeToDds,
  topicNameProblem,
  validateTopicName,
} from './naming.js';

describe('ROS type names', () => {
  it.each([
    ['std_msgs/msg/String', 'std_msgs/msg/String'],
    ['std_msgs/String', 'std_msgs/msg/String'],
    ['rmw_dds_common/msg/Gid', 'rmw_dds_common/msg/Gid'],
    ['my_pkg2/msg/Type3D', 'my_pkg2/msg/Type3D'],
  ])('%s is %s', (input, canonical) => {
    expect(canonicalRosType(input)).toEqual({ ok: true, value: canonical });
  });

  it.each([
    '',
    'String',
    'std_msgs/srv/SetBool',
    'std_msgs/msg/String/extra',
    'Std_msgs/msg/String',
    'std__msgs/msg/String',
    'std_msgs_/msg/String',
    '1pkg/msg/String',
    'std_msgs/msg/string',
    'std_msgs/msg/Str_ing',
    'std_msgs/msg/',
    '/msg/String',
  ])('%j is refused with INVALID_PARAMS', (input) => {
    const r = parseRosType(input);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('INVALID_PARAMS');
      expect(r.error.details.errors).toHaveLength(1);
    }
  });

  it('maps to and from the DDS type name', () => {
    expect(rosTypeToDds('std_msgs/msg/String')).toEqual({ ok: true, value: 'std_msgs::msg::dds_::String_' });
    expect(rosTypeToDds('geometry_msgs/Twist')).toEqual({
      ok: true,
      value: 'geometry_msgs::msg::dds_::Twist_',
    });
    expect(ddsTypeToRos('std_msgs::msg::dds_::String_')).toEqual({ ok: true, value: 'std_msgs/msg/String' });
    expect(ddsTypeToRos('rmw_dds_common::msg::dds_::ParticipantEntitiesInfo_')).toEqual({
      ok: true,
      value: 'rmw_dds_common/msg/ParticipantEntitiesInfo',
    });
    expect(rosTypeToDds('nope').ok).toBe(false);
  });

  it.each([
    'std_msgs::msg::String_',
    'std_msgs::srv::dds_::SetBool_Request_',
    'std_msgs::msg::dds_::String',
    'DDS::ParticipantBuiltinTopicData',
    'std_msgs::msg::dds_::bad_',
  ])('refuses DDS type %s', (name) => {
    expect(ddsTypeToRos(name).ok).toBe(false);
  });
});

describe('topic names', () => {
  it.each(['/chatter', '/robot1/odom', '/a_b/c1/_d', '/robot/{node}/x'.replace('{node}', 'n')])(
    '%s is fully qualified',
    (name) => {
      expect(validateTopicName(name)).toEqual({ ok: true, value: name });
    },
  );

  it.each([
    ['', 'empty', 0],
    ['chatter', 'starts with /', 0],
    ['/chatter/', 'end with /', 8],
    ['/a//b', '//', 2],
    ['/a__b', '__', 2],
    ['/a/1b', 'digit', 3],
    ['/a b', 'only letters', 2],
    ['/a-b', 'only letters', 2],
    ['/é', 'only letters', 1],
    ['/~/a', 'no ~', 1],
    ['/{ns}/a', 'no ~', 1],
    ['/', 'end with /', 0],
  ])('%j is refused (%s)', (name, fragment, index) => {
    const r = validateTopicName(name);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('INVALID_PARAMS');
      expect(r.error.message).toContain(fragment);
      expect(r.error.details.index).toBe(index);
    }
  });

  it('limits the length to what rmw allows', () => {
    const ok = `/${'a'.repeat(MAX_TOPIC_LENGTH - 1)}`;
    expect(validateTopicName(ok).ok).toBe(true);
    expect(validateTopicName(`${ok}b`).ok).toBe(false);
  });

  it('accepts relative names, ~ and substitutions unless fully qualified is asked for', () => {
    for (const name of ['chatter', 'a/b', '~', '~/x', '{node}/x', 'a/{ns}_b'])
      expect(topicNameProblem(name)).toBeUndefined();
    expect(topicNameProblem('~x')?.message).toContain('~ must be followed by /');
    expect(topicNameProblem('a/~')?.message).toContain('~ may only start');
    expect(topicNameProblem('{a{b}}')?.message).toContain('nest');
    expect(topicNameProblem('a}')?.message).toContain('unbalanced }');
    expect(topicNameProblem('{a')?.message).toContain('unbalanced {');
    expect(topicNameProblem('{}')?.message).toContain('holds a name');
    expect(topicNameProblem('{1a}')?.message).toContain('holds a name');
  });

  it('lets a discovered name keep __, which rmw allows', () => {
    expect(
      topicNameProblem('/a__b', { fullyQualified: true, allowRepeatedUnderscores: true }),
    ).toBeUndefined();
  });
});

describe('expandTopicName', () => {
  it.each([
    ['/abs', {}, '/abs'],
    ['odom', {}, '/odom'],
    ['odom', { namespace: '/robot1' }, '/robot1/odom'],
    ['a/b', { namespace: '/r/s' }, '/r/s/a/b'],
    ['~', { namespace: '/r', node: 'n' }, '/r/n'],
    ['~/cmd', { namespace: '/r', node: 'n' }, '/r/n/cmd'],
    ['~/cmd', { node: 'n' }, '/n/cmd'],
    ['{node}/x', { namespace: '/r', node: 'n' }, '/r/n/x'],
    ['{ns}/x', { namespace: '/r' }, '/r/x'],
    ['{namespace}/x', {}, '/x'],
  ])('%s in %j is %s', (name, options, expected) => {
    expect(expandTopicName(name, options)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['~/x', {}, '~ needs a node name'],
    ['{node}/x', {}, 'cannot substitute {node}'],
    ['{robot}/x', { node: 'n' }, 'cannot substitute {robot}'],
    ['x', { namespace: 'relative' }, 'namespace'],
    ['x', { namespace: '/r/' }, 'namespace'],
    ['x', { node: '1node' }, 'node name'],
    ['a//b', {}, '//'],
    ['{ns}', {}, 'end with /'],
    // {ns} is absolute already, so it only starts a name.
    ['/{ns}/x', { namespace: '/r' }, '//'],
  ])('%s in %j is refused', (name, options, fragment) => {
    const r = expandTopicName(name, options);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain(fragment);
  });
});

describe('DDS topic names', () => {
  it('maps /a/b to rt/a/b and back', () => {
    expect(rosTopicToDds('/robot1/odom')).toEqual({ ok: true, value: 'rt/robot1/odom' });
    expect(ddsTopicToRos('rt/robot1/odom')).toEqual({ ok: true, value: '/robot1/odom' });
    expect(ddsTopicToRos('rt/a__b')).toEqual({ ok: true, value: '/a__b' });
  });

  it('refuses relative names and DDS topics that are not ROS topics', () => {
    expect(rosTopicToDds('odom').ok).toBe(false);
    for (const name of ['ros_discovery_info', 'rq/add_two_intsRequest', 'rr/x', 'DCPSParticipant', 'rt']) {
      const r = ddsTopicToRos(name);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.details.reason).toBe('not_a_ros_topic');
    }
    expect(ddsTopicToRos('rt/').ok).toBe(false);
    expect(ddsTopicToRos('rt/a b').ok).toBe(false);
  });
});
