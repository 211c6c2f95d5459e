import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadDdsBinding } from '../../../bridges/ros2/dds/binding.js';
import { DdsTransport } from '../../../bridges/ros2/dds/transport.js';
import { cdrText, stringCdr } from '../../../bridges/ros2/transport-contract.js';
import { DEFAULT_QOS } from '../../../bridges/ros2/transport.js';
import {
  ensureCyclonePeers,
  hasCyclone,
  otherDomainId,
  prepareSocketBuffers,
  spawnPeer,
  testDomainId,
  uniqueTopic,
  type PeerProcess,
} from '../../helpers/cyclone.js';
import { startGateway, until, type TestGateway } from '../../helpers/gateway-harness.js';
import { createBroker, hasMosquitto, type TestBroker } from '../../helpers/peers.js';

/**
 * The ROS 2 bridge end to end on the dds backend: a Cyclone DDS C peer (ROS 2 wire: rt/ topics,
 * pkg::msg::dds_::Type_ types, ROS 2 default QoS) talks to the gateway, the gateway talks to a real
 * MQTT broker (mosquitto when installed, else the aedes sidecar process). All on loopback.
 */

const ready = hasCyclone() && loadDdsBinding().ok;
const title = ready
  ? 'ROS 2 bridge (dds backend) with a Cyclone DDS peer'
  : 'ROS 2 bridge with a Cyclone DDS peer (SKIPPED: needs cyclonedds-dev/-tools and the built addon; test/bootstrap.sh sets both up)';

const ros = (wire: string) => wire.slice(2); // rt/x -> /x

