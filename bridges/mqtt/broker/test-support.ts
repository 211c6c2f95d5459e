/**
 * Test support for the broker's integration tests: a registry that starts real brokers on loopback
 * port 0, connects real MQTT.js clients (MQTT 3.1.1) and tears everything down. Test helper only.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { EmbeddedBroker, type BrokerAddresses } from './broker.js';
import { parseBrokerConfig } from './config.js';
import type { ReadSecret } from './credentials.js';

export const silentLogger = pino({ level: 'silent' });

/** Secrets by environment-variable name, as a ReadSecret. */
export function secretsFromMap(secrets: Record<string, string>): ReadSecret {
  return (ref) => {
    const value = ref.env === undefined ? undefined : secrets[ref.env];
    return value === undefined
      ? Promise.reject(new Error(`no secret ${ref.env ?? ref.file ?? '?'}`))
      : Promise.resolve(value);
  };
}

export interface Received {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
}

/** Collects the messages a client receives and lets a test wait for the next one. */
export class Inbox {
  readonly messages: Received[] = [];
  readonly #waiters: ((m: Received) => void)[] = [];

  constructor(client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      const m = { topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain };
      this.messages.push(m);
      this.#waiters.shift()?.(m);
    });
  }

  /** The next message not yet taken; waits for it when none is queued. */
  next(timeoutMs = 5000): Promise<Received> {
    const queued = this.messages[this.#taken];
    if (queued !== undefined) {
      this.#taken += 1;
      return Promise.resolve(queued);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error('no message within the timeout'));
      }, timeoutMs);
      this.#waiters.push((m) => {
        clearTimeout(timer);
        this.#taken += 1;
        resolve(m);
      });
    });
  }

  #taken = 0;
}

export interface StartedBroker {
  broker: EmbeddedBroker;
  addresses: BrokerAddresses;
}

/** Everything a test started, stopped again in afterEach. */
export class Harness {
  readonly #brokers: EmbeddedBroker[] = [];
  readonly #clients: MqttClient[] = [];

  /** A broker on 127.0.0.1 with an ephemeral port unless the config says otherwise. */
  async start(config: Record<string, unknown> = {}, readSecret?: ReadSecret): Promise<StartedBroker> {
    const broker = this.create(config, readSecret);
    const addresses = await broker.start();
    return { broker, addresses };
  }

  create(config: Record<string, unknown> = {}, readSecret?: ReadSecret): EmbeddedBroker {
    const broker = new EmbeddedBroker({
      config: parseBrokerConfig({ port: 0, ...config }),
      logger: silentLogger,
      readSecret: readSecret ?? secretsFromMap({}),
    });
    this.#brokers.push(broker);
    return broker;
  }

  /** A connected MQTT 3.1.1 client without automatic reconnects. */
  async connect(url: string, options: IClientOptions = {}): Promise<MqttClient> {
    const client = mqtt.connect(url, {
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...options,
    });
    this.#clients.push(client);
    // Errors after CONNACK (a connection the broker drops) must not crash the test process.
    client.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => {
        resolve();
      });
      client.once('error', reject);
      client.once('close', () => {
        reject(new Error('connection closed before CONNACK'));
      });
    });
    return client;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.#clients.splice(0).map((c) => c.endAsync(true)));
    await Promise.all(this.#brokers.splice(0).map((b) => b.stop()));
  }
}

export const tcpUrl = (addresses: BrokerAddresses): string => `mqtt://127.0.0.1:${addresses.tcp.port}`;

/** Resolves when the client's connection closes. */
export function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => {
    if (!client.connected) {
      resolve();
      return;
    }
    client.once('close', () => {
      resolve();
    });
  });
}
