import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { systemClock } from '../../src/cxp/clock.js';
import { cryptoRandom } from '../../src/cxp/ids.js';
import { loadConfig, type GatewayConfig } from '../../src/runtime/config/load.js';
import { buildGateway, type Gateway } from '../../src/runtime/gateway.js';
import { createPluginRegistry } from '../../src/runtime/registry.js';
import { secretReader } from '../../src/runtime/secrets.js';

export interface TestGateway extends Gateway {
  readonly id: string;
  readonly stateDir: string;
  stop(): Promise<void>;
}

let counter = 0;

/** A gateway in this process from YAML (merged after test defaults), started and ready to stop. */
export async function startGateway(
  yaml: string,
  options: {
    stateDir?: string;
    env?: Record<string, string>;
    waitReady?: boolean;
    /** Serve /healthz, /readyz and /metrics on a free loopback port (`gateway.http.address`). */
    http?: boolean;
  } = {},
): Promise<TestGateway> {
  counter += 1;
  const id = `it-${process.pid}-${counter}`;
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'cxp-gw-'));
  const base = `gateway: { id: ${id}, state_dir: ${stateDir}, shutdown_timeout_ms: 5000 }\nlog: { level: silent }\nhttp: { enabled: ${options.http === true ? 'true, host: 127.0.0.1, port: 0' : 'false'} }\n`;
  const loaded = loadConfig({
    text: base + yaml,
    env: {},
    hostname: 'test',
    plugins: createPluginRegistry(),
  });
  if (!loaded.ok) throw new Error(`bad test config: ${JSON.stringify(loaded.issues)}`);
  const config: GatewayConfig = loaded.config;
  const gateway = buildGateway(config, {
    clock: systemClock,
    random: cryptoRandom,
    logger: pino({ level: 'silent' }),
    readSecret: secretReader({ ...process.env, ...options.env }),
    plugins: createPluginRegistry(),
    version: 'test',
  });
  await gateway.lifecycle.start();
  if (options.waitReady !== false)
    await until(() => gateway.ready(), 10_000, 'every connection connected and subscribed');
  return {
    ...gateway,
    id,
    stateDir,
    stop: async () => {
      await gateway.lifecycle.stop();
      if (options.stateDir === undefined) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` every 20 ms; `what` (or what it returns, read at the timeout) names it in the error. */
export async function until(
  check: () => boolean,
  timeoutMs = 10_000,
  what: string | (() => string) = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
