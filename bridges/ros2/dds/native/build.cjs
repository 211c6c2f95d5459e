#!/usr/bin/env node
// Builds the Cyclone DDS addon (cxp_dds.node) with node-gyp, in place.
//   node bridges/ros2/dds/native/build.cjs [--required]
// Without --required (npm install) a missing Cyclone DDS or a failed build is reported in one line
// and the install goes on: the gateway runs without the dds backend and says why at start.
// With --required (the test bootstrap, CI) either is an error.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const here = __dirname;
const required = process.argv.includes('--required');

function give(up) {
  process.stderr.write(`cxp_dds: ${up}\n`);
  process.exit(required ? 1 : 0);
}

const found = spawnSync(process.execPath, [join(here, 'find-cyclone.cjs'), 'describe'], { encoding: 'utf8' });
if (found.status !== 0) give((found.stderr || 'Cyclone DDS not found').trim().replace(/^cxp_dds: /, ''));

// node-gyp: the one npm runs scripts with, else npm's bundled copy next to this node.
const candidates = [
  process.env.npm_config_node_gyp,
  join(
    process.execPath,
    '..',
    '..',
    'lib',
    'node_modules',
    'npm',
    'node_modules',
    'node-gyp',
    'bin',
    'node-gyp.js',
  ),
].filter((p) => p && existsSync(p));
if (candidates.length === 0) give('node-gyp not found (it ships with npm)');
const gyp = candidates[0];

// Headers: an explicit nodedir, else the system's Node headers when present (no download needed).
const args = [gyp, 'rebuild', '--directory', here, '--loglevel=warn'];
const nodedir = process.env.npm_config_nodedir || (existsSync('/usr/include/node/node_api.h') ? '/usr' : '');
if (nodedir) args.push(`--nodedir=${nodedir}`);

process.stderr.write(`cxp_dds: building against ${found.stdout.trim()}\n`);
const build = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
if (build.status !== 0) give(`node-gyp failed (exit ${build.status}); the dds backend is unavailable`);
process.stderr.write(`cxp_dds: built ${join(here, 'build', 'Release', 'cxp_dds.node')}\n`);
