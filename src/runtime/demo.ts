import type { Clock } from '../cxp/clock.js';
import type { ContextStore } from '../context/store.js';
import type { Component } from './lifecycle.js';

/**
 * Simulated sources for `cxp-edge demo`: an AMR's pose at 10 Hz (REP-105 frames, odom), a cell
 * temperature sensor at 1 Hz and the robot's battery at 0.2 Hz, written into the context store as a
 * bridge would, so the whole flow (context, DIFFs, previews, EXPAND) can be watched on MQTT.
 */
export function demoSources(store: ContextStore, clock: Clock): Component {
  const timers: NodeJS.Timeout[] = [];
  let t = 0;
  return {
    name: 'demo-sources',
    start: () => {
      timers.push(
        setInterval(() => {
          t += 0.1;
          store.put({
            ref: 'world/robots/amr-1/pose',
            source: 'demo:amr-1/odom',
            kind: 'ros2',
            value: {
              frame_id: 'odom',
              child_frame_id: 'base_link',
              position: { x: round(2 * Math.cos(t / 4)), y: round(2 * Math.sin(t / 4)), z: 0 },
              orientation: { x: 0, y: 0, z: round(Math.sin(t / 8)), w: round(Math.cos(t / 8)) },
            },
            stamp: clock.now(),
            confidence: 0.95,
            policy: { retention_ttl: '10s' },
          });
        }, 100),
        setInterval(() => {
          store.put({
            ref: 'world/cell-1/temperature',
            source: 'demo:serial/ttyUSB0',
            kind: 'serial',
            value: { value: round(21 + Math.sin(t / 10)), unit: 'degC' },
            policy: { retention_ttl: '1m' },
          });
        }, 1000),
        setInterval(() => {
          store.put({
            ref: 'resources/robots/amr-1/battery',
            source: 'demo:amr-1/bms',
            kind: 'ros2',
            value: { percentage: round(Math.max(5, 100 - t / 6)), charging: false },
            policy: { retention_ttl: '5m' },
          });
        }, 5000),
      );
      return Promise.resolve();
    },
    stop: () => {
      for (const timer of timers) clearInterval(timer);
      return Promise.resolve();
    },
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** The demo printer's label: order text, a Code 128 of the SKU and a QR code of the order URL. */
export const DEMO_LABEL_TEMPLATE = [
  '^XA',
  '^PW812^LL609',
  '^FO40,40^A0N,50,50^FDOrder {{order}}^FS',
  '^FO40,110^A0N,30,30^FD{{item}}^FS',
  '^FO40,170^BY3^BCN,120,Y,N,N^FD{{sku}}^FS',
  '^FO560,160^BQN,2,6^FDQA,{{url}}^FS',
  '^XZ',
].join('\n');

/** The `devices` entry of the emulated Zebra printer `cxp-edge demo` adds. */
export function demoPrinterEntry(port: number): Record<string, unknown> {
  return {
    kind: 'zebra',
    id: 'demo-zt411',
    host: '127.0.0.1',
    port,
    poll_interval_ms: 1000,
    job_poll_interval_ms: 200,
    templates: { inline: { shipping: DEMO_LABEL_TEMPLATE } },
  };
}
