#!/usr/bin/env node
/**
 * The cxp-edge command. This build carries the protocol core; the gateway runtime (start, broker,
 * check-config, demo) lands with the runtime release and says so rather than pretending.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeMessage } from '../cxp/message.js';

/** The package's version, found by walking up from this file (it runs from src/ and from dist/src/). */
function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'cxp-edge' && pkg.version !== undefined) return pkg.version;
    } catch {
      // no package.json here: keep walking up
    }
  }
  return 'unknown';
}

const pkg = { version: packageVersion() };

const HELP = `cxp-edge ${pkg.version}: edge gateway for robots and factory printing stations (CXP)

Usage:
  cxp-edge validate <file> [--msgpack]   decode and validate one CXP message (JSON or MessagePack)
  cxp-edge --version                     print the version
  cxp-edge --help                        this help

Not in this build yet (they land with the gateway runtime):
  cxp-edge start [-c file]   cxp-edge check-config -c file   cxp-edge broker [-c file]   cxp-edge demo
`;

/** validate reads at most this much (a message is at most 1 MiB by default). */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

const PLANNED = new Set(['start', 'check-config', 'broker', 'demo']);

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

function main(argv: string[]): number {
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
  if (PLANNED.has(command)) {
    process.stderr.write(
      `cxp-edge ${command}: not available in this build; it lands with the gateway runtime\n`,
    );
    return 2;
  }
  process.stderr.write(`cxp-edge: unknown command "${command}"; see cxp-edge --help\n`);
  return 2;
}

process.exitCode = main(process.argv.slice(2));