describe.skipIf(!ready)(title, () => {
  let broker: TestBroker;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    ensureCyclonePeers();
    prepareSocketBuffers();
    broker = await createBroker(hasMosquitto() ? 'mosquitto' : 'aedes');
    await broker.start();
  }, 120_000);
  afterAll(async () => {
    await broker.stop();
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function gateway(bridge: string): Promise<TestGateway> {
    const gw = await startGateway(
      `broker: { enabled: false }\nmqtt: { url: ${broker.url} }\nbridges:\n  - kind: ros2\n    id: robot\n    domain_id: ${testDomainId}\n    localhost_only: true\n${bridge}`,
    );
    cleanups.push(() => gw.stop());
    return gw;
  }

  async function client(topic: string, got: { topic: string; payload: Buffer }[]): Promise<MqttClient> {
    const c = await mqtt.connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 0 });
    cleanups.push(() => c.endAsync(true));
    c.on('message', (t, payload) => got.push({ topic: t, payload }));
    await c.subscribeAsync(topic, { qos: 1 });
    return c;
  }

  function peer(args: string[]): PeerProcess {
    const p = spawnPeer(args, { domainId: testDomainId });
    cleanups.push(() => p.stop());
    return p;
  }

  it('routes a ROS topic from the Cyclone talker to MQTT (JSON) and into context', async () => {
    const wire = uniqueTopic('chatter');
    const gw = await gateway(
      `    ingest:\n      - { topic: ${ros(wire)}, type: std_msgs/msg/String, ref: world/robot/chatter, field: data }\n    to_mqtt:\n      - { topic: ${ros(wire)}, type: std_msgs/msg/String, mqtt_topic: ros/chatter, mqtt_qos: 1 }\n`,
    );
    const got: { topic: string; payload: Buffer }[] = [];
    await client('ros/chatter', got);
    const talker = peer(['pub', '--type', 'string', '--topic', wire, '--count', '20', '--rate', '100']);
    expect(await talker.waitFor((e) => e.event === 'matched', 10_000)).toMatchObject({ count: 2 });
    await talker.waitFor((e) => e.event === 'done', 15_000);
    await until(
      () => got.length >= 20,
      10_000,
      () => `20 MQTT messages (got ${got.length})`,
    );
    expect(got.map((m) => JSON.parse(m.payload.toString()) as unknown)).toEqual(
      Array.from({ length: 20 }, (_, i) => ({ data: `seq ${i + 1}` })),
    );
    await until(() => gw.store.value('world/robot/chatter') === 'seq 20', 5000, 'the context value');
    const [c] = gw.store.contributionsOf('world/robot/chatter');
    expect(c?.contribution.provenance).toMatchObject({ source: `ros2:${ros(wire)}`, kind: 'ros2' });
  }, 60_000);

  it('routes MQTT (JSON) to a ROS topic the Cyclone listener reads', async () => {
    const wire = uniqueTopic('cmd_vel');
    await gateway(
      `    from_mqtt:\n      - { mqtt_topic: cmd/twist, topic: ${ros(wire)}, type: geometry_msgs/msg/Twist }\n`,
    );
    const listener = peer(['sub', '--type', 'twist', '--topic', wire, '--seconds', '30']);
    await listener.waitFor((e) => e.event === 'ready', 10_000);
    await listener.waitFor((e) => e.event === 'matched' && (e.count ?? 0) > 0, 10_000);
    const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 0 });
    cleanups.push(() => pub.endAsync(true));
    const send = (x: number) =>
      pub.publishAsync(
        'cmd/twist',
        JSON.stringify({ linear: { x, y: 0, z: 0 }, angular: { x: 0, y: 0, z: 0.5 } }),
        {
          qos: 1,
        },
      );
    // DDS discovery is two-sided: the listener seeing the writer does not mean the writer sees the
    // listener yet (a volatile sample written before that is not for it). Probe until one arrives.
    const got = () => listener.lines.filter((e) => e.event === 'recv');
    for (let i = 0; i < 100 && got().length === 0; i++) {
      await send(0);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (let i = 1; i <= 10; i++) await send(i);
    await listener.waitFor((e) => e.event === 'recv' && e.seq === 10, 15_000);
    expect(
      got()
        .map((e) => e.linear?.[0])
        .filter((x) => x !== 0),
    ).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
  }, 60_000);

  it('carries 1 MB images (fragmented) from ROS to MQTT as MessagePack with the bytes kept binary', async () => {
    const wire = uniqueTopic('image');
    await gateway(
      `    to_mqtt:\n      - { topic: ${ros(wire)}, type: sensor_msgs/msg/Image, mqtt_topic: ros/image, encoding: msgpack, mqtt_qos: 1 }\n`,
    );
    const got: { topic: string; payload: Buffer }[] = [];
    await client('ros/image', got);
    const camera = peer([
      'pub',
      '--type',
      'image',
      '--topic',
      wire,
      '--count',
      '5',
      '--rate',
      '10',
      '--size',
      '1000000',
    ]);
    await camera.waitFor((e) => e.event === 'done', 20_000);
    await until(
      () => got.length >= 5,
      15_000,
      () => `5 images (got ${got.length})`,
    );
    const { unpack } = await import('msgpackr');
    const images = got.map(
      (m) => unpack(m.payload) as { header: { frame_id: string }; width: number; data: Uint8Array },
    );
    expect(images.map((i) => i.header.frame_id)).toEqual(['seq 1', 'seq 2', 'seq 3', 'seq 4', 'seq 5']);
    expect(images.every((i) => i.data instanceof Uint8Array && i.data.byteLength === 1_000_000)).toBe(true);
  }, 60_000);

  it('takes best-effort traffic on a sensor_data route and survives the talker restarting', async () => {
    const wire = uniqueTopic('scan');
    const gw = await gateway(
      `    ingest:\n      - { topic: ${ros(wire)}, type: geometry_msgs/msg/Twist, ref: world/robot/twist, field: linear.x, qos: sensor_data }\n`,
    );
    const seen: number[] = [];
    gw.store.onChange(() => seen.push(gw.store.value('world/robot/twist') as number));
    const talk = () =>
      peer(['pub', '--type', 'twist', '--topic', wire, '--count', '50', '--rate', '50', '--best-effort']);
    // Best effort may lose a sample (and the first ones before the reader matches); it must never
    // reorder one talker's stream, and a new talker must be picked up.
    const first = talk();
    await first.waitFor((e) => e.event === 'done', 15_000);
    await until(
      () => seen.length >= 10,
      5000,
      () => `values from the first talker (seen ${seen.length})`,
    );
    await first.stop();
    const before = seen.length;
    const second = talk(); // a new process: new participant, new writer, same topic
    await second.waitFor((e) => e.event === 'done', 15_000);
    await until(
      () => seen.length >= before + 10,
      5000,
      () => `values after the restart (${seen.length - before})`,
    );
    const afterRestart = seen.slice(before);
    expect(afterRestart).toEqual([...afterRestart].sort((a, b) => a - b));
    expect(seen.slice(0, before)).toEqual(seen.slice(0, before).sort((a, b) => a - b));
  }, 60_000);

  it('keeps to its own ROS domain', async () => {
    const wire = uniqueTopic('elsewhere');
    const gw = await gateway(
      `    ingest:\n      - { topic: ${ros(wire)}, type: std_msgs/msg/String, ref: world/robot/elsewhere, field: data }\n`,
    );
    const other = spawnPeer(
      ['pub', '--type', 'string', '--topic', wire, '--count', '5', '--rate', '20', '--wait-match', '1500'],
      {
        domainId: otherDomainId(),
      },
    );
    cleanups.push(() => other.stop());
    expect(await other.waitFor((e) => e.event === 'matched', 10_000)).toMatchObject({ count: 0 });
    await other.waitFor((e) => e.event === 'done', 15_000);
    expect(gw.store.value('world/robot/elsewhere')).toBeUndefined();
  }, 60_000);

  it('speaks CXP on /cxp/preview, /cxp/diff, /cxp/in and /cxp/out (std_msgs/String JSON)', async () => {
    const gw = await gateway('');
    const transport = DdsTransport.load();
    if (!transport.ok) throw new Error(transport.error.message);
    const ros = transport.value.open({ domainId: testDomainId, localhostOnly: true });
    if (!ros.ok) throw new Error(ros.error.message);
    cleanups.push(() => {
      ros.value.close();
      return Promise.resolve();
    });
    const seen: {
      topic: string;
      m: { type: string; correlation_id?: string; status?: string; error?: { code: string } };
    }[] = [];
    const listen = (topic: string, qos = DEFAULT_QOS) => {
      const sub = ros.value.subscribe(topic, 'std_msgs/msg/String', qos, (s) => {
        seen.push({ topic, m: JSON.parse(cdrText(s.cdr)) as (typeof seen)[number]['m'] });
      });
      if (!sub.ok) throw new Error(sub.error.message);
      return sub.value;
    };
    const latched = { ...DEFAULT_QOS, durability: 'transient_local' as const, depth: 1 };
    listen('/cxp/preview', latched);
    const diffs = listen('/cxp/diff', { ...DEFAULT_QOS, depth: 100 });
    const out = listen('/cxp/out', { ...DEFAULT_QOS, depth: 100 });
    const inbox = ros.value.advertise('/cxp/in', 'std_msgs/msg/String', { ...DEFAULT_QOS, depth: 100 });
    if (!inbox.ok) throw new Error(inbox.error.message);
    await until(() => seen.some((e) => e.topic === '/cxp/preview'), 10_000, 'the latched PREVIEW');
    expect(seen.find((e) => e.topic === '/cxp/preview')?.m.type).toBe('CONTEXT_PREVIEW');
    await until(
      () => diffs.matched() > 0 && out.matched() > 0 && inbox.value.matched() > 0,
      10_000,
      'matched',
    );
    // Our readers matching the gateway's writers does not mean those writers see our readers yet
    // (discovery is two-sided): repeat until the first of each arrives, then check what arrived.
    for (let i = 0; i < 100 && !seen.some((e) => e.topic === '/cxp/diff'); i++) {
      gw.store.put({ ref: 'world/robot/mode', source: 'test', value: `auto-${i}` });
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen.find((e) => e.topic === '/cxp/diff')?.m.type).toBe('CONTEXT_DIFF');
    const request = {
      cxp_version: '1.0',
      type: 'CONTEXT_REQUEST',
      id: '01JROS2REQUEST0000000000001',
      source: { id: 'planner', kind: 'agent' },
      request: ['world/robot/mode'],
    };
    const replies = () => seen.filter((e) => e.topic === '/cxp/out').map((e) => e.m);
    for (let i = 0; i < 100 && replies().length === 0; i++) {
      inbox.value.publish(stringCdr(JSON.stringify(request)));
      await new Promise((r) => setTimeout(r, 100));
    }
    inbox.value.publish(stringCdr('{"cxp_version": "1.0", "type": "CONTEXT_REQUEST", "id": 5}'));
    await until(() => replies().some((m) => m.type === 'CONTEXT_ACK'), 10_000, 'the error reply');
    expect(replies()[0]).toMatchObject({ type: 'CONTEXT_EXPAND', correlation_id: request.id });
    // Replies come in request order: every EXPAND before the error reply to the later request.
    expect(replies().at(-1)).toMatchObject({
      type: 'CONTEXT_ACK',
      status: 'rejected',
      error: { code: 'MALFORMED_MESSAGE' },
    });
  }, 60_000);

  it('answers garbage with a coded error and a metric, and keeps working', async () => {
    const wire = uniqueTopic('raw');
    const gw = await gateway(
      `    ingest:\n      - { topic: ${ros(wire)}, type: std_msgs/msg/String, ref: world/robot/raw, field: data }\n    from_mqtt:\n      - { mqtt_topic: raw/in, topic: ${ros(wire)}, type: std_msgs/msg/String, encoding: cdr }\n      - { mqtt_topic: json/in, topic: ${ros(wire)}, type: std_msgs/msg/String }\n`,
    );
    // Truncated and garbage CDR straight onto the ROS topic, from a second DDS participant.
    const transport = DdsTransport.load();
    if (!transport.ok) throw new Error(transport.error.message);
    const other = transport.value.open({ domainId: testDomainId, localhostOnly: true });
    if (!other.ok) throw new Error(other.error.message);
    cleanups.push(() => {
      other.value.close();
      return Promise.resolve();
    });
    const raw = other.value.advertise(ros(wire), 'std_msgs/msg/String', DEFAULT_QOS);
    if (!raw.ok) throw new Error(raw.error.message);
    await until(() => raw.value.matched() > 0, 10_000, 'the gateway matched');
    raw.value.publish(Uint8Array.from([0, 1, 0, 0, 0xff, 0xff, 0xff, 0x7f, 65])); // length far past the end
    raw.value.publish(Uint8Array.from([0, 1, 0, 0, 1, 2])); // truncated
    // Garbage from MQTT is refused before it reaches ROS.
    const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 0 });
    cleanups.push(() => pub.endAsync(true));
    await pub.publishAsync('raw/in', Buffer.from('not cdr at all'), { qos: 1 });
    await pub.publishAsync('json/in', '{"data": 42}', { qos: 1 });
    await pub.publishAsync('json/in', '{oops', { qos: 1 });
    const errors = async (code: string) => {
      const m = await gw.metrics.errors.get();
      return m.values.filter((v) => v.labels.code === code).reduce((n, v) => n + v.value, 0);
    };
    let malformed = 0;
    let invalid = 0;
    await until(
      () => {
        void errors('MALFORMED_MESSAGE').then((n) => (malformed = n));
        void errors('INVALID_PARAMS').then((n) => (invalid = n));
        return malformed >= 4 && invalid >= 1;
      },
      10_000,
      () => `the errors counted (MALFORMED_MESSAGE ${malformed}, INVALID_PARAMS ${invalid})`,
    );
    // Still working: a good message goes through both ways.
    await pub.publishAsync('json/in', '{"data": "fine"}', { qos: 1 });
    await until(
      () => gw.store.value('world/robot/raw') === 'fine',
      10_000,
      'a good message after the bad ones',
    );
  }, 60_000);
});
