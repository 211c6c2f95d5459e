import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/cxp/clock.js';
import { fail, ok } from '../../../src/cxp/errors.js';
import { ContextStore } from '../../../src/context/store.js';
import { ContextProvider } from '../../../src/context/sparse/provider.js';
import { IdGenerator } from '../../../src/cxp/ids.js';
import { MessageFactory } from '../../../src/cxp/message.js';
import { CxpDispatcher } from '../../../src/runtime/dispatcher.js';
import type { ActionGuard } from '../../../src/runtime/action-guard.js';
import { loadConfig } from '../../../src/runtime/config/load.js';
import { GatewayMetrics } from '../../../src/runtime/metrics.js';
import { createPluginRegistry } from '../../../src/runtime/registry.js';
import type { GatewayServices } from '../../mqtt/bridge/plugin.js';
import type { MqttConnection } from '../../mqtt/connection.js';
import { FakeNetwork, FakeTransport } from '../fake/transport.js';
import { DEFAULT_QOS } from '../transport.js';
import { cdrText, stringCdr } from '../transport-contract.js';
import { Ros2BridgeConfig } from './config.js';
import { Ros2Bridge } from './bridge.js';
import { networkSettings, toRos2Qos } from './settings.js';
import { createDefaultCatalogs } from '../../../src/capability/catalogs.js';
import { ProviderRegistry } from '../../../src/capability/providers.js';

function bridgeConfig(extra: Record<string, unknown>): Ros2BridgeConfig {
  const loaded = loadConfig({
    text: JSON.stringify({ bridges: [{ kind: 'ros2', id: 'robot', ...extra }] }),
    env: {},
    hostname: 'test',
    plugins: createPluginRegistry(),
  });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  return loaded.config.bridges[0] as unknown as Ros2BridgeConfig;
}

function services(store: ContextStore, guards: ActionGuard[] = []) {
  const published: { topic: string; payload: Uint8Array }[] = [];
  const checks = new Map<string, () => { ready: boolean; detail: string }>();
  const metrics = new GatewayMetrics();
  const cxp = cxpSide(store, guards);
  const s: GatewayServices = {
    store,
    connection: {
      publish: (topic: string, payload: Uint8Array | string) => {
        published.push({ topic, payload: typeof payload === 'string' ? Buffer.from(payload) : payload });
        return true;
      },
    } as unknown as MqttConnection,
    openInboundConnection: () => {
      throw new Error('no MQTT inbound in these tests');
    },
    addReadinessCheck: (name, check) => {
      checks.set(name, check);
    },
    metrics,
    maxMessageBytes: 1024 * 1024,
    cxp,
    providers: new ProviderRegistry({
      dispatcher: cxp.dispatcher,
      messages: cxp.messages,
      catalogs: createDefaultCatalogs(),
      supportedVersions: [1],
    }),
  };
  return { s, published, checks, metrics };
}

