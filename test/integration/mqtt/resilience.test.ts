import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, until, type TestGateway } from '../../helpers/gateway-harness.js';
import { createBroker, hasMosquitto, type TestBroker } from '../../helpers/peers.js';
import { createTcpGate } from '../../helpers/tcp-gate.js';

/**
 * The gateway against brokers that die, restart, refuse and flood: mosquitto 2 and the aedes
 * sidecar process, killed with SIGKILL and restarted on the same port.
 */

const kinds = (['aedes', 'mosquitto'] as const).filter((k) => k === 'aedes' || hasMosquitto());

/** Distinct payloads in order of first arrival (QoS 1 may repeat a message; it must not reorder). */
function firstArrivals(received: string[]): number[] {
  const seen = new Set<string>();
  const out: number[] = [];
  for (const r of received) {
    if (seen.has(r)) continue;
    seen.add(r);
    out.push(Number(r));
  }
  return out;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe.each(kinds)('gateway resilience via %s', (kind) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function broker(users: Parameters<typeof createBroker>[1] = []): Promise<TestBroker> {
    const b = await createBroker(kind, users);
    cleanups.push(() => b.stop());
    return b;
  }

  async function gateway(
    yaml: string,
    options: Parameters<typeof startGateway>[1] = {},
  ): Promise<TestGateway> {
    const gw = await startGateway(yaml, options);
    cleanups.push(() => gw.stop());
    return gw;
  }

  /** A clean-session subscriber that resubscribes after every reconnect; `subscriptions()` counts them. */
  async function subscriber(
    b: TestBroker,
    topic: string,
    received: string[],
  ): Promise<MqttClient & { subscriptions(): number }> {
    const c = await mqtt.connectAsync(b.url, {
      protocolVersion: 4,
      reconnectPeriod: 50,
      clean: true,
      resubscribe: false,
    });
    cleanups.push(() => c.endAsync(true));
    let subscriptions = 0;
    c.on('message', (_t, payload) => received.push(payload.toString()));
    c.on('connect', () => {
      c.subscribeAsync(topic, { qos: 1 }).then(
        () => (subscriptions += 1),
        () => undefined,
      );
    });
    await c.subscribeAsync(topic, { qos: 1 });
    subscriptions += 1;
    return Object.assign(c, { subscriptions: () => subscriptions });
  }

  it('loses and reorders nothing when the broker is killed (SIGKILL) and restarted mid-stream', async () => {
    const b = await broker();
    await b.start();
    const received: string[] = [];
    const sub = await subscriber(b, 'seq/test', received);
    // The gateway reaches the broker through a gate the test controls: after the restart it may
    // reconnect only once the clean-session test subscriber has resubscribed. Otherwise the broker
    // would rightly discard messages that arrive before anyone subscribes, and the test would
    // measure a race rather than the gateway.
    const gate = await createTcpGate(b.port);
    cleanups.push(() => gate.stop());
    const gw = await gateway(
      `broker: { enabled: false }\nmqtt: { url: ${gate.url}, reconnect: { initial_ms: 200, max_ms: 1000 } }\n`,
    );
    for (const i of range(0, 500)) gw.connection.publish('seq/test', String(i), { qos: 1 });
    await until(() => new Set(received).size >= 500, 15_000, 'first half');
    await b.kill();
    gate.shut();
    // These are accepted while the broker is dead: queued on disk, delivered after it returns.
    for (const i of range(500, 1000)) gw.connection.publish('seq/test', String(i), { qos: 1 });
    const subscribedBefore = sub.subscriptions();
    await b.start();
    await until(() => sub.subscriptions() > subscribedBefore, 10_000, 'subscriber back and subscribed');
    gate.open();
    const missing = () => {
      const got = new Set(received);
      const lost = range(0, 1000).filter((i) => !got.has(String(i)));
      return `all 1000 messages (${lost.length} missing, first ${lost.slice(0, 5).join(', ')})`;
    };
    await until(() => new Set(received).size >= 1000, 30_000, missing);
    expect(firstArrivals(received)).toEqual(range(0, 1000));
    const reconnects = await gw.metrics.registry.getSingleMetricAsString('cxp_edge_reconnects_total');
    expect(reconnects).toMatch(/cxp_edge_reconnects_total\{connection="mqtt"\} [1-9]/);
  }, 60_000);

  it('delivers store-and-forward data queued before a gateway restart, in order', async () => {
    const b = await broker();
    const stateDir = mkdtempSync(join(tmpdir(), 'cxp-sf-'));
    cleanups.push(() => {
      rmSync(stateDir, { recursive: true, force: true });
      return Promise.resolve();
    });
    const yaml = `broker: { enabled: false }\nmqtt: { url: ${b.url}, reconnect: { initial_ms: 200, max_ms: 1000 } }\n`;
    const first = await startGateway(yaml, { stateDir, waitReady: false });
    for (const i of range(0, 300)) first.connection.publish('sf/test', String(i), { qos: 1 });
    await first.stop();
    await b.start();
    const received: string[] = [];
    await subscriber(b, 'sf/test', received);
    await gateway(yaml, { stateDir });
    await until(() => new Set(received).size >= 300, 20_000, 'queued messages after restart');
    expect(firstArrivals(received)).toEqual(range(0, 300));
  }, 60_000);

  it('is refused with bad credentials and kept to its topics by the broker ACL', async () => {
    const users = [
      { username: 'gateway', password: 'gw-secret', topics: ['cxp/v1/#'] },
      { username: 'planner', password: 'pl-secret', topics: ['cxp/v1/+/in/planner', 'cxp/v1/+/out/planner'] },
    ];
    const b = await broker(users);
    await b.start();
    const dir = mkdtempSync(join(tmpdir(), 'cxp-pw-'));
    cleanups.push(() => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    });
    writeFileSync(join(dir, 'pw'), 'gw-secret\n');
    const gw = await gateway(
      `broker: { enabled: false }\nmqtt: { url: ${b.url}, username: gateway, password_file: ${join(dir, 'pw')}, reconnect: { initial_ms: 100, max_ms: 500 } }\n`,
    );
    await expect(
      mqtt.connectAsync(b.url, {
        protocolVersion: 4,
        username: 'planner',
        password: 'wrong',
        reconnectPeriod: 0,
      }),
    ).rejects.toThrow();
    const planner = await mqtt.connectAsync(b.url, {
      protocolVersion: 4,
      username: 'planner',
      password: 'pl-secret',
      reconnectPeriod: 0,
    });
    cleanups.push(() => planner.endAsync(true));
    const inbox: string[] = [];
    planner.on('message', (topic) => inbox.push(topic));
    await planner.subscribeAsync(`cxp/v1/${gw.id}/out/planner`, { qos: 1 });
    const request = (id: string) =>
      JSON.stringify({ cxp_version: '1.0', type: 'CONTEXT_REQUEST', id, request: ['world/**'] });
    // Not its own request topic: the broker drops it (aedes also closes the connection).
    planner.publish(`cxp/v1/${gw.id}/in/someone-else`, request('forged'), { qos: 0 });
    await new Promise((r) => setTimeout(r, 300));
    const ok = planner.connected
      ? planner
      : await mqtt.connectAsync(b.url, {
          protocolVersion: 4,
          username: 'planner',
          password: 'pl-secret',
          reconnectPeriod: 0,
        });
    if (ok !== planner) {
      cleanups.push(() => ok.endAsync(true));
      ok.on('message', (topic) => inbox.push(topic));
      await ok.subscribeAsync(`cxp/v1/${gw.id}/out/planner`, { qos: 1 });
    }
    await ok.publishAsync(`cxp/v1/${gw.id}/in/planner`, request('mine'), { qos: 1 });
    await until(() => inbox.length > 0, 5000, 'reply to the planner');
    expect(inbox).toEqual([`cxp/v1/${gw.id}/out/planner`]);
    const answered = await gw.metrics.registry.getSingleMetricAsString('cxp_edge_messages_in_total');
    expect(answered).toMatch(/kind="CONTEXT_REQUEST"\} 1\b/);
  }, 30_000);

  it('keeps memory bounded under a 10,000-message burst and counts what it drops', async () => {
    const b = await broker();
    await b.start();
    const gw = await gateway(
      `broker: { enabled: false }\nmqtt: { url: ${b.url} }\nbridges:\n  - kind: mqtt\n    id: field\n    queue: { capacity: 100, policy: drop-oldest }\n    ingest:\n      - { filter: "burst/+", ref: "world/burst/{1}" }\n`,
    );
    const pub = await mqtt.connectAsync(b.url, { protocolVersion: 4, reconnectPeriod: 0 });
    cleanups.push(() => pub.endAsync(true));
    const heapBefore = process.memoryUsage().heapUsed;
    const payload = JSON.stringify({ pad: 'x'.repeat(200) });
    for (let i = 0; i < 10_000; i++) pub.publish(`burst/s${i % 50}`, payload, { qos: 0 });
    await new Promise<void>((resolve) =>
      pub.publish('burst/last', '1', { qos: 1 }, () => {
        resolve();
      }),
    );
    const counted = async () => {
      const text = await gw.metrics.registry.getSingleMetricAsString('cxp_edge_messages_in_total');
      return Number(/route="mqtt_bridge:field",kind="mqtt"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    let seen = 0;
    await until(
      () => {
        void counted().then((n) => (seen = n));
        return seen >= 10_001;
      },
      20_000,
      'every message counted in',
    );
    const dropped = await gw.metrics.registry.getSingleMetricAsString('cxp_edge_messages_dropped_total');
    const drops = Number(/route="mqtt_bridge:field",reason="queue_full"\} (\d+)/.exec(dropped)?.[1] ?? 0);
    expect(drops).toBeGreaterThan(0);
    expect(gw.store.size).toBeLessThanOrEqual(51);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1024 * 1024);
  }, 60_000);
});
