/**
 * The gateway under test: its config (through loadConfig, like `cxp-edge start`), an in-process
 * gateway from buildGateway, a standalone `cxp-edge start` child, and the aedes baseline broker.
 */
import { stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { EmbeddedBroker } from '../../bridges/mqtt/broker/broker.js';
import { systemClock } from '../../src/cxp/clock.js';
import { cryptoRandom } from '../../src/cxp/ids.js';
import { packageVersion } from '../../src/runtime/commands.js';
import { loadConfig, type GatewayConfig } from '../../src/runtime/config/load.js';
import { buildGateway, type Gateway } from '../../src/runtime/gateway.js';
import { createRootLogger } from '../../src/runtime/log.js';
import { createPluginRegistry } from '../../src/runtime/registry.js';
import { secretReader } from '../../src/runtime/secrets.js';
import { spawnChild } from './processes.js';
import type { Teardown } from './teardown.js';

export const REPO = resolve(import.meta.dirname, '../..');
/** Field topics the bridge ingests: bench/<sensor>/value -> world/bench/<sensor>, field v. */
export const INGEST = { filter: 'bench/+/value', ref: 'world/bench/{1}', field: 'v' } as const;

let instances = 0;

export interface BenchConfigOptions {
  /** Broker URL; absent: the embedded aedes broker on an ephemeral port. */
  url?: string;
  stateDir: string;
}

/** The bench config as YAML text (JSON is YAML), with a gateway id unique to this run and instance. */
export function benchConfigText(o: BenchConfigOptions): string {
  const id = `bench-${process.pid}-${++instances}`;
  return JSON.stringify(
    {
      gateway: { id, state_dir: o.stateDir },
      log: { level: 'silent' },
      http: { enabled: false },
      broker: o.url === undefined ? { enabled: true, port: 0 } : { enabled: false },
      mqtt: { ...(o.url === undefined ? {} : { url: o.url }), store_forward: { enabled: false } },
      cxp: { diff_qos: 0 },
      bridges: [
        {
          kind: 'mqtt',
          id: 'bench',
          ingest: [INGEST],
          ...(process.env.BENCH_QUEUE_CAPACITY === undefined
            ? {}
            : { queue: { capacity: Number(process.env.BENCH_QUEUE_CAPACITY) } }),
        },
      ],
    },
    null,
    2,
  );
}

export function parseConfig(text: string): GatewayConfig {
  const result = loadConfig({ text, env: {}, hostname: hostname(), plugins: createPluginRegistry() });
  if (!result.ok) throw new Error(`bench config refused: ${JSON.stringify(result.issues)}`);
  return result.config;
}

export interface RunningGateway {
  gateway: Gateway;
  /** Where clients connect: the embedded broker's real port, or the external URL. */
  url: string;
  diffTopic: string;
  stop: () => Promise<void>;
}

/** buildGateway + lifecycle.start in this process; the embedded broker's port is read once it listens. */
export async function startInProcess(teardown: Teardown, config: GatewayConfig): Promise<RunningGateway> {
  const gateway = buildGateway(config, {
    clock: systemClock,
    random: cryptoRandom,
    logger: createRootLogger({ level: 'silent' }),
    readSecret: secretReader(process.env),
    plugins: createPluginRegistry(),
    version: packageVersion(),
  });
  const stop = teardown.add(`gateway ${config.gateway.id}`, () => gateway.lifecycle.stop());
  await gateway.lifecycle.start();
  // broker.start() is idempotent: it hands back the addresses of the start the lifecycle made.
  const url = gateway.broker
    ? `mqtt://${config.broker.host}:${(await gateway.broker.start()).tcp.port}`
    : (config.mqtt.url ?? '');
  return { gateway, url, diffTopic: gateway.binding.topics.diff, stop };
}

export interface BridgeCounts {
  /** Field messages the bench bridge received from its MQTT connection. */
  received: number;
  /** ... and dropped by its bounded queue (0 under the default policy `block`, which pauses reading). */
  dropped: number;
}

/** Reads the in-process gateway's own metrics of the bench bridge (route mqtt_bridge:bench). */
export function bridgeCounts(gateway: Gateway): () => Promise<BridgeCounts> {
  const sum = async (counter: Gateway['metrics']['dropped']) =>
    (await counter.get()).values
      .filter((v) => v.labels.route === 'mqtt_bridge:bench')
      .reduce((total, v) => total + v.value, 0);
  return async () => ({
    received: await sum(gateway.metrics.messagesIn),
    dropped: await sum(gateway.metrics.dropped),
  });
}

/** The aedes broker the gateway embeds (same class, same config section), without a gateway. */
export async function startAedes(
  teardown: Teardown,
  config: GatewayConfig,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const broker = new EmbeddedBroker({
    config: config.broker,
    logger: createRootLogger({ level: 'silent' }),
    readSecret: secretReader(process.env),
  });
  const stop = teardown.add('aedes baseline broker', () => broker.stop());
  const { tcp } = await broker.start();
  return { url: `mqtt://${config.broker.host}:${tcp.port}`, stop };
}

/** How the standalone gateway runs: from source through tsx, or compiled (dist/, `npm run build`). */
export type StandaloneForm = 'tsx' | 'dist';

const DIST_FLAGS = (process.env.BENCH_DIST_FLAGS ?? '--max-semi-space-size=2').split(/\s+/).filter(Boolean);

const STANDALONE = {
  tsx: {
    args: ['--import', 'tsx', 'src/runtime/cli.ts'],
    label: 'node --import tsx src/runtime/cli.ts start',
  },
  // As `npm start` runs it (package.json): a small young generation for edge boxes.
  // BENCH_DIST_FLAGS replaces the node flags, for experiments (e.g. "--max-semi-space-size=8").
  dist: {
    args: [...DIST_FLAGS, 'dist/src/runtime/cli.js'],
    label: `node ${DIST_FLAGS.join(' ')} dist/src/runtime/cli.js start${process.env.BENCH_DIST_FLAGS === undefined ? ' (as npm start)' : ''}`,
  },
} as const;

export interface Standalone {
  form: StandaloneForm;
  label: string;
  pid: number;
  diffTopic: string;
  stderr: () => string;
  stop: () => Promise<void>;
}

/** `cxp-edge start -c <temp config>` as a child process, with its own gateway id. */
export async function spawnStandalone(
  teardown: Teardown,
  dir: string,
  url: string,
  form: StandaloneForm,
): Promise<Standalone> {
  const text = benchConfigText({ url, stateDir: join(dir, `state-standalone-${form}`) });
  const config = parseConfig(text);
  const file = join(dir, `standalone-${form}.yaml`);
  await writeFile(file, text);
  const { args, label } = STANDALONE[form];
  const { child, stderr, stop } = spawnChild(
    teardown,
    `standalone gateway (${form})`,
    process.execPath,
    [...args, 'start', '-c', file],
    { cwd: REPO },
  );
  if (child.pid === undefined) throw new Error(`could not spawn the gateway: ${stderr()}`);
  const diffTopic = `${config.cxp.topic_prefix}/${config.gateway.id}/diff`;
  return { form, label: `own process: ${label}`, pid: child.pid, diffTopic, stderr, stop };
}

/** When dist/src/runtime/cli.js was built, if it was. */
export async function distBuiltAt(): Promise<Date | undefined> {
  try {
    return (await stat(join(REPO, 'dist/src/runtime/cli.js'))).mtime;
  } catch {
    return undefined;
  }
}
