import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { CxpError } from '../../../src/cxp/errors.js';
import { SchemaChecker } from '../../../src/cxp/validate.js';
import { isValidTopicFilter } from './acl.js';

/** Configuration of the embedded MQTT broker (aedes). Defaults are in the schema (`Value.Default`). */

/** The principal name of a client that connected without credentials; no user may take it. */
export const ANONYMOUS = 'anonymous';

const LOOPBACK_HOST = '127.0.0.1';

const Host = (description: string) =>
  Type.String({ minLength: 1, maxLength: 253, default: LOOPBACK_HOST, description });

const Port = (port: number, description: string) =>
  Type.Integer({ minimum: 0, maximum: 65_535, default: port, description: `${description} 0 = ephemeral.` });

const FilePath = (description: string) => Type.String({ minLength: 1, maxLength: 4096, description });

const TopicFilters = (defaults: string[], description: string) =>
  Type.Array(Type.String({ minLength: 1, maxLength: 65_535 }), {
    maxItems: 1024,
    default: defaults,
    description,
  });

export const BrokerWebSocketConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'Serve MQTT over WebSocket.' }),
    host: Host('Interface the WebSocket listener binds to.'),
    port: Port(8083, 'WebSocket port.'),
    path: Type.String({ pattern: '^/', maxLength: 1024, default: '/mqtt', description: 'HTTP path.' }),
  },
  { additionalProperties: false, default: {}, description: 'MQTT over WebSocket listener.' },
);

export const BrokerTlsConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'Serve MQTT over TLS.' }),
    host: Host('Interface the TLS listener binds to.'),
    port: Port(8883, 'TLS port.'),
    cert_file: Type.Optional(FilePath('PEM server certificate (chain).')),
    key_file: Type.Optional(FilePath('PEM private key of the server certificate.')),
    ca_file: Type.Optional(FilePath('PEM CA bundle that client certificates must chain to.')),
    require_client_cert: Type.Boolean({
      default: false,
      description:
        'Require a client certificate signed by ca_file; its subject CN authenticates as the user of that name.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'MQTT over TLS listener.' },
);

export const BrokerAclConfig = Type.Object(
  {
    publish: TopicFilters(['#'], 'Topic filters anonymous clients may publish to.'),
    subscribe: TopicFilters(['#'], 'Topic filters that bound what anonymous clients may subscribe to.'),
  },
  { additionalProperties: false, default: {}, description: 'Access list of anonymous clients.' },
);

export const BrokerUserConfig = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 256, description: 'MQTT username (the principal).' }),
    password_file: Type.Optional(FilePath('File holding the password (exactly one of _file/_env).')),
    password_env: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'Environment variable holding the password.',
      }),
    ),
    publish: TopicFilters([], 'Topic filters (+ and #) this user may publish to.'),
    subscribe: TopicFilters([], 'Topic filters that bound what this user may subscribe to.'),
  },
  { additionalProperties: false, description: 'A broker user with its access list.' },
);
export type BrokerUserConfig = Static<typeof BrokerUserConfig>;

export const BrokerConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Run the embedded broker.' }),
    host: Host('Interface the MQTT/TCP listener binds to.'),
    port: Port(1883, 'MQTT/TCP port.'),
    websocket: BrokerWebSocketConfig,
    tls: BrokerTlsConfig,
    allow_anonymous: Type.Boolean({
      default: true,
      description: 'Accept clients without credentials (only allowed when every listener is loopback).',
    }),
    anonymous_acl: BrokerAclConfig,
    users: Type.Array(BrokerUserConfig, { maxItems: 1024, default: [], description: 'Authenticated users.' }),
    max_payload_bytes: Type.Integer({
      minimum: 0,
      maximum: 256 * 1024 * 1024,
      default: 1_048_576,
      description: 'Largest PUBLISH payload accepted; larger ones are refused and the client disconnected.',
    }),
    max_clients: Type.Integer({
      minimum: 1,
      maximum: 100_000,
      default: 256,
      description: 'Most clients connected at once; more get CONNACK 3 (server unavailable).',
    }),
  },
  { additionalProperties: false, title: 'BrokerConfig', description: 'The embedded MQTT broker.' },
);
export type BrokerConfig = Static<typeof BrokerConfig>;

