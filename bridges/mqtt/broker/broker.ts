import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Aedes, Client } from 'aedes';
import type { Logger } from 'pino';
import { CxpError, toCxpError } from '../../../src/cxp/errors.js';
import { BrokerAccess } from './access.js';
import { checkBrokerConfig, checkBrokerSecurity, configError, type BrokerConfig } from './config.js';
import { Credentials, type ReadSecret } from './credentials.js';
import { startDeadline } from './deadline.js';
import { MQTT_HEADER_ALLOWANCE, MqttFrameGuard } from './frame-guard.js';
import { listenTcp, listenTls, listenWebSocket, type ConnectionInfo, type Listener } from './listeners.js';

export interface EmbeddedBrokerOptions {
  config: BrokerConfig;
  logger: Logger;
  readSecret: ReadSecret;
  /** Upper bound on stop(); connections still open after it are destroyed. Default 5000 ms. */
  stopTimeoutMs?: number;
}

export interface BrokerAddresses {
  tcp: AddressInfo;
  ws?: AddressInfo;
  tls?: AddressInfo;
}

/** Sockets allowed per listener beyond max_clients, so refused clients can still get their CONNACK. */
const PENDING_CONNECTIONS = 32;
/** A socket that sends no CONNECT within this time is closed. */
const CONNECT_TIMEOUT_MS = 10_000;
/** A client whose socket stays full this long is disconnected, so it cannot stall the others. */
const DRAIN_TIMEOUT_MS = 30_000;

interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer | undefined;
}

/**
 * The embedded MQTT 3.1.1 broker (aedes): TCP, optional WebSocket and TLS listeners, users with
 * per-topic access lists, and the authenticated principal of every connected client.
 */
export class EmbeddedBroker {
  readonly #config: BrokerConfig;
  readonly #log: Logger;
  readonly #readSecret: ReadSecret;
  readonly #stopTimeoutMs: number;
  readonly #certificateNames = new WeakMap<object, string>();
  readonly #clients = new Map<string, { client: Client; principal: string }>();
  #listeners: Listener[] = [];
  #aedes: Aedes | undefined;
  #starting: Promise<BrokerAddresses> | undefined;
  #stopping: Promise<void> | undefined;
  #teardown: Promise<void> | undefined;

  constructor(options: EmbeddedBrokerOptions) {
    this.#config = options.config;
    this.#log = options.logger.child({ component: 'broker' });
    this.#readSecret = options.readSecret;
    this.#stopTimeoutMs = options.stopTimeoutMs ?? 5000;
  }

