import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { EmbeddedBroker } from '../../bridges/mqtt/broker/broker.js';
import { renderPreview, type PreviewMedia } from '../../devices/zebra/preview.js';
import { compileTemplate } from '../../devices/zebra/template.js';
import { checkZpl, DEFAULT_MAX_ZPL_BYTES } from '../../devices/zebra/zpl.js';
import { systemClock } from '../cxp/clock.js';
import { fail, ok, toCxpError, type Result } from '../cxp/errors.js';
import { cryptoRandom } from '../cxp/ids.js';
import { loadConfig, type ConfigIssue, type GatewayConfig } from './config/load.js';
import { demoSources } from './demo.js';
import { buildGateway, type Gateway } from './gateway.js';
import type { Component } from './lifecycle.js';
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

/**
 * Reads and checks a config file. `extend` may add to the parsed document before it is checked
 * (the demo adds its emulated printer this way).
 */
export function readConfig(
  path: string,
  overlay = '',
  extend?: (doc: Record<string, unknown>) => void,
): Loaded {
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
  let full = text + overlay;
  if (extend) {
    try {
      const doc = (parse(full) ?? {}) as Record<string, unknown>;
      extend(doc);
      full = JSON.stringify(doc);
    } catch {
      // unparsable: loadConfig reports it with its position
    }
  }
  const result = loadConfig({
    text: full,
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
export async function runGateway(
  config: GatewayConfig,
  options: { demo?: boolean; components?: Component[] } = {},
): Promise<number> {
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
  for (const c of options.components ?? []) gateway.lifecycle.add(c);
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

export const LABEL_PREVIEW_USAGE =
  'usage: cxp-edge label-preview <template.zpl> [--var k=v ...] [--width-mm N] [--height-mm N] [--dpmm 6|8|12|24] -o out.png';

interface LabelPreviewArgs {
  template: string;
  out: string;
  vars: Record<string, string>;
  media: PreviewMedia;
}

const badArg = (message: string): Result<never> =>
  fail('INVALID_PARAMS', `${message}; ${LABEL_PREVIEW_USAGE}`, {
    details: { errors: [{ path: '', message }] },
  });

/** Defaults: a 4x6 inch label at 203 dpi. */
function parseLabelPreviewArgs(args: string[]): Result<LabelPreviewArgs> {
  const vars: Record<string, string> = {};
  const numbers: Record<string, number> = { '--width-mm': 101.6, '--height-mm': 152.4, '--dpmm': 8 };
  const positional: string[] = [];
  let out: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const value = args[++i];
    if (value === undefined) return badArg(`${arg} needs a value`);
    if (arg === '-o' || arg === '--output') out = value;
    else if (arg === '--var') {
      const eq = value.indexOf('=');
      if (eq < 1) return badArg(`--var ${value}: expected name=value`);
      vars[value.slice(0, eq)] = value.slice(eq + 1);
    } else if (arg in numbers) {
      if (value.trim() === '' || !Number.isFinite(Number(value)))
        return badArg(`${arg} ${value}: not a number`);
      numbers[arg] = Number(value);
    } else return badArg(`unknown option ${arg}`);
  }
  const [template, ...extra] = positional;
  if (template === undefined || extra.length > 0) return badArg('expected exactly one template file');
  if (out === undefined) return badArg('-o out.png is required');
  const media = { widthMm: numbers['--width-mm'], heightMm: numbers['--height-mm'], dpmm: numbers['--dpmm'] };
  return ok({ template, out, vars, media: media as PreviewMedia });
}

function readTemplateFile(path: string): Result<string> {
  try {
    if (statSync(path).size > DEFAULT_MAX_ZPL_BYTES)
      throw new Error(`larger than ${DEFAULT_MAX_ZPL_BYTES} bytes`);
    return ok(readFileSync(path, 'utf8'));
  } catch (err) {
    const message = `cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`;
    return fail('INVALID_PARAMS', message, { details: { errors: [{ path: '', message }] } });
  }
}

async function labelPreview(args: string[]): Promise<Result<string>> {
  const parsed = parseLabelPreviewArgs(args);
  if (!parsed.ok) return parsed;
  const { template, out, vars, media } = parsed.value;
  const text = readTemplateFile(template);
  if (!text.ok) return text;
  const compiled = compileTemplate(basename(template).replace(/\.zpl$/i, ''), text.value);
  if (!compiled.ok) return compiled;
  const zpl = compiled.value.render(vars);
  if (!zpl.ok) return zpl;
  const png = await renderPreview(zpl.value, media);
  if (!png.ok) return png;
  try {
    writeFileSync(out, png.value);
  } catch (err) {
    const message = `cannot write ${out}: ${err instanceof Error ? err.message : String(err)}`;
    return fail('INVALID_PARAMS', message, { details: { errors: [{ path: '', message }] } });
  }
  const summary = checkZpl(zpl.value);
  const formats = summary.ok ? summary.value.formats : 1;
  const size = `${png.value.readUInt32BE(16)}x${png.value.readUInt32BE(20)} px`;
  const at = `${media.widthMm}x${media.heightMm} mm at ${media.dpmm} dpmm`;
  return ok(`${out}: ${size} PNG (${at}), label 1 of ${formats} format(s)`);
}

/** `cxp-edge label-preview`: 0 with a one-line summary, 1 with the coded error on stderr. */
export async function runLabelPreview(args: string[]): Promise<number> {
  const result = await labelPreview(args).catch((err: unknown) => ({
    ok: false as const,
    error: toCxpError(err),
  }));
  if (result.ok) {
    process.stdout.write(`${result.value}\n`);
    return 0;
  }
  process.stderr.write(`${JSON.stringify(result.error.toWire(), null, 2)}\n`);
  return 1;
}
