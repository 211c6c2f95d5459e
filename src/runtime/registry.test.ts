import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { GatewayServices } from '../../bridges/mqtt/bridge/plugin.js';
import type { MqttConnection } from '../../bridges/mqtt/connection.js';
import { Ros2Bridge } from '../../bridges/ros2/bridge/bridge.js';
import { IppProvider } from '../../devices/ipp/provider.js';
import { ZebraProvider } from '../../devices/zebra/provider.js';
import { createDefaultCatalogs } from '../capability/catalogs.js';
import { ProviderRegistry } from '../capability/providers.js';
import { systemClock } from '../cxp/clock.js';
import { IdGenerator } from '../cxp/ids.js';
import { MessageFactory } from '../cxp/message.js';
import { ContextProvider } from '../context/sparse/provider.js';
import { ContextStore } from '../context/store.js';
import { loadConfig } from './config/load.js';
import { CxpDispatcher } from './dispatcher.js';
import { GatewayMetrics } from './metrics.js';
import { LazyComponent } from './plugins.js';
import { createPluginRegistry } from './registry.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * What `cxp-edge start` imports before it reads its config: every module reached from the CLI by
 * static imports (type-only imports excluded: they are erased), packages by name.
 */
function staticImports(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    const key = relative(ROOT, file);
    if (seen.has(key)) return;
    seen.add(key);
    const source = readFileSync(file, 'utf8');
    const statement = /^(?:import|export)\s+(?!type\s)(?:[^'";]*?\bfrom\s+)?'([^']+)'/gm;
    for (const [, spec = ''] of source.matchAll(statement)) {
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else if (!spec.startsWith('node:'))
        seen.add(spec.startsWith('@') ? spec : (spec.split('/')[0] ?? spec));
    }
  };
  visit(join(ROOT, entry));
  return seen;
}

function services(): GatewayServices {
  const clock = systemClock;
  const store = new ContextStore({ clock });
  const ids = new IdGenerator(clock);
  const messages = new MessageFactory({ clock, ids, source: { id: 'gw-test', kind: 'gateway' } });
  const provider = new ContextProvider({ store, messages, clock });
  const dispatcher = new CxpDispatcher({ provider, messages, clock, intentHooks: () => [] });
  const catalogs = createDefaultCatalogs();
  return {
    store,
    connection: {} as unknown as MqttConnection,
    openInboundConnection: () => {
      throw new Error('no MQTT here');
    },
    addReadinessCheck: () => undefined,
    metrics: new GatewayMetrics(),
    providers: new ProviderRegistry({ dispatcher, messages, catalogs, supportedVersions: [1] }),
    maxMessageBytes: 1024 * 1024,
    cxp: { dispatcher, provider, messages, ids, previewMinIntervalMs: 0, guards: () => [] },
  };
}

describe('plugin registry', () => {
  it('the start path does not import plugin implementations, the demo emulator, aedes, ws or the ROS message libraries', () => {
    const loaded = staticImports('src/runtime/cli.ts');
    expect(loaded).toContain('src/runtime/registry.ts');
    expect(loaded).toContain('devices/zebra/plugin.ts');
    for (const lazy of [
      'devices/zebra/provider.ts',
      'devices/zebra/printer.ts',
      'devices/zebra/emulator.ts',
      'devices/ipp/provider.ts',
      'devices/ipp/client.ts',
      'bridges/ros2/bridge/bridge.ts',
      'bridges/ros2/dds/transport.ts',
      'bridges/ros2/msgs/index.ts',
      'aedes',
      'ws',
      '@foxglove/rosmsg',
      '@foxglove/rosmsg2-serialization',
    ])
      expect(loaded, lazy).not.toContain(lazy);
  });

  it.each([
    ['zebra', 'devices', { id: 'zt1', host: '127.0.0.1' }, 'zebra:zt1', ZebraProvider],
    ['ipp', 'devices', { id: 'press', url: 'ipp://127.0.0.1:631/ipp/print' }, 'ipp:press', IppProvider],
    ['ros2', 'bridges', { id: 'robot' }, 'bridge:robot', Ros2Bridge],
  ] as const)(
    '%s: create returns a lazy component; the implementation loads when it is prepared',
    async (kind, list, entry, name, type) => {
      const plugins = createPluginRegistry();
      const loaded = loadConfig({
        text: JSON.stringify({ [list]: [{ kind, ...entry }] }),
        env: {},
        hostname: 'test',
        plugins,
      });
      const config = loaded.ok ? loaded.config[list][0] : undefined;
      const plugin = plugins.get(kind);
      if (!config || !plugin) throw new Error(`no ${kind} config or plugin`);
      const logger = pino({ level: 'silent' });
      const signal = new AbortController().signal;
      const component = plugin.create({ config, logger, clock: systemClock, signal }, services());
      if (!(component instanceof LazyComponent)) throw new Error(`${kind}: not created lazily`);
      const lazy = component as LazyComponent;
      expect(lazy.name).toBe(name);
      expect(lazy.inner).toBeUndefined();
      await lazy.prepare();
      expect(lazy.inner).toBeInstanceOf(type);
      expect(lazy.inner?.name).toBe(name);
      await lazy.stop();
    },
  );
});
