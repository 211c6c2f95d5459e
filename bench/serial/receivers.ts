/**
 * The two receivers of a phase, each its own process on the gateway end of a fresh pty pair: the
 * compiled gateway with one serial bridge (`cxp-edge start`, as `npm start` runs it), and the
 * baseline (baseline-reader.js: serialport and an indexOf line split, nothing else). Both count
 * frames on request; both are registered with the teardown as they start.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseConfig, REPO } from '../mqtt-path/gateways.js';
import { freePort, spawnChild, stopChild, waitForPort } from '../mqtt-path/processes.js';
import type { Teardown } from '../mqtt-path/teardown.js';
import { readMetrics, sumOf, type Metrics } from './metrics.js';

export const BRIDGE_ID = 'bench';
const ROUTE = `serial:${BRIDGE_ID}`;
export const FRAMES_IN = { name: 'cxp_edge_messages_in_total', labels: { route: ROUTE, kind: 'frame' } };
export const BYTES_IN = { name: 'cxp_edge_serial_bytes_in_total', labels: { port: BRIDGE_ID } };
export const ERRORS = { name: 'cxp_edge_errors_total', labels: { route: ROUTE } };
export const DIFFS = { name: 'cxp_edge_messages_out_total', labels: { route: 'cxp_diff' } };
const CONNECTED = { name: 'cxp_edge_connected', labels: { connection: ROUTE } };

export interface Receiver {
  /** `gateway` or `baseline`. */
  readonly kind: 'gateway' | 'baseline';
  readonly pid: number;
  /** Frames counted so far. */
  frames(): Promise<number>;
  /** CONTEXT_DIFFs published so far (the gateway only). */
  diffs?(): Promise<number>;
  /** Stops the process (and unregisters it from the teardown). */
  stop(): Promise<void>;
}

export interface GatewayReceiver extends Receiver {
  readonly kind: 'gateway';
  metrics(): Promise<Metrics>;
  stderr(): string;
}

export interface GatewayOptions {
  /** The run's temp dir: config and state dir go below it. */
  dir: string;
  /** The pty end the bridge opens. */
  tty: string;
  baud: number;
  /** Node flags of the gateway. */
  flags: readonly string[];
  name: string;
}

/** The bridge's decode rules: `w=12.345 seq=123456` -> world/bench/<port>/w (kg) and .../seq. */
export const DECODE = {
  parse: { type: 'kv', pair_separator: ' ' },
  signals: [
    { ref: 'world/bench/{port}/w', field: 'w', unit: 'kg' },
    { ref: 'world/bench/{port}/seq', field: 'seq' },
  ],
} as const;

let gateways = 0;

/** The bench gateway's config as JSON (which is YAML). */
export function gatewayConfig(o: GatewayOptions, n: number, ports: { http: number; broker: number }): string {
  return JSON.stringify({
    gateway: { id: `bench-serial-${process.pid}-${n}`, state_dir: join(o.dir, `state-${n}`) },
    log: { level: 'warn' },
    http: { enabled: true, host: '127.0.0.1', port: ports.http },
    broker: { enabled: true, host: '127.0.0.1', port: ports.broker },
    bridges: [
      {
        kind: 'serial',
        id: BRIDGE_ID,
        port: { path: o.tty },
        baud_rate: o.baud,
        framing: { type: 'line' },
        decode: DECODE,
      },
    ],
  });
}

/** Starts the compiled gateway and resolves once its serial port is open. */
export async function startGateway(teardown: Teardown, o: GatewayOptions): Promise<GatewayReceiver> {
  const n = ++gateways;
  const ports = { http: await freePort(), broker: await freePort() };
  const text = gatewayConfig(o, n, ports);
  parseConfig(text); // refused here, with every problem, rather than by a silent child
  const file = join(o.dir, `gateway-${n}.yaml`);
  await writeFile(file, text);
  const gw = spawnChild(
    teardown,
    `gateway (${o.name})`,
    process.execPath,
    [...o.flags, 'dist/src/runtime/cli.js', 'start', '-c', file],
    { cwd: REPO },
  );
  const pid = gw.child.pid;
  if (pid === undefined) throw new Error(`the gateway did not spawn: ${gw.stderr()}`);
  const metrics = () => readMetrics(ports.http);
  try {
    await waitForPort(ports.http, 20_000, gw.child);
    await until(async () => sumOf(await metrics(), CONNECTED) === 1, 10_000, 'the serial port to open');
  } catch (err) {
    throw new Error(`the gateway did not come up: ${(err as Error).message}\n${gw.stderr()}`);
  }
  return {
    kind: 'gateway',
    pid,
    frames: async () => sumOf(await metrics(), FRAMES_IN),
    diffs: async () => sumOf(await metrics(), DIFFS),
    metrics,
    stderr: gw.stderr,
    stop: gw.stop,
  };
}

/** Starts baseline-reader.js on `tty` and resolves once it has opened the port. */
export async function startBaseline(
  teardown: Teardown,
  o: { tty: string; baud: number; name: string },
): Promise<Receiver> {
  const script = join(import.meta.dirname, 'baseline-reader.js');
  const child = spawn(process.execPath, [script, o.tty, String(o.baud)], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stop = teardown.add(`baseline reader (${o.name})`, async () => {
    child.stdin.end();
    await stopChild(child);
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4096)));
  const waiting = new Set<(line: string | Error) => void>();
  const lines = createInterface({ input: child.stdout });
  // Answers come in request order: the oldest waiter takes each line.
  lines.on('line', (line) => {
    const [first] = waiting;
    first?.(line);
  });
  child.once('exit', (code) => {
    for (const w of [...waiting]) w(new Error(`the baseline reader exited (${code ?? 'signal'}): ${stderr}`));
  });
  const next = (timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      const take = (line: string | Error) => {
        waiting.delete(take);
        clearTimeout(timer);
        if (line instanceof Error) reject(line);
        else resolve(line);
      };
      const timer = setTimeout(() => {
        take(new Error(`the baseline reader did not answer in ${timeoutMs} ms: ${stderr}`));
      }, timeoutMs);
      waiting.add(take);
    });
  const ready = await next(10_000);
  if (ready !== 'ready' || child.pid === undefined)
    throw new Error(`the baseline reader: ${ready} ${stderr}`);
  return {
    kind: 'baseline',
    pid: child.pid,
    frames: async () => {
      const answer = next(5000);
      child.stdin.write('\n');
      return Number((await answer).split(' ')[0]);
    },
    stop,
  };
}

/** Polls `check` every 50 ms until it holds; rejects after timeoutMs naming `what`. */
export async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