const IPV4_LOOPBACK = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * Whether a bind address is loopback-only: localhost, 127.0.0.0/8, ::1 (also IPv4-mapped). Any
 * other spelling counts as not loopback, so an unusual form can only cause a refusal, never a hole.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = IPV4_LOOPBACK.exec(h.replace(/^::ffff:/, ''));
  return v4 !== null && v4.slice(1).every((octet) => Number(octet) <= 255);
}

interface ListenerView {
  name: string;
  host: string;
}

function enabledListeners(cfg: BrokerConfig): ListenerView[] {
  const out: ListenerView[] = [{ name: 'tcp', host: cfg.host }];
  if (cfg.websocket.enabled) out.push({ name: 'websocket', host: cfg.websocket.host });
  if (cfg.tls.enabled) out.push({ name: 'tls', host: cfg.tls.host });
  return out;
}

/** Problems that make the configuration unsafe to start; empty when it may start. */
export function checkBrokerSecurity(cfg: BrokerConfig): string[] {
  if (!cfg.enabled) return [];
  const problems: string[] = [];
  for (const l of enabledListeners(cfg)) {
    if (cfg.allow_anonymous && !isLoopbackHost(l.host)) {
      problems.push(
        `${l.name} listener on ${l.host} is not loopback while allow_anonymous is true: set allow_anonymous: false and configure users, or bind it to 127.0.0.1`,
      );
    }
  }
  const tls = cfg.tls;
  if (tls.enabled && tls.cert_file === undefined) problems.push('tls is enabled without tls.cert_file');
  if (tls.enabled && tls.key_file === undefined) problems.push('tls is enabled without tls.key_file');
  if (tls.enabled && tls.require_client_cert && tls.ca_file === undefined) {
    problems.push(
      'tls.require_client_cert needs tls.ca_file: without it any certificate from a public CA would authenticate',
    );
  }
  return problems;
}

function checkFilters(where: string, filters: readonly string[]): string[] {
  return filters
    .filter((f) => !isValidTopicFilter(f))
    .map((f) => `${where}: ${JSON.stringify(f.slice(0, 128))} is not a valid MQTT topic filter`);
}

function checkUser(user: BrokerUserConfig, index: number, seen: Set<string>): string[] {
  const where = `users[${index}] (${user.username})`;
  const problems: string[] = [];
  if ((user.password_file === undefined) === (user.password_env === undefined)) {
    problems.push(`${where}: give exactly one of password_file and password_env`);
  }
  if (user.username === ANONYMOUS) problems.push(`${where}: the username "${ANONYMOUS}" is reserved`);
  if (seen.has(user.username)) problems.push(`${where}: duplicate username`);
  seen.add(user.username);
  problems.push(...checkFilters(`${where}.publish`, user.publish));
  problems.push(...checkFilters(`${where}.subscribe`, user.subscribe));
  return problems;
}

/** Consistency problems the schema cannot express (secret references, filters, names). */
export function checkBrokerConfig(cfg: BrokerConfig): string[] {
  const seen = new Set<string>();
  return [
    ...cfg.users.flatMap((user, i) => checkUser(user, i, seen)),
    ...checkFilters('anonymous_acl.publish', cfg.anonymous_acl.publish),
    ...checkFilters('anonymous_acl.subscribe', cfg.anonymous_acl.subscribe),
  ];
}

/** A coded refusal that lists every problem in `details.problems`. */
export function configError(
  code: 'INVALID_CONFIG' | 'INSECURE_CONFIG',
  summary: string,
  problems: string[],
): CxpError {
  return new CxpError(code, `${summary}: ${problems.join('; ')}`, { details: { problems } });
}

const checker = new SchemaChecker(BrokerConfig);

/**
 * Fills defaults, validates against the schema and the consistency rules, and returns the config.
 * Throws INVALID_CONFIG with every problem in `details.problems`. Security is checked at start.
 */
export function parseBrokerConfig(input: unknown): BrokerConfig {
  const value: unknown = Value.Default(BrokerConfig, Value.Clone(input));
  if (!checker.check(value)) {
    const problems = checker.issues(value).map((i) => `${i.path}: ${i.message}`);
    throw configError('INVALID_CONFIG', 'invalid broker config', problems);
  }
  const problems = checkBrokerConfig(value);
  if (problems.length > 0) throw configError('INVALID_CONFIG', 'invalid broker config', problems);
  return value;
}
