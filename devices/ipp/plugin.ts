import type { GatewayServices } from '../../bridges/mqtt/bridge/plugin.js';
import { lazyComponent, type Plugin } from '../../src/runtime/plugins.js';
import { IppConfig } from './config.js';

export const ippPlugin: Plugin<IppConfig, GatewayServices> = {
  kind: 'ipp',
  configSchema: IppConfig,
  // The provider (IPP client, press, jobs) is imported only when an ipp device is configured.
  create: ({ config, logger, clock }, services) =>
    lazyComponent(`ipp:${config.id}`, async () => {
      const { IppProvider } = await import('./provider.js');
      return new IppProvider(config, services, logger, clock);
    }),
};