function cxpSide(store: ContextStore, guards: ActionGuard[] = []): GatewayServices['cxp'] {
  const clock = new ManualClock(Date.UTC(2026, 10, 21));
  const ids = new IdGenerator(clock);
  const messages = new MessageFactory({ clock, ids, source: { id: 'gw', kind: 'gateway' } });
  const provider = new ContextProvider({ store, messages, clock });
  const dispatcher = new CxpDispatcher({ provider, messages, clock, intentHooks: () => [] });
  return { dispatcher, provider, messages, ids, previewMinIntervalMs: 0, guards: () => guards };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('Ros2Bridge on the fake transport', () => {
  it('routes a ROS topic into context and to MQTT, rate-limited and counted', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 21));
    const store = new ContextStore({ clock });
    const { s, published, checks, metrics } = services(store);
    const network = new FakeNetwork();
    const config = bridgeConfig({
      domain_id: 7,
      ingest: [{ topic: '/chatter', type: 'std_msgs/msg/String', ref: 'world/robot/chatter', field: 'data' }],
      to_mqtt: [
        { topic: '/chatter', type: 'std_msgs/msg/String', mqtt_topic: 'ros/chatter', max_rate_hz: 1 },
      ],
    });
    const bridge = new Ros2Bridge(config, s, pino({ level: 'silent' }), clock, {
      transport: () => ok(new FakeTransport(network)),
    });
    expect(checks.get('bridge:robot')?.()).toMatchObject({ ready: false, detail: 'starting' });
    await bridge.start();
    expect(checks.get('bridge:robot')?.()).toEqual({ ready: true, detail: 'participant up' });

    const talker = new FakeTransport(network).open({ domainId: 7, localhostOnly: true });
    if (!talker.ok) throw talker.error;
    const pub = talker.value.advertise('/chatter', 'std_msgs/msg/String', DEFAULT_QOS);
    if (!pub.ok) throw pub.error;
    for (const text of ['one', 'two', 'three']) pub.value.publish(stringCdr(text));
    await settle();
    expect(store.value('world/robot/chatter')).toBe('three');
    // 1 Hz on the MQTT route, no time passed: one message out, two dropped for rate.
    expect(published.map((p) => JSON.parse(Buffer.from(p.payload).toString()) as unknown)).toEqual([
      { data: 'one' },
    ]);
    const dropped = await metrics.dropped.get();
    expect(dropped.values.find((v) => v.labels.reason === 'rate')?.value).toBe(2);

    // A sample that is not a String is refused with a coded error, not a crash.
    pub.value.publish(Uint8Array.from([0, 1, 0, 0, 9, 9]));
    await settle();
    const errors = await metrics.errors.get();
    expect(errors.values.find((v) => v.labels.code === 'MALFORMED_MESSAGE')?.value).toBe(1);
    await bridge.stop();
    expect(checks.get('bridge:robot')?.().ready).toBe(false);
  });

  it('says why when the transport cannot be had, and the gateway goes on', async () => {
    const clock = new ManualClock(0);
    const { s, checks } = services(new ContextStore({ clock }));
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(l) });
    const bridge = new Ros2Bridge(bridgeConfig({}), s, logger, clock, {
      transport: () => fail('INTERNAL_ERROR', 'the DDS addon is not built (npm run build:dds)'),
    });
    await bridge.start();
    expect(bridge.unavailable).toContain('not built');
    expect(checks.get('bridge:robot')?.()).toEqual({
      ready: false,
      detail: 'the DDS addon is not built (npm run build:dds)',
    });
    expect(lines.filter((l) => l.includes('ROS 2 bridge unavailable'))).toHaveLength(1);
    await bridge.stop();
  });

  it('passes CDR through unchanged on a cdr route and reads the ROS environment', async () => {
    const clock = new ManualClock(0);
    const { s, published } = services(new ContextStore({ clock }));
    const network = new FakeNetwork();
    const config = bridgeConfig({
      to_mqtt: [{ topic: '/raw', type: 'std_msgs/msg/String', mqtt_topic: 'ros/raw', encoding: 'cdr' }],
    });
    const bridge = new Ros2Bridge(config, s, pino({ level: 'silent' }), clock, {
      env: { ROS_DOMAIN_ID: '12', ROS_LOCALHOST_ONLY: '1' },
      transport: () => ok(new FakeTransport(network)),
    });
    await bridge.start();
    expect(bridge.participant?.domainId).toBe(12);
    const other = new FakeTransport(network).open({ domainId: 12, localhostOnly: true });
    if (!other.ok) throw other.error;
    const pub = other.value.advertise('/raw', 'std_msgs/msg/String', DEFAULT_QOS);
    if (!pub.ok) throw pub.error;
    pub.value.publish(stringCdr('bytes'));
    await settle();
    expect(published).toHaveLength(1);
    expect(cdrText(published[0]?.payload ?? new Uint8Array(8))).toBe('bytes');
    await bridge.stop();
  });
});

