/**
 * The gateway path's rig: the compiled gateway (`node dist/src/runtime/cli.js start`, as `npm start`
 * runs it) in its own process, with its embedded broker and /metrics on free loopback ports and one
 * ipp device pointing at the phase's lab, and an MQTT.js client here that talks CXP to it. The
 * gateway and the client are registered with the teardown as they start.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { parseConfig, REPO } from '../mqtt-path/gateways.js';
import { freePort, spawnChild, waitForPort } from '../mqtt-path/processes.js';
import type { Teardown } from '../mqtt-path/teardown.js';

export const PRINTER_ID = 'bench_press';
export const SOURCE_ID = 'bench';

export interface RigOptions {
  name: string;
  dir: string;
  url: string;
  /** The device's job_poll_interval_ms and poll_interval_ms. */
  jobPollMs: number;
  idlePollMs: number;
}

export interface Rig {
  client: MqttClient;
  pid: number;
  httpPort: number;
  inTopic: string;
  outTopic: string;
  stderr: () => string;
  /** Ends the client, then stops the gateway. */
  stop: () => Promise<void>;
}

let rigs = 0;

function configText(o: RigOptions, gatewayId: string, brokerPort: number, httpPort: number): string {
  return JSON.stringify({
    gateway: { id: gatewayId, state_dir: join(o.dir, `state-${rigs}`) },
    log: { level: 'warn' },
    http: { enabled: true, host: '127.0.0.1', port: httpPort },
    broker: { enabled: true, host: '127.0.0.1', port: brokerPort },
    devices: [
      {
        kind: 'ipp',
        id: PRINTER_ID,
        url: o.url,
        poll_interval_ms: o.idlePollMs,
        job_poll_interval_ms: o.jobPollMs,
      },
    ],
  });
}

export async function startRig(teardown: Teardown, o: RigOptions): Promise<Rig> {
  const gatewayId = `bench-ipp-${process.pid}-${++rigs}`;
  const [brokerPort, httpPort] = [await freePort(), await freePort()];
  const text = configText(o, gatewayId, brokerPort, httpPort);
  parseConfig(text); // refused here, with every problem, rather than by a silent child
  const file = join(o.dir, `gateway-${rigs}.yaml`);
  await writeFile(file, text);
  // BENCH_GATEWAY_FLAGS replaces the node flags, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const flags = (process.env.BENCH_GATEWAY_FLAGS ?? '--max-semi-space-size=2').split(/\s+/).filter(Boolean);
  const gw = spawnChild(
    teardown,
    `gateway (${o.name})`,
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
    clientId: `bench-ipp-${process.pid}-${rigs}`,
    reconnectPeriod: 0,
  });
  const endClient = teardown.add(`mqtt client (${o.name})`, () => client.endAsync(true));
  const prefix = `cxp/v1/${gatewayId}`;
  const outTopic = `${prefix}/out/${SOURCE_ID}`;
  await client.subscribeAsync(outTopic, { qos: 1 });
  return {
    client,
    pid,
    httpPort,
    inTopic: `${prefix}/in`,
    outTopic,
    stderr: gw.stderr,
    stop: async () => {
      await endClient();
      await gw.stop();
    },
  };
}

/** An ACTION_REQUEST from the bench (an agent) to the bench press. */
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

/** Asks print.printer_status until the press is online (its first Get-Printer-Attributes is in). */
export async function untilPressOnline(rig: Rig, timeoutMs: number): Promise<void> {
  const state = { online: false };
  const onMessage = (_topic: string, payload: Buffer) => {
    const m = JSON.parse(payload.toString()) as { correlation_id?: string; result?: { is_online?: boolean } };
    if (m.correlation_id?.startsWith('ready-') === true && m.result?.is_online === true) state.online = true;
  };
  rig.client.on('message', onMessage);
  try {
    const deadline = Date.now() + timeoutMs;
    for (let k = 0; !state.online; k++) {
      if (Date.now() > deadline)
        throw new Error(`the press was not online after ${timeoutMs} ms\n${rig.stderr()}`);
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

/** The gateway's error, drop and reconnect counters from /metrics (series -> value). */
export async function problemCounters(rig: Rig): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${rig.httpPort}/metrics`)).text();
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!PROBLEMS.some((c) => line.startsWith(c))) continue;
    const cut = line.lastIndexOf(' ');
    found.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return found;
}

/** Series that grew from `before` to `after`, as "series +delta". */
export function grown(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): string[] {
  return [...after].flatMap(([series, value]) => {
    const delta = value - (before.get(series) ?? 0);
    return delta > 0 ? [`${series} +${delta}`] : [];
  });
}

/** utime + stime of a process, in seconds (clock ticks of 10 ms), from /proc/<pid>/stat. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