  /** The aedes instance (after start). */
  get aedes(): Aedes {
    if (this.#aedes === undefined) throw new CxpError('INTERNAL_ERROR', 'the broker is not started');
    return this.#aedes;
  }

  /** Clients connected right now. */
  get connectedClients(): number {
    return this.#clients.size;
  }

  /** Who a connected client authenticated as: its username, or 'anonymous'. */
  principalOf(clientId: string): string | undefined {
    return this.#clients.get(clientId)?.principal;
  }

  /**
   * Validates the config (INVALID_CONFIG, INSECURE_CONFIG), reads secrets and certificates, and
   * listens on every enabled listener. Calling it again returns the same start.
   */
  start(): Promise<BrokerAddresses> {
    if (this.#stopping !== undefined) {
      return Promise.reject(new CxpError('INTERNAL_ERROR', 'a stopped broker cannot be started again'));
    }
    this.#starting ??= this.#start();
    return this.#starting;
  }

  /** Idempotent: closes the listeners, disconnects every client and closes aedes, within the bound. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await this.#starting?.catch(() => undefined);
      await this.#shutdown();
    })();
    return this.#stopping;
  }

  async #start(): Promise<BrokerAddresses> {
    this.#checkConfig();
    const credentials = await Credentials.load(this.#config, this.#readSecret);
    const tls = this.#config.tls.enabled ? await this.#readTlsMaterial() : undefined;
    await this.#createAedes(credentials);
    try {
      const addresses = await this.#listenAll(tls);
      this.#log.info({ ...addresses }, 'broker listening');
      return addresses;
    } catch (err) {
      await this.#shutdown();
      throw toCxpError(err);
    }
  }

  #checkConfig(): void {
    const cfg = this.#config;
    if (!cfg.enabled) throw new CxpError('INVALID_CONFIG', 'the broker is disabled (enabled: false)');
    const invalid = checkBrokerConfig(cfg);
    if (invalid.length > 0) throw configError('INVALID_CONFIG', 'invalid broker config', invalid);
    const insecure = checkBrokerSecurity(cfg);
    if (insecure.length > 0) throw configError('INSECURE_CONFIG', 'the broker refuses to start', insecure);
  }

  async #readTlsMaterial(): Promise<TlsMaterial> {
    const { cert_file: certFile, key_file: keyFile, ca_file: caFile } = this.#config.tls;
    const read = async (path: string | undefined, what: string): Promise<Buffer | undefined> => {
      if (path === undefined) return undefined;
      try {
        return await readFile(path);
      } catch (err) {
        const problem = `tls.${what}: cannot read ${path} (${toCxpError(err).message})`;
        throw new CxpError('INVALID_CONFIG', problem, { cause: err, details: { problems: [problem] } });
      }
    };
    const [cert, key, ca] = await Promise.all([
      read(certFile, 'cert_file'),
      read(keyFile, 'key_file'),
      read(caFile, 'ca_file'),
    ]);
    if (cert === undefined || key === undefined) {
      // checkBrokerSecurity has already refused this; kept for the types.
      throw configError('INSECURE_CONFIG', 'the broker refuses to start', [
        'tls needs cert_file and key_file',
      ]);
    }
    return { cert, key, ca };
  }

  async #createAedes(credentials: Credentials): Promise<void> {
    const access = new BrokerAccess({
      credentials,
      maxPayloadBytes: this.#config.max_payload_bytes,
      hasRoomFor: (clientId) => this.#clients.size < this.#config.max_clients || this.#clients.has(clientId),
      certificateNameOf: (conn) => this.#certificateNames.get(conn),
      log: this.#log,
    });
    // aedes is imported only when the broker starts: a gateway on an external broker never loads it.
    const { Aedes: AedesBroker } = await import('aedes');
    const aedes = await AedesBroker.createBroker({
      connectTimeout: CONNECT_TIMEOUT_MS,
      drainTimeout: DRAIN_TIMEOUT_MS,
      authenticate: access.authenticate,
      authorizePublish: access.authorizePublish,
      authorizeSubscribe: access.authorizeSubscribe,
    });
    this.#aedes = aedes;
    this.#observe(aedes, access);
  }

  #observe(aedes: Aedes, access: BrokerAccess): void {
    // 'client' is emitted when the client registers, before its CONNACK is written.
    aedes.on('client', (client) => {
      const principal = access.principalOf(client) ?? 'unknown';
      this.#clients.set(client.id, { client, principal });
      this.#log.info({ clientId: client.id, principal }, 'client connected');
    });
    aedes.on('clientDisconnect', (client) => {
      // A client id taken over by a newer connection keeps the newer entry.
      if (this.#clients.get(client.id)?.client === client) this.#clients.delete(client.id);
      this.#log.info({ clientId: client.id, principal: access.principalOf(client) }, 'client disconnected');
    });
    aedes.on('clientError', (client, err) => {
      this.#log.debug({ clientId: client.id, err }, 'client error');
    });
    aedes.on('connectionError', (client, err) => {
      this.#log.debug({ clientId: client.id, err }, 'connection error');
    });
    aedes.on('keepaliveTimeout', (client) => {
      this.#log.info({ clientId: client.id }, 'client keepalive timeout');
    });
    (aedes as unknown as NodeJS.EventEmitter).on('error', (err: unknown) => {
      this.#log.error({ err }, 'broker error');
    });
  }

  async #listenAll(tls: TlsMaterial | undefined): Promise<BrokerAddresses> {
    const cfg = this.#config;
    const common = {
      maxConnections: cfg.max_clients + PENDING_CONNECTIONS,
      onConnection: (stream: Duplex, info: ConnectionInfo) => {
        this.#accept(stream, info);
      },
      log: this.#log,
    };
    const tcp = await this.#add(listenTcp({ ...common, host: cfg.host, port: cfg.port }));
    const addresses: BrokerAddresses = { tcp: tcp.address };
    if (cfg.websocket.enabled) {
      const { host, port, path } = cfg.websocket;
      const maxPayload = this.#frameLimit();
      addresses.ws = (await this.#add(listenWebSocket({ ...common, host, port, path, maxPayload }))).address;
    }
    if (tls !== undefined) {
      const { host, port, require_client_cert: requireClientCert } = cfg.tls;
      const listener = listenTls({ ...common, ...tls, host, port, requireClientCert });
      addresses.tls = (await this.#add(listener)).address;
    }
    return addresses;
  }

  async #add(pending: Promise<Listener>): Promise<Listener> {
    const listener = await pending;
    this.#listeners.push(listener);
    return listener;
  }

  #frameLimit(): number {
    return this.#config.max_payload_bytes + MQTT_HEADER_ALLOWANCE;
  }

  #accept(stream: Duplex, info: ConnectionInfo): void {
    const aedes = this.#aedes;
    if (aedes === undefined || aedes.closed || this.#stopping !== undefined) {
      stream.destroy();
      return;
    }
    if (info.certificateName !== undefined) this.#certificateNames.set(stream, info.certificateName);
    const client = aedes.handle(stream, info.req);
    const guard = new MqttFrameGuard(this.#frameLimit());
    // aedes reads in paused mode; a 'data' listener then sees each chunk it reads, before parsing.
    stream.on('data', (chunk: Buffer) => {
      const verdict = guard.feed(chunk);
      if (verdict === 'ok') return;
      this.#log.warn(
        { clientId: client.id, transport: info.transport, verdict, declared: guard.declared },
        'connection dropped: packet too large or malformed',
      );
      stream.destroy();
    });
  }

  async #shutdown(): Promise<void> {
    this.#teardown ??= this.#closeAll();
    return this.#teardown;
  }

  async #closeAll(): Promise<void> {
    const deadline = startDeadline(this.#stopTimeoutMs);
    try {
      const closing = Promise.all(this.#listeners.map((l) => l.stopAccepting()));
      const aedes = this.#aedes;
      if (aedes !== undefined) {
        const closed = new Promise<void>((resolve) => {
          aedes.close(() => {
            resolve();
          });
        });
        if (!(await deadline.race(closed))) this.#log.warn('aedes did not close in time');
      }
      for (const l of this.#listeners) l.destroyConnections();
      if (!(await deadline.race(closing))) this.#log.warn('listeners did not close in time');
    } finally {
      deadline.cancel();
      this.#clients.clear();
      this.#listeners = [];
      this.#log.info('broker stopped');
    }
  }
}
