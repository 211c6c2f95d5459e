import { describe, expect, it } from 'vitest';
import { CxpError } from '../../../src/cxp/errors.js';
import {
  checkBrokerConfig,
  checkBrokerSecurity,
  isLoopbackHost,
  parseBrokerConfig,
  type BrokerConfig,
} from './config.js';

const withDefaults = (input: Record<string, unknown> = {}): BrokerConfig => parseBrokerConfig(input);

function parseError(input: unknown): CxpError {
  try {
    parseBrokerConfig(input);
  } catch (err) {
    if (err instanceof CxpError) return err;
    throw err;
  }
  throw new Error('expected parseBrokerConfig to throw');
}

describe('BrokerConfig defaults', () => {
  it('fills every default from the schema', () => {
    expect(withDefaults()).toEqual({
      enabled: true,
      host: '127.0.0.1',
      port: 1883,
      websocket: { enabled: false, host: '127.0.0.1', port: 8083, path: '/mqtt' },
      tls: { enabled: false, host: '127.0.0.1', port: 8883, require_client_cert: false },
      allow_anonymous: true,
      anonymous_acl: { publish: ['#'], subscribe: ['#'] },
      users: [],
      max_payload_bytes: 1_048_576,
      max_clients: 256,
    });
  });

  it('fills user defaults and keeps given values', () => {
    const cfg = withDefaults({ users: [{ username: 'u', password_env: 'U' }], websocket: { port: 0 } });
    expect(cfg.users).toEqual([{ username: 'u', password_env: 'U', publish: [], subscribe: [] }]);
    expect(cfg.websocket).toEqual({ enabled: false, host: '127.0.0.1', port: 0, path: '/mqtt' });
  });

  it('does not modify its input', () => {
    const input = { websocket: {} };
    withDefaults(input);
    expect(input).toEqual({ websocket: {} });
  });
});

describe('parseBrokerConfig errors', () => {
  it.each([
    ['an unknown key', { colour: 'blue' }],
    ['an unknown nested key', { tls: { certfile: 'x' } }],
    ['a port out of range', { port: 70_000 }],
    ['a wrong type', { allow_anonymous: 'yes' }],
    ['a user without name', { users: [{ password_env: 'X' }] }],
    ['not an object', 42],
  ])('rejects %s with INVALID_CONFIG', (_name, input) => {
    const err = parseError(input);
    expect(err.code).toBe('INVALID_CONFIG');
    expect(err.details.problems).toEqual(expect.arrayContaining([expect.any(String)]));
  });

  it('reports every consistency problem together', () => {
    const err = parseError({
      users: [
        { username: 'a', publish: ['x/#/y'] },
        { username: 'a', password_env: 'A', password_file: '/a' },
        { username: 'anonymous', password_env: 'X', subscribe: ['ok/+', 'bad+'] },
      ],
      anonymous_acl: { publish: ['#/x'] },
    });
    expect(err.details.problems).toEqual([
      'users[0] (a): give exactly one of password_file and password_env',
      'users[0] (a).publish: "x/#/y" is not a valid MQTT topic filter',
      'users[1] (a): give exactly one of password_file and password_env',
      'users[1] (a): duplicate username',
      'users[2] (anonymous): the username "anonymous" is reserved',
      'users[2] (anonymous).subscribe: "bad+" is not a valid MQTT topic filter',
      'anonymous_acl.publish: "#/x" is not a valid MQTT topic filter',
    ]);
  });

  it('accepts a consistent configuration', () => {
    expect(checkBrokerConfig(withDefaults({ users: [{ username: 'u', password_file: '/s' }] }))).toEqual([]);
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['127.255.255.255', true],
    ['localhost', true],
    ['LOCALHOST', true],
    ['::1', true],
    ['[::1]', true],
    ['0:0:0:0:0:0:0:1', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.10', false],
    ['128.0.0.1', false],
    ['127.0.0.256', false],
    ['127.0.0', false],
    ['127.0.0.1.example.com', false],
    ['localhost.example.com', false],
    ['::ffff:10.0.0.1', false],
    ['', false],
  ])('%j → %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});

describe('checkBrokerSecurity', () => {
  const users = { allow_anonymous: false, users: [{ username: 'u', password_env: 'U' }] };

  it('accepts the default loopback configuration', () => {
    expect(checkBrokerSecurity(withDefaults())).toEqual([]);
  });

  it.each([
    ['tcp', { host: '0.0.0.0' }],
    ['websocket', { websocket: { enabled: true, host: '::' } }],
    ['tls', { tls: { enabled: true, host: '10.0.0.5', cert_file: '/c', key_file: '/k' } }],
  ])('refuses an anonymous %s listener on another interface', (name, input) => {
    expect(checkBrokerSecurity(withDefaults(input))).toEqual([
      expect.stringMatching(
        new RegExp(`^${name} listener on .* is not loopback while allow_anonymous is true`),
      ),
    ]);
    expect(checkBrokerSecurity(withDefaults({ ...input, ...users }))).toEqual([]);
  });

  it('ignores a disabled listener on another interface', () => {
    expect(checkBrokerSecurity(withDefaults({ websocket: { enabled: false, host: '0.0.0.0' } }))).toEqual([]);
  });

  it('has nothing to say about a disabled broker', () => {
    expect(checkBrokerSecurity(withDefaults({ enabled: false, host: '0.0.0.0' }))).toEqual([]);
  });

  it('requires the TLS certificate, key and, for client certificates, a CA', () => {
    const cfg = withDefaults({ tls: { enabled: true, require_client_cert: true } });
    expect(checkBrokerSecurity(cfg)).toEqual([
      'tls is enabled without tls.cert_file',
      'tls is enabled without tls.key_file',
      expect.stringContaining('tls.require_client_cert needs tls.ca_file'),
    ]);
  });
});
