import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IClientOptions } from 'mqtt';
import type { Logger } from 'pino';
import { EmbeddedBroker } from '../../bridges/mqtt/broker/broker.js';
import type { GatewayServices } from '../../bridges/mqtt/bridge/plugin.js';
import { MqttConnection } from '../../bridges/mqtt/connection.js';
import { CxpMqttBinding } from '../../bridges/mqtt/cxp-binding.js';
import { MemoryOutboundQueue, type OutboundQueue } from '../../bridges/mqtt/outbound-queue.js';
import { DiskQueue } from '../../bridges/mqtt/store-forward.js';
import { createDefaultCatalogs } from '../capability/catalogs.js';
import { ProviderRegistry } from '../capability/providers.js';
import { DEFAULT_PROTOCOL_VERSION } from '../capability/schema.js';
import type { ProviderHealth } from '../capability/telemetry-schema.js';
import type { Clock } from '../cxp/clock.js';
import { IdGenerator, type RandomBytes } from '../cxp/ids.js';
import { MessageFactory } from '../cxp/message.js';
import { ContextProvider } from '../context/sparse/provider.js';
import { ContextStore } from '../context/store.js';
import type { GatewayConfig } from './config/load.js';
import { CxpDispatcher } from './dispatcher.js';
import { HttpServer } from './http.js';
import { Lifecycle, type Component, type LifecycleState } from './lifecycle.js';
import { GatewayMetrics } from './metrics.js';
import { gatewayTelemetry } from './telemetry.js';
import type { PluginRegistry } from './plugins.js';
import { SafetyService } from './safety-service.js';
import type { SecretReader } from './secrets.js';

export interface GatewayDeps {
  clock: Clock;
  random: RandomBytes;
  logger: Logger;
  readSecret: SecretReader;
  plugins: PluginRegistry<GatewayServices>;
  version: string;
}

/** The running gateway's parts, for the CLI, the demo and tests. */
export interface Gateway {
  readonly config: GatewayConfig;
  readonly lifecycle: Lifecycle;
  readonly store: ContextStore;
  readonly http: HttpServer | undefined;
  readonly broker: EmbeddedBroker | undefined;
  readonly connection: MqttConnection;
  /** Every MQTT connection (the gateway's and each bridge's) connected and subscribed. */
  readonly ready: () => boolean;
  readonly binding: CxpMqttBinding;
  readonly dispatcher: CxpDispatcher;
  readonly metrics: GatewayMetrics;
  /** The safety supervisor, when `safety.enabled`. */
  readonly safety: SafetyService | undefined;
}

/**
 * The one composition root: wires every part from a validated config and injected clock, randomness,
 * logger and secrets. No side effects until `lifecycle.start()`. Start order: HTTP, broker, MQTT
 * connection, context expiry, CXP binding, bridges and devices; stop runs in reverse.
 */