describe('ros2.publish', () => {
  async function setup(guards: ActionGuard[]) {
    const clock = new ManualClock(Date.UTC(2026, 10, 21));
    const store = new ContextStore({ clock });
    const { s, metrics } = services(store, guards);
    const network = new FakeNetwork();
    const bridge = new Ros2Bridge(
      bridgeConfig({ publish_action: [{ topic: '/cmd_vel', type: 'geometry_msgs/msg/Twist' }] }),
      s,
      pino({ level: 'silent' }),
      clock,
      { transport: () => ok(new FakeTransport(network)) },
    );
    await bridge.start();
    const robot = new FakeTransport(network).open({ domainId: 0, localhostOnly: true });
    if (!robot.ok) throw robot.error;
    const got: Uint8Array[] = [];
    robot.value.subscribe('/cmd_vel', 'geometry_msgs/msg/Twist', DEFAULT_QOS, (sample) =>
      got.push(sample.cdr),
    );
    const call = (params: unknown) =>
      s.cxp.dispatcher.dispatch(
        s.cxp.messages.create('ACTION_REQUEST', {
          action: 'ros2.publish',
          params: params as Record<string, unknown>,
        }),
        undefined,
      );
    return { bridge, got, call, metrics };
  }
  const twist = { linear: { x: 0.2, y: 0, z: 0 }, angular: { x: 0, y: 0, z: 0 } };

  it('fails closed: with no safety guard configured nothing is written', async () => {
    const { bridge, got, call } = await setup([]);
    const [result] = await call({ topic: '/cmd_vel', message: twist });
    expect(result).toMatchObject({
      type: 'ACTION_RESULT',
      status: 'rejected',
      error: { code: 'NO_DECISION_HOOK' },
    });
    await settle();
    expect(got).toEqual([]);
    await bridge.stop();
  });

  it('writes once every guard allows; a refusing guard or a topic not opened is refused', async () => {
    let interlock = false;
    const guard: ActionGuard = () =>
      interlock
        ? {
            allow: false,
            code: 'SAFETY_INTERLOCK',
            message: 'e-stop',
            details: { condition_keys: ['estop'] },
          }
        : { allow: true };
    const { bridge, got, call } = await setup([guard]);
    const [ok1] = await call({ topic: '/cmd_vel', message: twist });
    expect(ok1).toMatchObject({ status: 'succeeded', result: { topic: '/cmd_vel' } });
    await settle();
    expect(got).toHaveLength(1);
    interlock = true;
    const [blocked] = await call({ topic: '/cmd_vel', message: twist });
    expect(blocked).toMatchObject({
      status: 'rejected',
      error: { code: 'SAFETY_INTERLOCK', details: { condition_keys: ['estop'] } },
    });
    interlock = false;
    const [closed] = await call({ topic: '/arm/joint_cmd', message: twist });
    expect(closed).toMatchObject({ status: 'rejected', error: { code: 'POLICY_DENIED' } });
    const [bad] = await call({ topic: '/cmd_vel', message: { linear: 'fast' } });
    expect(bad).toMatchObject({ status: 'rejected', error: { code: 'INVALID_PARAMS' } });
    const [shape] = await call({ message: twist });
    expect(shape).toMatchObject({ status: 'rejected', error: { code: 'INVALID_PARAMS' } });
    await settle();
    expect(got).toHaveLength(1);
    await bridge.stop();
  });
});

describe('ROS 2 bridge settings', () => {
  it('maps QoS presets and explicit QoS', () => {
    expect(toRos2Qos('sensor_data')).toMatchObject({ reliability: 'best_effort', depth: 5 });
    expect(
      toRos2Qos({
        reliability: 'reliable',
        durability: 'transient_local',
        history: 'keep_last',
        depth: 1,
        deadline_ms: 100,
      }),
    ).toEqual({
      reliability: 'reliable',
      durability: 'transient_local',
      history: 'keep_last',
      depth: 1,
      deadlineMs: 100,
    });
  });

  it('takes domain and range from config first, then the ROS 2 environment', () => {
    const base = bridgeConfig({});
    expect(networkSettings(base, {})).toEqual({ domainId: 0, localhostOnly: false });
    expect(
      networkSettings(base, { ROS_DOMAIN_ID: '42', ROS_AUTOMATIC_DISCOVERY_RANGE: 'localhost' }),
    ).toEqual({
      domainId: 42,
      localhostOnly: true,
    });
    expect(networkSettings(base, { ROS_DOMAIN_ID: 'banana' }).domainId).toBe(0);
    expect(
      networkSettings(bridgeConfig({ domain_id: 3, localhost_only: false }), {
        ROS_DOMAIN_ID: '9',
        ROS_LOCALHOST_ONLY: '1',
      }),
    ).toEqual({
      domainId: 3,
      localhostOnly: false,
    });
  });

  it('check-config reports bad ROS names, MQTT topics and refs with their paths', () => {
    const loaded = loadConfig({
      text: JSON.stringify({
        bridges: [
          {
            kind: 'ros2',
            id: 'r',
            ingest: [{ topic: 'chatter', type: 'std_msgs/msg/String', ref: 'nowhere' }],
            to_mqtt: [{ topic: '/ok', type: 'String', mqtt_topic: 'a/+/b' }],
            from_mqtt: [{ mqtt_topic: 'a/#/b', topic: '/x', type: 'std_msgs/msg/String' }],
          },
        ],
      }),
      env: {},
      hostname: 'test',
      plugins: createPluginRegistry(),
    });
    expect(loaded.ok).toBe(false);
    const paths = loaded.ok ? [] : loaded.issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/bridges/0/ingest/0/topic',
        '/bridges/0/ingest/0/ref',
        '/bridges/0/to_mqtt/0/type',
        '/bridges/0/to_mqtt/0/mqtt_topic',
        '/bridges/0/from_mqtt/0/mqtt_topic',
      ]),
    );
  });
});
