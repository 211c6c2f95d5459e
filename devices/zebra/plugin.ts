import type { GatewayServices } from '../../bridges/mqtt/bridge/plugin.js';
import { lazyComponent, type Plugin } from '../../src/runtime/plugins.js';
import { ZebraConfig } from './config.js';
import { loadTemplates } from './template-files.js';

export function checkZebraConfig(config: ZebraConfig): { path: string; message: string }[] {
  const loaded = loadTemplates(config.templates, { maxBytes: config.max_document_bytes });
  if (loaded.ok) return [];
  const problems = (loaded.error.details.problems ?? []) as { path: string; message: string }[];
  return problems.length > 0
    ? problems.map((p) => ({ path: '/templates', message: `${p.path}: ${p.message}` }))
    : [{ path: '/templates', message: loaded.error.message }];
}

export const zebraPlugin: Plugin<ZebraConfig, GatewayServices> = {
  kind: 'zebra',
  configSchema: ZebraConfig,
  check: checkZebraConfig,
  // The provider (printer link, jobs, status) is imported only when a zebra device is configured.
  create: ({ config, logger, clock }, services) =>
    lazyComponent(`zebra:${config.id}`, async () => {
      const { ZebraProvider } = await import('./provider.js');
      return new ZebraProvider(config, services, logger, clock);
    }),
};
