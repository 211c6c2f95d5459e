#!/usr/bin/env node
/**
 * The cxp-edge command. This build carries the protocol core; the gateway runtime (start, broker,
 * check-config, demo) lands with the runtime release and says so rather than pretending.
 */
import { readFileSync, statSync } from 'node:fs';
import { decodeMessage } from '../cxp/message.js';
import {
  configPath,
  packageVersion,
  printIssues,
  readConfig,
  runBroker,
  runGateway,
  runLabelPreview,
} from './commands.js';
import { runDemo } from './demo-run.js';

const pkg = { version: packageVersion() };

const HELP = `cxp-edge ${pkg.version}: edge gateway for robots and factory printing stations (CXP)

Usage:
  cxp-edge start [-c file]               run the gateway (default config: config/default.yaml)
  cxp-edge check-config [-c file]        validate a config; prints every problem, exit 1 if any
  cxp-edge broker [-c file]              run only the embedded MQTT broker sidecar
  cxp-edge demo [-c file]                gateway + embedded broker + simulated sources
  cxp-edge validate <file> [--msgpack]   decode and validate one CXP message (JSON or MessagePack)
  cxp-edge label-preview <template.zpl> [--var k=v ...] [--width-mm N] [--height-mm N] [--dpmm 8] -o out.png
                                         render a ZPL label template to PNG (default 101.6x152.4 mm,
                                         8 dpmm; the first label of several); exit 1 with the coded error
  cxp-edge --version | --help

Environment: CXP_EDGE_<SECTION>__<KEY>=value overrides a config value (e.g. CXP_EDGE_HTTP__PORT=9500).
`;

/** validate reads at most this much (a message is at most 1 MiB by default). */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

function validate(args: string[]): number {
  const file = args.find((a) => !a.startsWith('-'));
  if (file === undefined) {
    process.stderr.write('usage: cxp-edge validate <file> [--msgpack]\n');
    return 2;
  }
  let bytes: Uint8Array;
  try {
    if (statSync(file).size > MAX_FILE_BYTES) throw new Error(`larger than ${MAX_FILE_BYTES} bytes`);
    bytes = readFileSync(file);
  } catch (err) {
    process.stderr.write(
      `cxp-edge validate: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return 2;
  }
  const result = decodeMessage(bytes, { encoding: args.includes('--msgpack') ? 'msgpack' : 'json' });
  if (result.ok) {
    process.stdout.write(`valid ${result.message.type}\n`);
    return 0;
  }
  process.stdout.write(`${JSON.stringify(result.error.toWire(), null, 2)}\n`);
  return 1;
}

function configArg(args: string[]): string | undefined {
  const i = args.findIndex((a) => a === '-c' || a === '--config');
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  if (command === 'validate') return validate(rest);
  if (command === 'label-preview') return runLabelPreview(rest);
  if (!['start', 'check-config', 'broker', 'demo'].includes(command)) {
    process.stderr.write(`cxp-edge: unknown command "${command}"; see cxp-edge --help\n`);
    return 2;
  }
  if (command === 'demo') return runDemo(configPath(configArg(rest)));
  const loaded = readConfig(configPath(configArg(rest)));
  if (!loaded.ok) {
    printIssues(loaded);
    return 1;
  }
  if (command === 'check-config') {
    process.stdout.write(`${loaded.path}: ok (gateway id ${loaded.config.gateway.id})\n`);
    return 0;
  }
  if (command === 'broker') return runBroker(loaded.config);
  return runGateway(loaded.config, { demo: command === 'demo' });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`cxp-edge: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
