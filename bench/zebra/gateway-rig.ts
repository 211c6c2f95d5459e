/**
 * The gateway path's rig: a fresh emulator, the compiled gateway (`node dist/src/runtime/cli.js
 * start`, as `npm start` runs it) in its own process with its embedded broker and /metrics on free
 * loopback ports and one zebra device pointing at the emulator, and an MQTT.js client here that
 * reads the gateway's answers. Everything is registered with the teardown as it starts.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { ZebraEmulator } from '../../devices/zebra/emulator.js';
import { parseConfig, REPO } from '../mqtt-path/gateways.js';
import { freePort, spawnChild, waitForPort } from '../mqtt-path/processes.js';
import type { Teardown } from '../mqtt-path/teardown.js';
import { LABEL_TEMPLATE, TEMPLATE_NAME } from './label.js';

export const PRINTER_ID = 'bench_zt411';
export const SOURCE_ID = 'bench';

export interface RigOptions {
  scenario: string;
  dir: string;
  msPerLabel: number;
  /** job_poll_interval_ms of the device (status poll while a job prints). */
  jobPollMs: number;
  /** poll_interval_ms of the device (status poll while idle). */
  idlePollMs: number;
  /** Jobs the device may queue; the bench submits up to this many at once. */
  queueCapacity: number;
}

export interface Rig {
  emulator: ZebraEmulator;
  client: MqttClient;
  pid: number;
  gatewayId: string;
  httpPort: number;
  inTopic: string;
  outTopic: string;
  stderr: () => string;
  /** Stops the client, the gateway and the emulator, in that order. */
  stop: () => Promise<void>;
}

let rigs = 0;

export async function startRig(teardown: Teardown, o: RigOptions): Promise<Rig> {
  const emulator = await ZebraEmulator.start({ msPerLabel: o.msPerLabel });
  const stopEmulator = teardown.add(`emulator (${o.scenario})`, () => emulator.stop());
  const gatewayId = `bench-zebra-${process.pid}-${++rigs}`;
  const [brokerPort, httpPort] = [await freePort(), await freePort()];
  const text = JSON.stringify({
    gateway: { id: gatewayId, state_dir: join(o.dir, `state-${rigs}`) },
    log: { level: 'warn' },
    http: { enabled: true, host: '127.0.0.1', port: httpPort },
    broker: { enabled: true, host: '127.0.0.1', port: brokerPort },
    devices: [
      {
        kind: 'zebra',
        id: PRINTER_ID,
        host: '127.0.0.1',
        port: emulator.port,
        poll_interval_ms: o.idlePollMs,
        job_poll_interval_ms: o.jobPollMs,
        queue_capacity: o.queueCapacity,
        templates: { inline: { [TEMPLATE_NAME]: LABEL_TEMPLATE } },
      },
    ],
  });
  parseConfig(text); // refused here, with every problem, rather than by a silent child
  const file = join(o.dir, `gateway-${rigs}.yaml`);
  await writeFile(file, text);
  // BENCH_GATEWAY_FLAGS replaces the node flags, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const flags = (process.env.BENCH_GATEWAY_FLAGS ?? '--max-semi-space-size=2').split(/\s+/).filter(Boolean);
  const gw = spawnChild(
    teardown,
    `gateway (${o.scenario})`,
    process.execPath,
    [...flags, 'dist/src/runtime/cli.js', 'start', '-c', file],
    { cwd: REPO },
  );
  const pid = gw.child.pid;
  if (pid === undefined) throw new Error(`the gateway did not spawn: ${gw.stderr()}`);
  try {
    await waitForPort(brokerPort, 20_000, gw.child);
  } catch (err) {
    throw new Error(`the gateway did not come up: ${(err as Error).message}\n${gw.stderr()}`);
  }
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${brokerPort}`, {
    clientId: `bench-zebra-${process.pid}-${rigs}`,
    reconnectPeriod: 0,
  });
  const endClient = teardown.add(`mqtt client (${o.scenario})`, () => client.endAsync(true));
  const prefix = `cxp/v1/${gatewayId}`;
  const outTopic = `${prefix}/out/${SOURCE_ID}`;
  await client.subscribeAsync(outTopic, { qos: 1 });
  return {
    emulator,
    client,
    pid,
    gatewayId,
    httpPort,
    inTopic: `${prefix}/in`,
    outTopic,
    stderr: gw.stderr,
    stop: async () => {
      await endClient();
      await gw.stop();
      await stopEmulator();
    },
  };
}

/** An ACTION_REQUEST from the bench (an agent) to the bench printer. */
export function actionRequest(id: string, action: string, params: Record<string, unknown>): string {
  return JSON.stringify({
    cxp_version: '1.0',
    type: 'ACTION_REQUEST',
    id,
    source: { id: SOURCE_ID, kind: 'agent' },
    target: PRINTER_ID,
    action,
    params,
  });
}

/** Asks print.printer_status until the printer is online (its first status poll is done). */
export async function untilPrinterOnline(rig: Rig, timeoutMs: number): Promise<void> {
  const state = { online: false };
  const onMessage = (_topic: string, payload: Buffer) => {
    const m = JSON.parse(payload.toString()) as { correlation_id?: string; result?: { is_online?: boolean } };
    if (m.correlation_id?.startsWith('ready-') === true && m.result?.is_online === true) state.online = true;
  };
  rig.client.on('message', onMessage);
  try {
    const deadline = Date.now() + timeoutMs;
    for (let k = 0; !state.online; k++) {
      if (Date.now() > deadline) throw new Error(`the printer was not online after ${timeoutMs} ms`);
      await rig.client.publishAsync(rig.inTopic, actionRequest(`ready-${k}`, 'print.printer_status', {}), {
        qos: 1,
      });
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    rig.client.off('message', onMessage);
  }
}

const PROBLEMS = ['cxp_edge_errors_total{', 'cxp_edge_messages_dropped_total{', 'cxp_edge_reconnects_total{'];

/** Counters from the gateway's /metrics (series -> value); by default its error, drop and reconnect ones. */
export async function counters(
  rig: Rig,
  prefixes: readonly string[] = PROBLEMS,
): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${rig.httpPort}/metrics`)).text();
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!prefixes.some((c) => line.startsWith(c))) continue;
    const cut = line.lastIndexOf(' ');
    found.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return found;
}

/** Series that grew from `before` to `after`, as "series +delta". */
export function grown(before: Map<string, number>, after: Map<string, number>): string[] {
  return [...after].flatMap(([series, value]) => {
    const delta = value - (before.get(series) ?? 0);
    return delta > 0 ? [`${series} +${delta}`] : [];
  });
}
