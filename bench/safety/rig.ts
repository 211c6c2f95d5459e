/**
 * What the bench runs besides itself: the compiled gateway (`node dist/src/runtime/cli.js start`,
 * as `npm start` runs it) in its own process against the bench's mosquitto, with one MQTT bridge
 * ingesting the heartbeats and the load, the safety supervisor with one heartbeat rule, and
 * /metrics on a free loopback port; and the load generator (load-child.ts) as a child process.
 * Everything is registered with the teardown as it starts.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseConfig, REPO } from '../mqtt-path/gateways.js';
import { freePort, spawnChild, waitForPort } from '../mqtt-path/processes.js';
import type { Teardown } from '../mqtt-path/teardown.js';
import { readMetrics, sumOf } from '../serial/metrics.js';

export interface GatewayOptions {
  dir: string;
  url: string;
  timeoutMs: number;
  /** safety.tick_ms (the fallback deadline check); undefined: the schema default (20). */
  tickMs: number | undefined;
}

export interface GatewayRig {
  pid: number;
  id: string;
  /** Where SAFETY_EVENTs go: cxp/v1/<gw>/safety. */
  safetyTopic: string;
  httpPort: number;
  stderr: () => string;
  stop: () => Promise<void>;
}

/** The gateway's config as YAML (JSON is YAML); the heartbeat rule, not latched. */
export function gatewayConfigText(id: string, o: GatewayOptions, httpPort: number): string {
  return JSON.stringify({
    gateway: { id, state_dir: join(o.dir, 'state') },
    log: { level: 'warn' },
    http: { enabled: true, host: '127.0.0.1', port: httpPort },
    broker: { enabled: false },
    mqtt: { url: o.url },
    bridges: [
      {
        kind: 'mqtt',
        id: 'field',
        ingest: [
          { filter: 'bench/hb/+', ref: 'world/hb/{1}', field: 'seq' },
          { filter: 'bench/load/+', ref: 'world/load/{1}', field: 'v' },
        ],
      },
    ],
    safety: {
      enabled: true,
      ...(o.tickMs === undefined ? {} : { tick_ms: o.tickMs }),
      rules: [
        {
          kind: 'heartbeat',
          id: 'hb',
          ref: 'world/hb/*',
          timeout_ms: o.timeoutMs,
          severity: 'PROTECTIVE',
          // No fault.heartbeat_missing while the sources start; the stale path is what is measured.
          startup_grace_ms: 60_000,
        },
      ],
    },
  });
}

export async function startGateway(teardown: Teardown, o: GatewayOptions): Promise<GatewayRig> {
  const id = `bench-safety-${process.pid}`;
  const httpPort = await freePort();
  const text = gatewayConfigText(id, o, httpPort);
  parseConfig(text); // refused here, with every problem, rather than by a silent child
  const file = join(o.dir, 'gateway.yaml');
  await writeFile(file, text);
  // BENCH_GATEWAY_FLAGS replaces the node flags, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const flags = (process.env.BENCH_GATEWAY_FLAGS ?? '--max-semi-space-size=2').split(/\s+/).filter(Boolean);
  const gw = spawnChild(
    teardown,
    'gateway',
    process.execPath,
    [...flags, 'dist/src/runtime/cli.js', 'start', '-c', file],
    { cwd: REPO },
  );
  const pid = gw.child.pid;
  if (pid === undefined) throw new Error(`the gateway did not spawn: ${gw.stderr()}`);
  try {
    await waitForPort(httpPort, 20_000, gw.child);
    await untilReady(httpPort, 10_000);
  } catch (err) {
    throw new Error(`the gateway did not come up: ${(err as Error).message}\n${gw.stderr()}`);
  }
  return { pid, id, safetyTopic: `cxp/v1/${id}/safety`, httpPort, stderr: gw.stderr, stop: gw.stop };
}

/** Polls /readyz until it answers 200 (connected, bridge subscribed). */
async function untilReady(httpPort: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
    const body = await res.text();
    if (res.ok) return;
    if (Date.now() > deadline) throw new Error(`/readyz still ${res.status} after ${timeoutMs} ms: ${body}`);
    await sleep(50);
  }
}

/** Messages the gateway's MQTT bridge `field` has taken from the broker, and dropped. */
export async function ingestCounts(httpPort: number): Promise<{ received: number; dropped: number }> {
  const m = await readMetrics(httpPort);
  const route = 'mqtt_bridge:field';
  return {
    received: sumOf(m, { name: 'cxp_edge_messages_in_total', labels: { route } }),
    dropped: sumOf(m, { name: 'cxp_edge_messages_dropped_total', labels: { route } }),
  };
}

export interface Load {
  pid: number;
  /** Stops the generator; resolves to what it sent (and received with --sink) and over how long. */
  stop: () => Promise<{ sent: number; ms: number; received: number }>;
}

/** The load generator as a child process; resolves once it publishes. */
export async function startLoad(
  teardown: Teardown,
  o: { url: string; rate: number; topics: number; sink: boolean },
): Promise<Load> {
  const args = ['--import', 'tsx', 'bench/safety/load-child.ts', o.url, String(o.rate), String(o.topics)];
  const load = spawnChild(teardown, 'load generator', process.execPath, o.sink ? [...args, '--sink'] : args, {
    cwd: REPO,
  });
  const pid = load.child.pid;
  if (pid === undefined) throw new Error(`the load generator did not spawn: ${load.stderr()}`);
  const deadline = Date.now() + 15_000;
  while (!load.stderr().includes('publishing')) {
    if (load.child.exitCode !== null || Date.now() > deadline)
      throw new Error(`the load generator did not start: ${load.stderr()}`);
    await sleep(20);
  }
  return {
    pid,
    stop: async () => {
      await load.stop();
      const m = /sent (\d+) in (\d+) ms, received (\d+)/.exec(load.stderr());
      if (!m) throw new Error(`the load generator did not report: ${load.stderr()}`);
      return { sent: Number(m[1]), ms: Number(m[2]), received: Number(m[3]) };
    },
  };
}
