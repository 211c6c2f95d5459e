import { describe, expect, it } from 'vitest';
import { describeTransportContract } from '../transport-contract.js';
import { loadDdsBinding } from './binding.js';
import { DdsTransport } from './transport.js';
import { ddsToRosTopic, ddsToRosType, rosToDdsTopic, rosToDdsType } from './wire-names.js';

/**
 * The Cyclone DDS backend against the same contract as the fake, on loopback (localhostOnly),
 * with domain ids 200-232 (the Cyclone peer tests use 100-199).
 */

const loaded = loadDdsBinding();
const reason = loaded.ok ? '' : loaded.reason;
if (!loaded.ok && process.env.CI === 'true') {
  // In CI the addon must be there: test/bootstrap.sh builds it. Fail loudly rather than skip.
  throw new Error(`dds backend unavailable in CI: ${reason}`);
}

let next = Math.floor(Math.random() * 33);
const domainId = () => 200 + (next++ % 33);

if (loaded.ok) {
  describeTransportContract(
    'dds (Cyclone DDS addon)',
    () => {
      const t = DdsTransport.load();
      if (!t.ok) throw new Error(t.error.message);
      return t.value;
    },
    { domainId },
  );
}

if (!loaded.ok) {
  describe.skip(`dds backend contract (skipped: ${reason})`, () => {
    it('needs the addon', () => undefined);
  });
}

describe('ROS names on the DDS wire', () => {
  it('maps topics and types both ways', () => {
    expect(rosToDdsTopic('/robot/odom')).toEqual({ ok: true, value: 'rt/robot/odom' });
    expect(ddsToRosTopic('rt/robot/odom')).toBe('/robot/odom');
    expect(ddsToRosTopic('DCPSParticipant')).toBeUndefined();
    expect(rosToDdsType('std_msgs/msg/String')).toEqual({ ok: true, value: 'std_msgs::msg::dds_::String_' });
    expect(rosToDdsType('std_msgs/String')).toEqual({ ok: true, value: 'std_msgs::msg::dds_::String_' });
    expect(ddsToRosType('geometry_msgs::msg::dds_::Twist_')).toBe('geometry_msgs/msg/Twist');
    expect(ddsToRosType('Foo')).toBeUndefined();
  });

  it('refuses names that are not ROS names', () => {
    for (const t of ['chatter', '/', '/a//b', '/1abc', '/a b', '/a/'])
      expect(rosToDdsTopic(t).ok, t).toBe(false);
    for (const t of ['String', 'a/b/c/d', 'std_msgs/msg/', '/std_msgs/String'])
      expect(rosToDdsType(t).ok, t).toBe(false);
  });
});
