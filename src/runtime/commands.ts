import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddedBroker } from '../../bridges/mqtt/broker/broker.js';
import { systemClock } from '../cxp/clock.js';
import { cryptoRandom } from '../cxp/ids.js';
import { loadConfig, type ConfigIssue, type GatewayConfig } from './config/load.js';
import { demoSources } from './demo.js';
import { buildGateway, type Gateway } from './gateway.js';
import { createRootLogger, type Logger } from './log.js';
import { createPluginRegistry } from './registry.js';
import { secretReader } from './secrets.js';

/** The package root (works from src/ under tsx and from dist/src/ when built). */
export function packageRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'cxp-edge') return dir;
    } catch {
      // no package.json here: keep walking up
    }
  }
  return process.cwd();
}

export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'unknown';
  }
}

/** `-c file`, else config/default.yaml in the working directory, else the one shipped in the package. */
export function configPath(given: string | undefined): string {
  if (given !== undefined) return resolve(given);
  const local = resolve('config/default.yaml');
  return existsSync(local) ? local : join(packageRoot(), 'config', 'default.yaml');
}

export type Loaded =
  { ok: true; config: GatewayConfig; path: string } | { ok: false; issues: ConfigIssue[]; path: string };

export function readConfig(path: string, overlay = ''): Loaded {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return {
      ok: false,
      path,
      issues: [{ path: path, message: `cannot read: ${err instanceof Error ? err.message : String(err)}` }],
    };
  }
  const result = loadConfig({
    text: text + overlay,
    env: process.env,
    hostname: hostname(),
    plugins: createPluginRegistry(),
  });
  return result.ok ? { ok: true, config: result.config, path } : { ok: false, issues: result.issues, path };
}

export function printIssues(loaded: { issues: ConfigIssue[]; path: string }): void {
  process.stderr.write(`${loaded.path}: ${loaded.issues.length} problem(s)\n`);
  for (const issue of loaded.issues) process.stderr.write(`  ${issue.path}: ${issue.message}\n`);
}

/** Runs until SIGTERM/SIGINT, then stops in order under the configured deadline. */
export async function runGateway(config: GatewayConfig, options: { demo?: boolean } = {}): Promise<number> {
  const logger = createRootLogger({ level: config.log.level, base: { gateway: config.gateway.id } });
  const gateway = buildGateway(config, {
    clock: systemClock,
    random: cryptoRandom,
    logger,
    readSecret: secretReader(process.env),
    plugins: createPluginRegistry(),
    version: packageVersion(),
  });
  if (options.demo === true) gateway.lifecycle.add(demoSources(gateway.store, systemClock));
  return runUntilSignal(
    logger,
    () => gateway.lifecycle.start(),
    () => gateway.lifecycle.stop(),
    gateway,
  );
}

/** The broker sidecar alone (`cxp-edge broker`). */
export async function runBroker(config: GatewayConfig): Promise<number> {
  const logger = createRootLogger({ level: config.log.level, base: { gateway: config.gateway.id } });
  const broker = new EmbeddedBroker({ config: config.broker, logger, readSecret: secretReader(process.env) });
  return runUntilSignal(
    logger,
    async () => {
      const addresses = await broker.start();
      logger.info({ addresses }, 'broker sidecar running');
    },
    () => broker.stop(),
  );
}

async function runUntilSignal(
  logger: Logger,
  start: () => Promise<void>,
  stop: () => Promise<void>,
  gateway?: Gateway,
): Promise<number> {
  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string) => {
    logger.info({ reason }, 'stopping');
    stopping ??= stop();
    return stopping;
  };
  const done = new Promise<void>((resolveDone) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => void shutdown(signal).then(resolveDone));
    }
  });
  try {
    await start();
  } catch (err) {
    logger.fatal({ err }, 'start failed');
    await shutdown('start failed');
    return 1;
  }
  logger.info({ http: gateway?.http?.address, topics: gateway?.binding.topics.root }, 'cxp-edge running');
  await done;
  return 0;
}
