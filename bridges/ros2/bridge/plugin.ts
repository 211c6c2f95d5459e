import { lazyComponent, type Plugin } from '../../../src/runtime/plugins.js';
import type { GatewayServices } from '../../mqtt/bridge/plugin.js';
import { checkRos2BridgeConfig, Ros2BridgeConfig } from './config.js';

export const ros2BridgePlugin: Plugin<Ros2BridgeConfig, GatewayServices> = {
  kind: 'ros2',
  configSchema: Ros2BridgeConfig,
  check: checkRos2BridgeConfig,
  // The bridge, its transports (the DDS addon, rclnodejs) and the ROS message libraries are
  // imported only when a ros2 bridge is configured.
  create: ({ config, logger, clock }, services) =>
    lazyComponent(`bridge:${config.id}`, async () => {
      const { Ros2Bridge } = await import('./bridge.js');
      return new Ros2Bridge(config, services, logger, clock);
    }),
};
