import { pino } from 'pino';
import type { GatewayServices } from '../../bridges/mqtt/bridge/plugin.js';
import type { MqttConnection } from '../../bridges/mqtt/connection.js';
import { createDefaultCatalogs } from '../../src/capability/catalogs.js';
import { ProviderRegistry } from '../../src/capability/providers.js';
import { systemClock } from '../../src/cxp/clock.js';
import { IdGenerator } from '../../src/cxp/ids.js';
import { MessageFactory } from '../../src/cxp/message.js';
import type { CxpMessage, MessageOf } from '../../src/cxp/schema/index.js';
import { ContextProvider } from '../../src/context/sparse/provider.js';
import { ContextStore } from '../../src/context/store.js';
import { loadConfig } from '../../src/runtime/config/load.js';
import { CxpDispatcher } from '../../src/runtime/dispatcher.js';
import { GatewayMetrics } from '../../src/runtime/metrics.js';
import { createPluginRegistry } from '../../src/runtime/registry.js';
import type { ZebraConfig } from '../../devices/zebra/config.js';
import { ZebraProvider } from '../../devices/zebra/provider.js';
import type { IppConfig } from '../../devices/ipp/config.js';
import { IppProvider } from '../../devices/ipp/provider.js';
import type { SerialBridgeConfig } from '../../bridges/serial/config.js';
import { SerialPortBridge, type SerialPortOptions } from '../../bridges/serial/port.js';
import type { ActionGuard } from '../../src/runtime/action-guard.js';

/**
 * Zebra providers wired to the real CXP core (store, dispatcher, provider registry) without MQTT,
 * for tests that drive printers through ACTION_REQUESTs.
 */
export interface ZebraRig {
  store: ContextStore;
  dispatcher: CxpDispatcher;
  providers: ProviderRegistry;
  metrics: GatewayMetrics;
  add(config: Record<string, unknown>): Promise<ZebraProvider>;
  /** An IPP press (devices: kind ipp) on the same core. */
  addIpp(config: Record<string, unknown>): Promise<IppProvider>;
  /** A serial port (bridges: kind serial) on the same core. */
  addSerial(config: Record<string, unknown>, options?: SerialPortOptions): Promise<SerialPortBridge>;
  /** Sends an ACTION_REQUEST; `results` holds the first answer and every later one, in order. */
  act(action: string, params: Record<string, unknown>, extra?: Record<string, unknown>): Promise<ActionRun>;
  stop(): Promise<void>;
}

export interface ActionRun {
  results: MessageOf<'ACTION_RESULT'>[];
  first: MessageOf<'ACTION_RESULT'>;
  /** Resolves with the final result (succeeded, failed or rejected). */
  final(timeoutMs?: number): Promise<MessageOf<'ACTION_RESULT'>>;
}

const FINAL = new Set(['succeeded', 'failed', 'rejected']);

export function zebraConfig(entry: Record<string, unknown>): ZebraConfig {
  const config: unknown = deviceConfig('zebra', entry);
  return config as ZebraConfig;
}

function deviceConfig(kind: string, entry: Record<string, unknown>, list = 'devices'): unknown {
  const loaded = loadConfig({
    text: JSON.stringify({ [list]: [{ kind, ...entry }] }),
    env: {},
    hostname: 'test',
    plugins: createPluginRegistry(),
  });
  if (!loaded.ok) throw new Error(`bad ${kind} config: ${JSON.stringify(loaded.issues)}`);
  return list === 'devices' ? loaded.config.devices[0] : loaded.config.bridges[0];
}

/** `guards`: the safety guards actions see (none by default, as in a gateway without a supervisor). */
export function zebraRig(options: { guards?: ActionGuard[] } = {}): ZebraRig {
  const clock = systemClock;
  const store = new ContextStore({ clock });
  const ids = new IdGenerator(clock);
  const messages = new MessageFactory({ clock, ids, source: { id: 'gw-test', kind: 'gateway' } });
  const provider = new ContextProvider({ store, messages, clock });
  const dispatcher = new CxpDispatcher({ provider, messages, clock, intentHooks: () => [] });
  const providers = new ProviderRegistry({
    dispatcher,
    messages,
    catalogs: createDefaultCatalogs(),
    supportedVersions: [1],
  });
  const metrics = new GatewayMetrics();
  const services: GatewayServices = {
    store,
    connection: {} as unknown as MqttConnection,
    openInboundConnection: () => {
      throw new Error('no MQTT in printer tests');
    },
    addReadinessCheck: () => undefined,
    metrics,
    providers,
    maxMessageBytes: 1024 * 1024,
    cxp: { dispatcher, provider, messages, ids, previewMinIntervalMs: 0, guards: () => options.guards ?? [] },
  };
  const started: { stop(): Promise<void> }[] = [];
  let seq = 0;
  return {
    store,
    dispatcher,
    providers,
    metrics,
    async add(entry) {
      const p = new ZebraProvider(zebraConfig(entry), services, pino({ level: 'silent' }), clock);
      started.push(p);
      await p.start();
      return p;
    },
    async addIpp(entry) {
      const p = new IppProvider(
        deviceConfig('ipp', entry) as IppConfig,
        services,
        pino({ level: 'silent' }),
        clock,
      );
      started.push(p);
      await p.start();
      return p;
    },
    async addSerial(entry, serialOptions) {
      const config = deviceConfig('serial', entry, 'bridges') as SerialBridgeConfig;
      const p = new SerialPortBridge(config, services, pino({ level: 'silent' }), clock, serialOptions);
      started.push(p);
      await p.start();
      return p;
    },
    async act(action, params, extra = {}) {
      const results: MessageOf<'ACTION_RESULT'>[] = [];
      const waiting = new Set<() => void>();
      const push = (m: CxpMessage) => {
        if (m.type === 'ACTION_RESULT') results.push(m);
        for (const w of waiting) w();
      };
      seq += 1;
      const request = {
        cxp_version: '1.0',
        type: 'ACTION_REQUEST',
        id: `req-${seq}`,
        action,
        params,
        ...extra,
      } as MessageOf<'ACTION_REQUEST'>;
      const first = await dispatcher.dispatch(request, { id: 'tester' }, push);
      for (const m of first) push(m);
      const head = results[0];
      if (!head) throw new Error(`no ACTION_RESULT for ${action}`);
      return {
        results,
        first: head,
        final: (timeoutMs = 10_000) =>
          new Promise((resolve, reject) => {
            const check = () => {
              const done = results.find((r) => FINAL.has(r.status));
              if (!done) return;
              waiting.delete(check);
              clearTimeout(timer);
              resolve(done);
            };
            const timer = setTimeout(() => {
              waiting.delete(check);
              reject(
                new Error(`no final result for ${action} in ${timeoutMs} ms: ${JSON.stringify(results)}`),
              );
            }, timeoutMs);
            waiting.add(check);
            check();
          }),
      };
    },
    async stop() {
      for (const p of started.splice(0)) await p.stop();
    },
  };
}
