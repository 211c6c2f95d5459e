import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/cxp/clock.js';
import { IdGenerator } from '../../../src/cxp/ids.js';
import { decodeMessage, encodeMessage, MessageFactory } from '../../../src/cxp/message.js';
import type { CxpMessage, MessageOf } from '../../../src/cxp/schema/index.js';
import { ContextReplica } from '../../../src/context/sparse/replica.js';
import { ContextStore } from '../../../src/context/store.js';
import { validatorFor } from '../../helpers/ajv.js';
import { startGateway, until, type TestGateway } from '../../helpers/gateway-harness.js';
import { createBroker, hasMosquitto, type TestBroker } from '../../helpers/peers.js';

/**
 * CXP over MQTT against real brokers: mosquitto 2 (Debian) and the aedes sidecar in its own
 * process. The gateway connects to them as it would to any external broker.
 */

const kinds = (['aedes', 'mosquitto'] as const).filter((k) => k === 'aedes' || hasMosquitto());
if (!hasMosquitto()) {
  // test/bootstrap.sh installs mosquitto; without it only the aedes half can run.
  console.warn('mosquitto is not installed: the mosquitto half of these tests is skipped');
}

describe.each(kinds)('CXP over MQTT via %s', (kind) => {
  let broker: TestBroker;
  let gw: TestGateway | undefined;
  const clients: MqttClient[] = [];
  const protocolVersion = kind === 'aedes' ? 4 : 5;

  beforeAll(async () => {
    broker = await createBroker(kind);
    await broker.start();
  });
  afterAll(async () => {
    await broker.stop();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await gw?.stop();
    gw = undefined;
  });

  const gatewayYaml = (extra = '', cxp = 'cxp: { preview_min_interval_ms: 0 }\n') =>
    `broker: { enabled: false }\nmqtt: { url: ${broker.url}, reconnect: { initial_ms: 100, max_ms: 1000 } }\n${cxp}${extra}`;

  async function client(): Promise<{
    c: MqttClient;
    inbox: { topic: string; payload: Buffer; correlation?: Buffer }[];
  }> {
    const c = await mqtt.connectAsync(broker.url, { protocolVersion, reconnectPeriod: 0 });
    clients.push(c);
    const inbox: { topic: string; payload: Buffer; correlation?: Buffer }[] = [];
    c.on('message', (topic, payload, packet) => {
      const correlation = packet.properties?.correlationData;
      inbox.push(correlation ? { topic, payload, correlation } : { topic, payload });
    });
    return { c, inbox };
  }

  const decoded = (payload: Buffer): CxpMessage => {
    const r = decodeMessage(payload, { encoding: payload[0] === 0x7b ? 'json' : 'msgpack' });
    if (!r.ok) throw r.error;
    return r.message;
  };

  it('publishes retained status and preview, and answers PREVIEW -> REQUEST -> EXPAND', async () => {
    gw = await startGateway(gatewayYaml());
    gw.store.put({ ref: 'world/cell-1/temperature', source: 'sensor', value: 21.5 });
    const { c, inbox } = await client();
    await c.subscribeAsync(`cxp/v1/${gw.id}/#`, { qos: 1 });
    await until(
      () => inbox.some((m) => m.topic.endsWith('/status') && m.payload.toString() === 'online'),
      5000,
      'status',
    );
    await until(
      () => inbox.some((m) => m.topic.endsWith('/preview') && decoded(m.payload).type === 'CONTEXT_PREVIEW'),
      5000,
      'preview',
    );
    const request = {
      cxp_version: '1.0',
      type: 'CONTEXT_REQUEST',
      id: 'req-1',
      source: { id: 'tester', kind: 'agent' },
      request: ['world/**', 'world/none'],
    };
    await c.publishAsync(`cxp/v1/${gw.id}/in`, JSON.stringify(request), { qos: 1 });
    await until(() => inbox.some((m) => m.topic.endsWith('/out/tester')), 5000, 'expand');
    const expand = decoded(
      inbox.find((m) => m.topic.endsWith('/out/tester'))!.payload,
    ) as MessageOf<'CONTEXT_EXPAND'>;
    expect(expand).toMatchObject({
      type: 'CONTEXT_EXPAND',
      correlation_id: 'req-1',
      missing: ['world/none'],
    });
    expect(expand.payload['world/cell-1/temperature']).toMatchObject({ value: 21.5, section: 'world' });
  });

  it('replies in the request encoding (MessagePack) and to the MQTT 5 response topic when there is one', async () => {
    gw = await startGateway(gatewayYaml());
    const { c, inbox } = await client();
    await c.subscribeAsync(`cxp/v1/${gw.id}/out/#`, { qos: 1 });
    await c.subscribeAsync('replies/#', { qos: 1 });
    const msg = {
      cxp_version: '1.0',
      type: 'CONTEXT_REQUEST',
      id: 'mp-1',
      source: { id: 'packer', kind: 'agent' },
      request: ['task/**'],
    };
    await c.publishAsync(`cxp/v1/${gw.id}/in`, Buffer.from(encodeMessage(msg as CxpMessage, 'msgpack')), {
      qos: 1,
    });
    await until(() => inbox.some((m) => m.topic.endsWith('/out/packer')), 5000, 'msgpack reply');
    const reply = inbox.find((m) => m.topic.endsWith('/out/packer'))!;
    expect(reply.payload[0]).not.toBe(0x7b);
    expect(decoded(reply.payload)).toMatchObject({ type: 'CONTEXT_EXPAND', correlation_id: 'mp-1' });
    if (protocolVersion === 5) {
      await c.publishAsync(`cxp/v1/${gw.id}/in`, JSON.stringify({ ...msg, id: 'v5-1' }), {
        qos: 1,
        properties: { responseTopic: 'replies/me', correlationData: Buffer.from('corr-7') },
      });
      await until(() => inbox.some((m) => m.topic === 'replies/me'), 5000, 'response topic');
      const r = inbox.find((m) => m.topic === 'replies/me')!;
      expect(r.correlation?.toString()).toBe('corr-7');
      expect(decoded(r.payload)).toMatchObject({ correlation_id: 'v5-1' });
    }
  });

  it('answers bad input with coded error replies, never a crash', async () => {
    gw = await startGateway(
      gatewayYaml('', 'cxp: { preview_min_interval_ms: 0, max_message_bytes: 524288 }\n'),
    );
    const { c, inbox } = await client();
    await c.subscribeAsync(`cxp/v1/${gw.id}/out/#`, { qos: 1 });
    const inTopic = `cxp/v1/${gw.id}/in`;
    const send = (m: object | string) =>
      c.publishAsync(inTopic, typeof m === 'string' ? m : JSON.stringify(m), { qos: 1 });
    const base = { cxp_version: '1.0', type: 'CONTEXT_REQUEST' };
    await send('garbage{');
    await send({ ...base, id: 'bad-1', source: { id: 'typo', kind: 'agent' }, request: 5 });
    await send({
      ...base,
      id: 'big',
      source: { id: 'big', kind: 'agent' },
      request: ['x'.repeat(1_000_000)],
    });
    await send({
      cxp_version: '1.0',
      type: 'ACTION_REQUEST',
      id: 'act',
      source: { id: 'actor', kind: 'agent' },
      action: 'no.such',
    });
    await send({
      ...base,
      id: 'unk',
      source: { id: 'asker', kind: 'agent' },
      request: ['world/nothing-here', 'not a ref'],
    });
    const at = (suffix: string) =>
      inbox.filter((m) => m.topic.endsWith(suffix)).map((m) => decoded(m.payload));
    await until(
      () =>
        at('/out').length >= 2 && ['/out/typo', '/out/actor', '/out/asker'].every((t) => at(t).length > 0),
      8000,
      'replies',
    );
    expect(at('/out')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'CONTEXT_ACK',
          status: 'rejected',
          ack: '*',
          error: expect.objectContaining({ code: 'MALFORMED_MESSAGE' }) as unknown,
        }),
        expect.objectContaining({
          type: 'CONTEXT_ACK',
          status: 'rejected',
          error: expect.objectContaining({ code: 'MESSAGE_TOO_LARGE' }) as unknown,
        }),
      ]),
    );
    expect(at('/out/typo')[0]).toMatchObject({
      status: 'rejected',
      correlation_id: 'bad-1',
      error: { code: 'MALFORMED_MESSAGE' },
    });
    expect(at('/out/actor')[0]).toMatchObject({
      type: 'ACTION_RESULT',
      status: 'rejected',
      error: { code: 'UNKNOWN_ACTION' },
    });
    expect(at('/out/asker')[0]).toMatchObject({
      type: 'CONTEXT_EXPAND',
      missing: ['world/nothing-here'],
      denied: [{ ref: 'not a ref', code: 'INVALID_REF' }],
    });
    const metrics = await gw.metrics.registry.getSingleMetricAsString('cxp_edge_errors_total');
    expect(metrics).toContain('code="MALFORMED_MESSAGE"');
    expect(metrics).toContain('code="MESSAGE_TOO_LARGE"');
  });

  it('publishes telemetry as a capability TelemetrySnapshot with its own metrics', async () => {
    gw = await startGateway(gatewayYaml('', 'cxp: { telemetry_interval_s: 1 }\n'));
    const { c } = await client();
    const snapshots: unknown[] = [];
    c.on('message', (topic, payload) => {
      if (topic.endsWith('/telemetry')) snapshots.push(JSON.parse(payload.toString()));
    });
    await c.subscribeAsync(`cxp/v1/${gw.id}/telemetry`, { qos: 0 });
    await until(() => snapshots.length > 0, 5000, 'a telemetry snapshot');
    const validate = validatorFor('capability/TelemetrySnapshot.schema.json');
    expect(validate(snapshots[0]), JSON.stringify(validate.errors)).toBe(true);
    expect(snapshots[0]).toMatchObject({ provider_id: gw.id, status: 'healthy', is_heartbeat: true });
    expect((snapshots[0] as { metrics: unknown[] }).metrics).toContainEqual(
      expect.objectContaining({ name: 'cxp_edge.connected', labels: { connection: 'mqtt' }, value: 1 }),
    );
  });

  it('lets a client replica rebuild the store exactly from EXPAND and the DIFF stream', async () => {
    gw = await startGateway(
      gatewayYaml(
        'bridges:\n  - kind: mqtt\n    id: field\n    ingest:\n      - { filter: plant/+/temp, ref: "world/{1}/temperature", field: v, unit: degC }\n',
      ),
    );
    const ids = new IdGenerator(systemClock);
    const messages = new MessageFactory({
      clock: systemClock,
      ids,
      source: { id: 'replica', kind: 'agent' },
    });
    const mirror = new ContextStore({ clock: systemClock, mode: 'replica' });
    const replica = new ContextReplica({ store: mirror, messages });
    const { c } = await client();
    const inTopic = `cxp/v1/${gw.id}/in`;
    const send = (out: CxpMessage[]) => {
      // Replies may still be going out when the test ends and the client is closed.
      for (const m of out)
        c.publishAsync(inTopic, Buffer.from(encodeMessage(m)), { qos: 1 }).catch(() => undefined);
    };
    c.on('message', (_topic, payload) => {
      const m = decoded(payload);
      if (m.type === 'CONTEXT_DIFF') send(replica.handleDiff(m));
      else if (m.type === 'CONTEXT_EXPAND') {
        const r = replica.handleExpand(m);
        if (r.ok) send(r.value);
      } else if (m.type === 'CONTEXT_ACK') send(replica.handleAck(m));
    });
    await c.subscribeAsync([`cxp/v1/${gw.id}/diff`, `cxp/v1/${gw.id}/out/replica`], { qos: 1 });
    for (let i = 0; i < 20; i++) gw.store.put({ ref: `task/job-${i % 5}`, source: 'mes', value: i });
    send(replica.resync());
    for (let i = 0; i < 50; i++)
      await c.publishAsync(`plant/cell-${i % 4}/temp`, JSON.stringify({ v: 20 + i / 10 }), { qos: 1 });
    gw.store.retract('task/job-0', 'mes');
    const g = gw;
    await until(
      () => replica.state === 'synced' && mirror.version === g.store.version && g.store.size === 8,
      10_000,
      () =>
        `replica in sync: ${replica.state}, held ${replica.heldDiffs}, version ${mirror.version}/${g.store.version} size ${g.store.size}`,
    );
    expect(mirror.snapshot()).toEqual(gw.store.snapshot());
    expect(gw.store.value('world/cell-3/temperature')).toEqual({ value: 24.7, unit: 'degC' });
  });
});