export function buildGateway(config: GatewayConfig, deps: GatewayDeps): Gateway {
  const { clock, logger } = deps;
  const gw = config.gateway.id;
  const metrics = new GatewayMetrics();
  const lifecycle = new Lifecycle({ logger, stopTimeoutMs: config.gateway.shutdown_timeout_ms });
  const ids = new IdGenerator(clock, deps.random);
  const messages = new MessageFactory({ clock, ids, source: { id: gw, kind: 'gateway' } });
  const store = new ContextStore({
    clock,
    random: deps.random,
    maxRefs: config.context.max_refs,
    maxContributionsPerRef: config.context.max_contributions_per_ref,
    historyOps: config.context.history_ops,
    defaultRetention: config.context.default_retention,
    onListenerError: (err) => {
      logger.error({ err }, 'context change listener failed');
    },
  });
  const provider = new ContextProvider({ store, messages, clock, preview: { title: gw } });
  const dispatcher = new CxpDispatcher({ provider, messages, clock, intentHooks: () => [] });

  const http = config.http.enabled
    ? new HttpServer({
        ...config.http,
        metrics,
        logger: logger.child({ component: 'http' }),
        info: { id: gw, version: deps.version },
      })
    : undefined;
  if (http) lifecycle.add(http);

  const broker = config.broker.enabled
    ? new EmbeddedBroker({ config: config.broker, logger, readSecret: deps.readSecret })
    : undefined;
  let brokerPort = config.broker.port;
  if (broker) lifecycle.add(brokerComponent(broker, (port) => (brokerPort = port)));

  const url = () => config.mqtt.url ?? `mqtt://${urlHost(config.broker.host)}:${brokerPort}`;
  const connectionOptions = {
    url,
    protocol: config.mqtt.protocol,
    reconnect: {
      initialMs: config.mqtt.reconnect.initial_ms,
      maxMs: config.mqtt.reconnect.max_ms,
      jitter: config.mqtt.reconnect.jitter,
    },
    inflight: config.mqtt.inflight,
    metrics,
  };
  const connection = new MqttConnection({
    ...connectionOptions,
    name: 'mqtt',
    clientOptions: () => clientOptions(config, deps.readSecret),
    statusTopic: `${config.cxp.topic_prefix}/${gw}/status`,
    openOutbound: () => openOutbound(config, clock, metrics, logger),
    logger: logger.child({ component: 'mqtt' }),
  });
  /**
   * Readiness of every connection and plugin, checked by /readyz and by `ready()`. Plugins loaded
   * lazily add theirs when the gateway starts, so a check goes to /readyz as it is added.
   */
  const readiness: { name: string; check: () => { ready: boolean; detail: string } }[] = [];
  const addReadinessCheck = (name: string, check: () => { ready: boolean; detail: string }): void => {
    readiness.push({ name, check });
    http?.addReadinessCheck(name, check);
  };
  const connectionCheck = (c: MqttConnection) => () => ({
    ready: c.ready,
    detail: c.ready ? 'connected and subscribed' : c.connected ? 'subscribing' : 'broker not connected',
  });
  addReadinessCheck('mqtt', connectionCheck(connection));
  /**
   * A connection of its own for a bridge's inbound traffic (same broker, same credentials, client id
   * suffixed): a bridge that pauses reading (queue policy `block`) holds only its own messages. It
   * publishes nothing, so it has no status topic and a small memory outbound queue.
   */
  const openInboundConnection = (suffix: string): MqttConnection => {
    const name = `mqtt:${suffix}`;
    const own = new MqttConnection({
      ...connectionOptions,
      name,
      clientOptions: async () => {
        const base = await clientOptions(config, deps.readSecret);
        return { ...base, clientId: `${base.clientId ?? 'cxp-edge'}-${suffix}` };
      },
      openOutbound: () =>
        Promise.resolve(new MemoryOutboundQueue({ maxMessages: 100, maxAgeMs: 60_000, clock })),
      logger: logger.child({ component: name }),
    });
    addReadinessCheck(name, connectionCheck(own));
    return own;
  };
  lifecycle.add(connection);
  lifecycle.add(expiryComponent(store, config.context.expire_interval_ms));

  const providers = new ProviderRegistry({
    dispatcher,
    messages,
    catalogs: createDefaultCatalogs(),
    supportedVersions: [DEFAULT_PROTOCOL_VERSION],
  });
  const binding = new CxpMqttBinding({
    gatewayId: gw,
    config: config.cxp,
    connection,
    dispatcher,
    provider,
    store,
    messages,
    ids,
    metrics,
    logger: logger.child({ component: 'cxp-mqtt' }),
    clock,
    capabilities: () => providers.document(),
    telemetry: () =>
      gatewayTelemetry({
        gatewayId: gw,
        metrics,
        clock,
        health: () =>
          providerHealth(
            lifecycle.state,
            readiness.every((r) => r.check().ready),
          ),
      }),
  });
  lifecycle.add(binding);
  providers.onChange(() => {
    binding.publishCapabilities();
  });

  const safety = config.safety.enabled
    ? new SafetyService({
        config: config.safety,
        store,
        clock,
        messages,
        dispatcher,
        metrics,
        logger: logger.child({ component: 'safety' }),
        bootId: ids.next(),
        stateDir: config.gateway.state_dir,
        publish: (topic, payload, options) => {
          connection.publish(topic, payload, options);
        },
        topics: {
          safety: binding.topics.safety,
          safetyActive: binding.topics.safetyActive,
          heartbeat: `${binding.topics.safety}/heartbeat`,
        },
      })
    : undefined;
  if (safety) lifecycle.add(safety);

  const services: GatewayServices = {
    store,
    connection,
    openInboundConnection,
    addReadinessCheck,
    metrics,
    providers,
    maxMessageBytes: config.cxp.max_message_bytes,
    ...(safety ? { safety } : {}),
    cxp: {
      dispatcher,
      provider,
      messages,
      ids,
      previewMinIntervalMs: config.cxp.preview_min_interval_ms,
      // The safety supervisor's guard; without a supervisor, actions that move things fail closed.
      guards: () => (safety ? [safety.guard] : []),
    },
  };
  const abort = new AbortController();
  for (const entry of [...config.bridges, ...config.devices]) {
    const plugin = deps.plugins.get(entry.kind);
    if (!plugin) continue; // config validation already refused unknown kinds
    const child = logger.child({ component: `${entry.kind}:${entry.id}` });
    lifecycle.add(plugin.create({ config: entry, logger: child, clock, signal: abort.signal }, services));
  }

  http?.addReadinessCheck('lifecycle', () => ({
    ready: lifecycle.state === 'running',
    detail: lifecycle.state,
  }));
  const ready = () => readiness.every((r) => r.check().ready);
  return { config, lifecycle, store, http, broker, connection, binding, dispatcher, metrics, ready, safety };
}

