import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage } from '../../../src/cxp/message.js';
import type { MessageOf } from '../../../src/cxp/schema/index.js';
import { startGateway, until, type TestGateway } from '../../helpers/gateway-harness.js';
import { createBroker, hasMosquitto, type TestBroker } from '../../helpers/peers.js';

/**
 * The supervisor in the gateway against a real broker: a heartbeat published over MQTT (ingested
 * by the MQTT bridge) stops; the SAFETY_EVENT reaches an MQTT subscriber, the retained active list
 * names it, the `safety` context section holds it, actions it interlocks are refused, and it can
 * only be reset once the heartbeat is back.
 */

describe('safety supervisor over MQTT', () => {
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

  async function client(): Promise<MqttClient> {
    const c = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
    cleanups.push(() => c.endAsync());
    return c;
  }

  async function act(gw: TestGateway, action: string, params: Record<string, unknown>, principal?: string) {
    const request = {
      cxp_version: '1.0',
      type: 'ACTION_REQUEST',
      id: `r-${action}`,
      action,
      params,
    } as MessageOf<'ACTION_REQUEST'>;
    const replies = await gw.dispatcher.dispatch(
      request,
      principal === undefined ? undefined : { id: principal },
      () => undefined,
    );
    return replies[0] as MessageOf<'ACTION_RESULT'>;
  }

  it('reports a silent MQTT publisher within its deadline, interlocks, and resets only after it is back', async () => {
    const gw = await startGateway(
      [
        'broker: { enabled: false }',
        `mqtt: { url: ${broker.url} }`,
        'bridges:',
        '  - kind: mqtt',
        '    id: field',
        '    ingest: [{ filter: robot/heartbeat, ref: world/robot/heartbeat, field: seq }]',
        'safety:',
        '  enabled: true',
        '  rules:',
        '    - kind: heartbeat',
        '      id: robot-hb',
        '      ref: world/robot/heartbeat',
        '      timeout_ms: 300',
        '      severity: PROTECTIVE',
        '      latch: immediate',
        "      interlocks: ['serial.write:*', 'ros2.publish']",
      ].join('\n'),
    );
    cleanups.push(() => gw.stop());
    const sub = await client();
    const events: MessageOf<'SAFETY_EVENT'>[] = [];
    let active: { active: { condition_key: string; state: string }[] } | undefined;
    sub.on('message', (topic, payload) => {
      if (topic.endsWith('/safety/active')) active = JSON.parse(payload.toString()) as typeof active;
      else if (topic.endsWith('/safety')) {
        const decoded = decodeMessage(payload);
        if (decoded.ok && decoded.message.type === 'SAFETY_EVENT') events.push(decoded.message);
      }
    });
    await sub.subscribeAsync([`cxp/v1/${gw.id}/safety`, `cxp/v1/${gw.id}/safety/active`], { qos: 1 });
    const pub = await client();
    let seq = 0;
    const beat = setInterval(() => {
      seq += 1;
      void pub.publishAsync('robot/heartbeat', JSON.stringify({ seq }));
    }, 50);
    cleanups.push(() => {
      clearInterval(beat);
    });
    await until(() => gw.store.value('world/robot/heartbeat') !== undefined, 5000, 'heartbeats ingested');
    await new Promise((r) => setTimeout(r, 400));
    expect(events).toEqual([]); // beating: nothing raised

    clearInterval(beat);
    const stoppedAt = Date.now();
    await until(() => events.length > 0, 3000, 'a SAFETY_EVENT');
    const raised = events[0];
    expect(raised).toMatchObject({
      type: 'SAFETY_EVENT',
      kind: 'fault.heartbeat_stale',
      severity: 'PROTECTIVE',
      state: 'RAISED',
      latched: true,
      active: true,
      assurance: 'non_safety_rated',
      recommended_action: 'controlled_stop',
      related_refs: ['world/robot/heartbeat'],
      frame: { frame_id: 'base_link', tf_status: 'NOT_APPLICABLE' },
    });
    // the last beat was up to 50 ms before the stop; the deadline is 300 ms after it
    expect(Date.now() - stoppedAt).toBeLessThan(300 + 500);
    expect(raised?.timebase.detection_latency_ms).toBeLessThan(100);
    const key = raised?.condition_key ?? '';
    await until(
      () => active?.active.some((a) => a.condition_key === key) === true,
      3000,
      'the retained active list',
    );
    expect(gw.store.value(`safety/conditions/${key.replace(/[^A-Za-z0-9_.:@~+-]/g, '_')}`)).toMatchObject({
      state: 'RAISED',
    });

    const blocked = await act(gw, 'ros2.publish', { topic: '/cmd_vel', message: {} }, 'nav');
    expect(blocked.status).toBe('rejected');
    expect(blocked.error).toMatchObject({ code: 'UNKNOWN_ACTION' }); // no ROS 2 bridge here: the action does not exist
    const guard = gw.safety?.guard(
      {
        cxp_version: '1.0',
        type: 'ACTION_REQUEST',
        action: 'ros2.publish',
        params: { topic: '/cmd_vel' },
      },
      { id: 'nav' },
    );
    expect(guard).toMatchObject({
      allow: false,
      code: 'SAFETY_INTERLOCK',
      details: { condition_keys: [key], event_ids: [raised?.id] },
    });

    expect((await act(gw, 'safety.reset', {}, undefined)).error?.code).toBe('NOT_AUTHORIZED');
    const early = await act(gw, 'safety.reset', { condition_keys: [key] }, 'operator');
    expect(early).toMatchObject({ status: 'rejected', error: { code: 'SAFETY_INTERLOCK' } });
    const ack = await act(gw, 'safety.acknowledge', { comment: 'seen' }, 'operator');
    expect(ack).toMatchObject({ status: 'succeeded', result: { acknowledged: [key] } });

    await pub.publishAsync('robot/heartbeat', JSON.stringify({ seq: 999 }));
    await until(() => events.some((e) => e.cause === 'returned'), 3000, 'returned (still latched)');
    const reset = await act(gw, 'safety.reset', { condition_keys: [key], comment: 'checked' }, 'operator');
    expect(reset).toMatchObject({ status: 'succeeded', result: { reset: [key] } });
    await until(() => events.some((e) => e.state === 'CLEARED'), 3000, 'cleared');
    expect(events.find((e) => e.state === 'CLEARED')).toMatchObject({
      clear_reason: 'reset',
      reset: { by: 'operator', comment: 'checked' },
      ack: { by: 'operator' },
    });
    expect(
      gw.safety?.guard(
        {
          cxp_version: '1.0',
          type: 'ACTION_REQUEST',
          action: 'ros2.publish',
          params: { topic: '/cmd_vel' },
        },
        { id: 'nav' },
      ),
    ).toEqual({ allow: true });
    await until(() => active?.active.length === 0, 3000, 'an empty active list');
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));
  });
});
