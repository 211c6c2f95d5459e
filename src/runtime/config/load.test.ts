import { describe, expect, it } from 'vitest';
import { createPluginRegistry } from '../registry.js';
import { loadConfig } from './load.js';

const load = (text: string, env: Record<string, string> = {}) =>
  loadConfig({ text, env, hostname: 'edge box #1', plugins: createPluginRegistry() });

describe('loadConfig', () => {
  it('fills every default, derives the gateway id from the host name and freezes the result', () => {
    const r = load('');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.gateway.id).toBe('edge-box--1');
    expect(r.config.broker).toMatchObject({
      enabled: true,
      host: '127.0.0.1',
      port: 1883,
      allow_anonymous: true,
    });
    expect(r.config.http).toEqual({ enabled: true, host: '127.0.0.1', port: 9464 });
    expect(r.config.mqtt.reconnect).toEqual({ initial_ms: 500, max_ms: 30_000, jitter: 0.2 });
    expect(r.config.cxp.encoding).toBe('json');
    expect(Object.isFrozen(r.config.mqtt.reconnect)).toBe(true);
  });

  it('reports every problem at once, with paths, including unknown keys and plugin kinds', () => {
    const r = load(
      'http: { port: 70000, prot: 1 }\nmqtt: { keepalive_s: two }\nbridges: [{ kind: teleporter, id: t1 }]\n',
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => i.path).sort()).toEqual([
      '/bridges/0/kind',
      '/http/port',
      '/http/prot',
      '/mqtt/keepalive_s',
    ]);
  });

  it('validates plugin entries with their own schema and refuses duplicate ids', () => {
    const r = load(
      'bridges:\n  - { kind: mqtt, id: a, ingest: [{ filter: x, refx: y }] }\n  - { kind: mqtt, id: a }\n',
    );
    expect(r.ok ? [] : r.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['/bridges/0/ingest/0/refx', '/bridges/0/ingest/0/ref', '/bridges/1/id']),
    );
  });

  it('runs the plugin checks the schema cannot express', () => {
    const r = load(
      'bridges:\n  - { kind: mqtt, id: f, ingest: [{ filter: "a/#/b", ref: "robots/{1}" }], export: [{ ref: "world/**", topic: "out/{name}/#" }] }\n',
    );
    expect(r.ok ? [] : r.issues.map((i) => i.path).sort()).toEqual([
      '/bridges/0/export/0/topic',
      '/bridges/0/ingest/0/filter',
      '/bridges/0/ingest/0/ref',
    ]);
  });

  it('applies CXP_EDGE_* overrides as YAML scalars and reports bad ones', () => {
    const r = load('http: { port: 1 }\n', {
      CXP_EDGE_HTTP__PORT: '9500',
      CXP_EDGE_GATEWAY__ID: 'gw-7',
      CXP_EDGE_MQTT__RECONNECT__JITTER: '0.5',
      OTHER: 'x',
    });
    expect(r.ok && [r.config.http.port, r.config.gateway.id, r.config.mqtt.reconnect.jitter]).toEqual([
      9500,
      'gw-7',
      0.5,
    ]);
    const bad = load('bridges: []\n', { CXP_EDGE_BRIDGES__X: '1' });
    expect(bad.ok ? [] : bad.issues[0]?.message).toMatch(/not a section/);
    const malformed = load('', { CXP_EDGE_HTTP____PORT: '1' });
    expect(malformed.ok ? [] : malformed.issues[0]?.message).toMatch(/malformed/);
  });

  it('refuses insecure and inconsistent setups', () => {
    const open = load('broker: { host: 0.0.0.0 }\n');
    expect(open.ok ? [] : open.issues.map((i) => i.path)).toEqual(['/broker']);
    const noUrl = load('broker: { enabled: false }\n');
    expect(noUrl.ok ? [] : noUrl.issues.map((i) => i.path)).toEqual(['/mqtt/url']);
    const backoff = load('mqtt: { reconnect: { initial_ms: 5000, max_ms: 1000 } }\n');
    expect(backoff.ok ? [] : backoff.issues.map((i) => i.path)).toEqual(['/mqtt/reconnect/max_ms']);
  });

  it('reports YAML syntax errors and non-mapping documents', () => {
    expect(load('a: [1,\n').ok).toBe(false);
    const list = load('- 1\n');
    expect(list.ok ? [] : list.issues).toEqual([{ path: '/', message: 'the config must be a mapping' }]);
  });
});
