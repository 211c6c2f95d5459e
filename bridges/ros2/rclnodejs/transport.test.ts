import { describe, it } from 'vitest';
import { describeTransportContract } from '../transport-contract.js';
import { RclnodejsTransport } from './transport.js';

/**
 * The rclnodejs backend against the shared contract, only where ROS 2 is sourced. Debian 12 (this
 * repository's CI) has no rcl/rmw, so there it is skipped with this reason.
 */
const reason = process.env.ROS_DISTRO
  ? undefined
  : 'ROS_DISTRO is not set: rclnodejs needs a sourced ROS 2, which Debian 12 does not package';
const loaded = reason === undefined ? await RclnodejsTransport.load() : undefined;

if (loaded?.ok) {
  const transport = loaded.value;
  const domain = Number(process.env.ROS_DOMAIN_ID ?? 0);
  describeTransportContract('rclnodejs', () => transport, { domainId: () => domain });
} else {
  const why = reason ?? (loaded?.ok === false ? loaded.error.message : 'not loaded');
  console.info(`rclnodejs contract skipped: ${why}`);
  describe.skip(`Ros2Transport contract: rclnodejs (skipped: ${why})`, () => {
    it('needs a sourced ROS 2', () => undefined);
  });
}