/** The gateway's health for telemetry, from its lifecycle and its connections. */
function providerHealth(state: LifecycleState, connected: boolean): ProviderHealth {
  switch (state) {
    case 'idle':
    case 'starting':
      return 'starting';
    case 'running':
      return connected ? 'healthy' : 'degraded';
    case 'stopping':
    case 'stopped':
      return 'stopping';
    case 'failed':
      return 'unhealthy';
  }
}

function brokerComponent(broker: EmbeddedBroker, onPort: (port: number) => void): Component {
  return {
    name: 'broker',
    start: async () => {
      const addresses = await broker.start();
      onPort(addresses.tcp.port);
    },
    stop: () => broker.stop(),
  };
}

function expiryComponent(store: ContextStore, intervalMs: number): Component {
  let timer: NodeJS.Timeout | undefined;
  return {
    name: 'context-expiry',
    start: () => {
      timer = setInterval(() => store.expire(), intervalMs);
      return Promise.resolve();
    },
    stop: () => {
      clearInterval(timer);
      return Promise.resolve();
    },
  };
}

async function openOutbound(
  config: GatewayConfig,
  clock: Clock,
  metrics: GatewayMetrics,
  logger: Logger,
): Promise<OutboundQueue> {
  const sf = config.mqtt.store_forward;
  const onDrop = (reason: string, count: number) => {
    metrics.dropped.inc({ route: 'mqtt', reason: `store_forward_${reason}` }, count);
    logger.warn({ reason, count }, 'store-and-forward dropped messages');
  };
  if (!sf.enabled) {
    return new MemoryOutboundQueue({ maxMessages: 10_000, maxAgeMs: sf.max_age_s * 1000, clock, onDrop });
  }
  return DiskQueue.open({
    dir: join(config.gateway.state_dir, 'outbound'),
    maxBytes: sf.max_bytes,
    maxAgeMs: sf.max_age_s * 1000,
    clock,
    onDrop,
    onError: (err: unknown) => {
      logger.error({ err }, 'store-and-forward I/O failed');
    },
  });
}

async function clientOptions(config: GatewayConfig, readSecret: SecretReader): Promise<IClientOptions> {
  const m = config.mqtt;
  const opts: IClientOptions = {
    clientId: m.client_id ?? `cxp-edge-${config.gateway.id}`,
    keepalive: m.keepalive_s,
    connectTimeout: m.connect_timeout_ms,
  };
  if (m.username !== undefined) opts.username = m.username;
  if (m.password_file !== undefined || m.password_env !== undefined) {
    opts.password = await readSecret({
      ...(m.password_file ? { file: m.password_file } : {}),
      ...(m.password_env ? { env: m.password_env } : {}),
    });
  }
  if (m.ca_file !== undefined) opts.ca = await readFile(m.ca_file);
  if (m.cert_file !== undefined) opts.cert = await readFile(m.cert_file);
  if (m.key_file !== undefined) opts.key = await readFile(m.key_file);
  return opts;
}

/** An IPv6 literal goes in brackets in a URL. */
function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
