import { mqttBridgePlugin, type GatewayServices } from '../../bridges/mqtt/bridge/plugin.js';
import { ros2BridgePlugin } from '../../bridges/ros2/bridge/plugin.js';
import { serialPlugin } from '../../bridges/serial/plugin.js';
import { ippPlugin } from '../../devices/ipp/plugin.js';
import { zebraPlugin } from '../../devices/zebra/plugin.js';
import { PluginRegistry } from './plugins.js';

/** Every bridge and device kind this build knows. Static: no filesystem scanning. */
export function createPluginRegistry(): PluginRegistry<GatewayServices> {
  return new PluginRegistry<GatewayServices>()
    .register(mqttBridgePlugin)
    .register(ros2BridgePlugin)
    .register(serialPlugin)
    .register(zebraPlugin)
    .register(ippPlugin);
}
