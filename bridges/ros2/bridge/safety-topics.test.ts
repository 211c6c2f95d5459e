import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/cxp/clock.js';
import { IdGenerator } from '../../../src/cxp/ids.js';
import { MessageFactory } from '../../../src/cxp/message.js';
import type { MessageOf } from '../../../src/cxp/schema/index.js';
import { ContextStore } from '../../../src/context/store.js';
import { ContextProvider } from '../../../src/context/sparse/provider.js';
import { CxpDispatcher } from '../../../src/runtime/dispatcher.js';
import { GatewayMetrics } from '../../../src/runtime/metrics.js';
import type { GatewayServices } from '../../mqtt/bridge/plugin.js';
import { FakeNetwork, FakeTransport } from '../fake/transport.js';
import { DEFAULT_QOS } from '../transport.js';
import { CxpRos2Topics } from './cxp-topics.js';
import { createMessageCodec } from './message-codec.js';
import { Ros2BridgeConfig } from './config.js';
import { Value } from '@sinclair/typebox/value';

/**
 * SAFETY_EVENTs on ROS 2: JSON on /cxp/safety_event and a DiagnosticStatus on /diagnostics, read
 * back by a second participant on the fake transport through the same CDR codec.
 */

describe('safety events on ROS 2', () => {
  it('publishes every event on /cxp/safety_event and /diagnostics', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 21));
    const store = new ContextStore({ clock });
    const ids = new IdGenerator(clock);
    const messages = new MessageFactory({ clock, ids, source: { id: 'gw', kind: 'gateway' } });
    const provider = new ContextProvider({ store, messages, clock });
    const dispatcher = new CxpDispatcher({ provider, messages, clock, intentHooks: () => [] });
    const listeners = new Set<(e: MessageOf<'SAFETY_EVENT'>) => void>();
    const services = {
      store,
      metrics: new GatewayMetrics({ processMetrics: false }),
      cxp: { dispatcher, provider, messages, ids, previewMinIntervalMs: 0, guards: () => [] },
      safety: {
        onEvent: (l: (e: MessageOf<'SAFETY_EVENT'>) => void) => {
          listeners.add(l);
          return () => listeners.delete(l);
        },
      },
    } as unknown as GatewayServices;
    const config = Value.Default(Ros2BridgeConfig, { kind: 'ros2', id: 'robot' }) as Ros2BridgeConfig;
    const codec = await createMessageCodec(config, {}, pino({ level: 'silent' }));
    const network = new FakeNetwork();
    const gw = new FakeTransport(network).open({ domainId: 0, localhostOnly: true });
    const peer = new FakeTransport(network).open({ domainId: 0, localhostOnly: true });
    if (!gw.ok || !peer.ok) throw new Error('fake participants');
    const topics = new CxpRos2Topics(services, codec, pino({ level: 'silent' }), clock, 'ros2:robot:cxp');
    const seen: { topic: string; value: unknown }[] = [];
    for (const [topic, type] of [
      ['/cxp/safety_event', 'std_msgs/msg/String'],
      ['/diagnostics', 'diagnostic_msgs/msg/DiagnosticArray'],
    ] as const)
      peer.value.subscribe(topic, type, DEFAULT_QOS, (sample) => {
        const decoded = codec.decode(type, sample.cdr);
        if (decoded.ok) seen.push({ topic, value: decoded.value });
      });
    topics.open(gw.value);
    expect(listeners.size).toBe(1);
    const event = messages.create('SAFETY_EVENT', {
      condition_key: 'hb:world/robot/heartbeat#fault.heartbeat_stale',
      seq: 3,
      boot_id: 'b1',
      kind: 'fault.heartbeat_stale',
      severity: 'PROTECTIVE',
      state: 'RAISED',
      latched: true,
      message: 'world/robot/heartbeat not updated for 612 ms',
      frame: { frame_id: 'odom', pose: null, tf_status: 'LOOKUP_ERROR' },
      timebase: {
        clock: 'system',
        stamp: { sec: 1_790_000_000, nanosec: 5 },
        utc: '2026-09-21T12:00:00Z',
        monotonic_ns: '1',
        sync: { method: 'none', state: 'UNKNOWN' },
      },
      related_refs: ['world/robot/heartbeat'],
      recommended_action: 'controlled_stop',
      assurance: 'non_safety_rated',
      subject: { transport: 'gateway', id: 'world/robot/heartbeat' },
      diag_level: 3,
    });
    for (const l of listeners) l(event);
    await new Promise((r) => setTimeout(r, 20));
    const json = seen.find((s) => s.topic === '/cxp/safety_event')?.value as { data: string } | undefined;
    expect(JSON.parse(json?.data ?? '{}')).toMatchObject({
      type: 'SAFETY_EVENT',
      seq: 3,
      condition_key: event.condition_key,
    });
    expect(seen.find((s) => s.topic === '/diagnostics')?.value).toMatchObject({
      header: { stamp: { sec: 1_790_000_000, nanosec: 5 }, frame_id: 'odom' },
      status: [
        {
          level: 3,
          name: 'cxp_edge/safety/hb:world/robot/heartbeat#fault.heartbeat_stale',
          message: 'world/robot/heartbeat not updated for 612 ms',
          hardware_id: 'world/robot/heartbeat',
          values: expect.arrayContaining([
            { key: 'severity', value: 'PROTECTIVE' },
            { key: 'assurance', value: 'non_safety_rated' },
          ]) as unknown,
        },
      ],
    });
    topics.close();
    expect(listeners.size).toBe(0);
  });
});
