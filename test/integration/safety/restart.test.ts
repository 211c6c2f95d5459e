import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage } from '../../../src/cxp/message.js';
import type { MessageOf } from '../../../src/cxp/schema/index.js';
import { startGateway, until, type TestGateway } from '../../helpers/gateway-harness.js';
import { createBroker, hasMosquitto, type TestBroker } from '../../helpers/peers.js';

/**
 * Latched safety state across a gateway restart, against a real broker: a latched fault comes back
 * after the restart (still interlocking, not resettable until its input is normal again), and a
 * corrupt state file is itself a latched EMERGENCY event that interlocks everything, never a crash.
 */

const CONFIG = (url: string) =>
  [
    'broker: { enabled: false }',
    `mqtt: { url: ${url} }`,
    'bridges:',
    '  - kind: mqtt',
    '    id: field',
    '    ingest: [{ filter: robot/heartbeat, ref: world/robot/heartbeat, field: seq }]',
    'safety:',
    '  enabled: true',
    '  rules:',
    '    - { kind: heartbeat, id: hb, ref: world/robot/heartbeat, timeout_ms: 200, severity: PROTECTIVE, latch: immediate, interlocks: [ros2.publish] }',
  ].join('\n');

const cmd = {
  cxp_version: '1.0',
  type: 'ACTION_REQUEST',
  action: 'ros2.publish',
  params: { topic: '/cmd_vel' },
} as MessageOf<'ACTION_REQUEST'>;

describe('latched safety state across a restart', () => {
  let broker: TestBroker;
  const cleanups: (() => unknown)[] = [];
  beforeAll(async () => {
    broker = await createBroker(hasMosquitto() ? 'mosquitto' : 'aedes');
    await broker.start();
  });
  afterAll(async () => {
    await broker.stop();
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** Every gateway's events (each test starts its own gateways, with ids of the harness's choosing). */
  async function listen() {
    const c: MqttClient = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
    cleanups.push(() => c.endAsync());
    const events: MessageOf<'SAFETY_EVENT'>[] = [];
    c.on('message', (_topic, payload) => {
      const d = decodeMessage(payload);
      if (d.ok && d.message.type === 'SAFETY_EVENT') events.push(d.message);
    });
    await c.subscribeAsync('cxp/v1/+/safety', { qos: 1 });
    return { client: c, events };
  }

  function gateway(stateDir: string): Promise<TestGateway> {
    return startGateway(CONFIG(broker.url), { stateDir });
  }

  it('brings a latched fault back after a restart, and resets it only once the heartbeat is back', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'cxp-safety-'));
    cleanups.push(() => {
      rmSync(stateDir, { recursive: true, force: true });
    });
    const first = await listen();
    const a = await gateway(stateDir);
    await first.client.publishAsync('robot/heartbeat', JSON.stringify({ seq: 1 }));
    await until(() => first.events.some((e) => e.state === 'RAISED'), 5000, 'the stale heartbeat');
    const key = first.events[0]?.condition_key ?? '';
    await a.stop();
    const file = join(stateDir, 'safety', 'latched.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      format: 'cxp-edge/safety-latched/1',
      conditions: [{ key, rule_id: 'hb', severity: 'PROTECTIVE', acked: false }],
    });

    const b = await gateway(stateDir);
    cleanups.push(() => b.stop());
    await until(() => first.events.some((e) => e.cause === 'restored'), 5000, 'the restored condition');
    const restored = first.events.find((e) => e.cause === 'restored');
    expect(restored).toMatchObject({ condition_key: key, state: 'RAISED', latched: true, active: true });
    expect(restored?.boot_id).not.toBe(first.events[0]?.boot_id);
    expect(b.safety?.guard(cmd, { id: 'nav' })).toMatchObject({ allow: false, code: 'SAFETY_INTERLOCK' });
    expect(b.safety?.supervisor.reset([key], { by: 'op', at: 0 }).refused).toEqual([
      { key, reason: 'CONDITION_ACTIVE' },
    ]);
    await first.client.publishAsync('robot/heartbeat', JSON.stringify({ seq: 2 }));
    await until(() => first.events.some((e) => e.cause === 'returned'), 5000, 'returned after fresh data');
    expect(b.safety?.supervisor.reset([key], { by: 'op', at: 0 }).reset).toEqual([key]);
    expect(b.safety?.guard(cmd, { id: 'nav' })).toEqual({ allow: true });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ conditions: [] });
  });

  it('treats a corrupt state file as a latched EMERGENCY that interlocks everything', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'cxp-safety-'));
    cleanups.push(() => {
      rmSync(stateDir, { recursive: true, force: true });
    });
    mkdirSync(join(stateDir, 'safety'));
    writeFileSync(join(stateDir, 'safety', 'latched.json'), '{"format": "cxp-edge/safety-lat');
    const seen = await listen();
    const gw = await gateway(stateDir);
    cleanups.push(() => gw.stop());
    await until(() => seen.events.length > 0, 5000, 'the persistence fault');
    expect(seen.events[0]).toMatchObject({
      kind: 'fault.persistence',
      severity: 'EMERGENCY',
      latched: true,
      recommended_action: 'request_emergency_stop',
    });
    expect(gw.safety?.guard({ ...cmd, action: 'print.submit', params: {} }, { id: 'op' })).toMatchObject({
      allow: false,
      code: 'SAFETY_INTERLOCK',
    });
    expect(readdirSync(join(stateDir, 'safety')).some((f) => f.startsWith('latched.json.corrupt-'))).toBe(
      true,
    );
    // the fault itself is saved: a restart before anyone resets it brings it back
    const file = join(stateDir, 'safety', 'latched.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      conditions: [{ key: 'supervisor#fault.persistence' }],
    });
    expect(gw.safety?.supervisor.reset(undefined, { by: 'op', at: 0 }).reset).toEqual([
      'supervisor#fault.persistence',
    ]);
    expect(gw.safety?.guard(cmd, { id: 'op' })).toEqual({ allow: true });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ conditions: [] });
  });
});
