import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, until, type TestGateway } from '../../helpers/gateway-harness.js';
import { createBroker, hasMosquitto, type TestBroker } from '../../helpers/peers.js';

/**
 * Backpressure on the gateway's inbound MQTT traffic (house style §11), against mosquitto 2 and the
 * aedes sidecar process. A paused connection must stop taking messages (they stay with the broker,
 * unacknowledged at QoS 1) rather than buffer them somewhere unbounded; the bridge's `block` policy
 * pauses it when its queue fills and resumes when it has drained.
 */

const kinds = (['aedes', 'mosquitto'] as const).filter((k) => k === 'aedes' || hasMosquitto());

async function metric(gw: TestGateway, name: string, labels: string): Promise<number> {
  const text = await gw.metrics.registry.getSingleMetricAsString(name);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe.each(kinds)('inbound backpressure via %s', (kind) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function broker(): Promise<TestBroker> {
    const b = await createBroker(kind);
    cleanups.push(() => b.stop());
    await b.start();
    return b;
  }

  async function gateway(yaml: string): Promise<TestGateway> {
    const gw = await startGateway(yaml);
    cleanups.push(() => gw.stop());
    return gw;
  }

  async function publisher(b: TestBroker): Promise<MqttClient> {
    const c = await mqtt.connectAsync(b.url, { protocolVersion: 4, reconnectPeriod: 0 });
    cleanups.push(() => c.endAsync(true));
    return c;
  }

  it('takes no message while paused and every one, in order, after resuming', async () => {
    const b = await broker();
    const gw = await gateway(`broker: { enabled: false }\nmqtt: { url: ${b.url} }\n`);
    const got: number[] = [];
    gw.connection.subscribe('bp/seq', 1, (m) => {
      got.push(Number(Buffer.from(m.payload).toString()));
      // Pause from inside the first delivery: the next packet must not be handled.
      if (got.length === 1) gw.connection.pauseInbound('test');
    });
    await until(() => gw.connection.ready, 10_000, 'subscribed');
    const pub = await publisher(b);
    // 500 stays under mosquitto's default per-client queue (1,000), so the broker keeps them all.
    const total = 500;
    await Promise.all(
      Array.from({ length: total }, (_, i) => pub.publishAsync('bp/seq', String(i), { qos: 1 })),
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(got).toEqual([0]);
    expect(gw.connection.inboundPaused).toBe(true);
    gw.connection.resumeInbound('test');
    await until(() => got.length >= total, 10_000, 'every message after resume');
    expect(got).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(await metric(gw, 'cxp_edge_inbound_pauses_total', `connection="${gw.connection.name}"`)).toBe(1);
  }, 30_000);

  it('a bridge under the block policy pauses instead of dropping, and loses nothing', async () => {
    const b = await broker();
    // Capacity 1: every message fills the queue, so the connection pauses on each one until the
    // bridge has applied it. A bridge that buffered instead would have to drop under this capacity.
    const gw = await gateway(
      `broker: { enabled: false }\nmqtt: { url: ${b.url} }\nbridges:\n  - kind: mqtt\n    id: field\n    queue: { capacity: 1, policy: block }\n    ingest:\n      - { filter: "bp/+", ref: "world/bp/{1}", field: v }\n`,
    );
    const pub = await publisher(b);
    const total = 900;
    const topics = 10;
    await Promise.all(
      Array.from({ length: total }, (_, i) =>
        pub.publishAsync(`bp/s${i % topics}`, JSON.stringify({ v: i }), { qos: 1 }),
      ),
    );
    const route = 'route="mqtt_bridge:field"';
    let seen = 0;
    await until(
      () => {
        void metric(gw, 'cxp_edge_messages_in_total', `${route},kind="mqtt"`).then((n) => (seen = n));
        return seen >= total;
      },
      20_000,
      'every message taken in',
    );
    expect(seen).toBe(total);
    expect(await metric(gw, 'cxp_edge_messages_dropped_total', `${route},reason="queue_full"`)).toBe(0);
    // The bridge reads on a connection of its own; the gateway's connection never paused.
    expect(
      await metric(gw, 'cxp_edge_inbound_pauses_total', 'connection="mqtt:bridge-field"'),
    ).toBeGreaterThan(0);
    expect(await metric(gw, 'cxp_edge_inbound_pauses_total', 'connection="mqtt"')).toBe(0);
    await until(() => gw.store.size >= topics, 5000, 'every ref present');
    // The last value on each topic wins: nothing reordered, nothing left in the queue.
    await until(
      () =>
        Array.from({ length: topics }, (_, s) => gw.store.value(`world/bp/s${s}`)).every(
          (v, s) => v === total - topics + s,
        ),
      5000,
      'the last value of every topic',
    );
  }, 60_000);

  it('the drop policies keep reading and count what they discard (capacity 1, same traffic)', async () => {
    const b = await broker();
    const gw = await gateway(
      `broker: { enabled: false }\nmqtt: { url: ${b.url} }\nbridges:\n  - kind: mqtt\n    id: field\n    queue: { capacity: 1, policy: drop-oldest }\n    ingest:\n      - { filter: "bp/+", ref: "world/bp/{1}", field: v }\n`,
    );
    const pub = await publisher(b);
    const total = 900;
    await Promise.all(
      Array.from({ length: total }, (_, i) =>
        pub.publishAsync(`bp/s${i % 10}`, JSON.stringify({ v: i }), { qos: 1 }),
      ),
    );
    const route = 'route="mqtt_bridge:field"';
    let seen = 0;
    await until(
      () => {
        void metric(gw, 'cxp_edge_messages_in_total', `${route},kind="mqtt"`).then((n) => (seen = n));
        return seen >= total;
      },
      20_000,
      'every message taken in',
    );
    expect(await metric(gw, 'cxp_edge_inbound_pauses_total', 'connection="mqtt:bridge-field"')).toBe(0);
  }, 60_000);
});
