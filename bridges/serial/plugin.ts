import type { GatewayServices } from '../mqtt/bridge/plugin.js';
import type { Plugin } from '../../src/runtime/plugins.js';
import { SerialBridgeConfig } from './config.js';
import { buildPipeline } from './pipeline.js';
import { SerialPortBridge } from './port.js';
import { checkPortSelector } from './port-resolve.js';

/** Every problem of one port's config beyond the schema, with paths relative to the entry. */
export function checkSerialConfig(config: SerialBridgeConfig): { path: string; message: string }[] {
  const problems = checkPortSelector(config.port).map((p) => ({
    path: `/port${p.path === '/' ? '' : p.path}`,
    message: p.message,
  }));
  const built = buildPipeline(config);
  if (!built.ok)
    problems.push(...((built.error.details.problems ?? []) as { path: string; message: string }[]));
  return problems;
}

export const serialPlugin: Plugin<SerialBridgeConfig, GatewayServices> = {
  kind: 'serial',
  configSchema: SerialBridgeConfig,
  check: checkSerialConfig,
  create: (context, services) =>
    new SerialPortBridge(context.config, services, context.logger, context.clock),
};
