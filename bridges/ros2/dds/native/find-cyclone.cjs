#!/usr/bin/env node
// Finds Eclipse Cyclone DDS for binding.gyp and prints one kind of flag per call:
//   node find-cyclone.cjs include|defines|libs|rpath|describe
// Order: CYCLONEDDS_HOME, pkg-config (CycloneDDS), a sourced ROS 2 install (AMENT_PREFIX_PATH).
// Exits 1 with a one-line reason on stderr when none has dds/dds.h and libddsc.
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

function fromPrefix(prefix, how) {
  const include = join(prefix, 'include');
  if (!existsSync(join(include, 'dds', 'dds.h'))) return undefined;
  const libDirs = ['lib', 'lib64', 'lib/x86_64-linux-gnu', 'lib/aarch64-linux-gnu'].map((d) =>
    join(prefix, d),
  );
  const lib = libDirs.find((d) => existsSync(join(d, 'libddsc.so')));
  if (!lib) return undefined;
  // A prefix build of Cyclone is a release build unless told otherwise: same define as Debian's .pc.
  return {
    how,
    include: [include],
    defines: ['DDS_NDEBUG'],
    libs: [`-L${lib}`, '-lddsc'],
    rpath: [`-Wl,-rpath,${lib}`],
  };
}

function fromPkgConfig() {
  try {
    const run = (args) => execFileSync('pkg-config', [...args, 'CycloneDDS'], { encoding: 'utf8' }).trim();
    const cflags = run(['--cflags']).split(/\s+/).filter(Boolean);
    const libs = run(['--libs']).split(/\s+/).filter(Boolean);
    return {
      how: 'pkg-config CycloneDDS',
      include: cflags.filter((f) => f.startsWith('-I')).map((f) => f.slice(2)),
      defines: cflags.filter((f) => f.startsWith('-D')).map((f) => f.slice(2)),
      libs,
      rpath: libs.filter((f) => f.startsWith('-L')).map((f) => `-Wl,-rpath,${f.slice(2)}`),
    };
  } catch {
    return undefined;
  }
}

function locate() {
  const home = process.env.CYCLONEDDS_HOME;
  if (home) {
    const found = fromPrefix(home, `CYCLONEDDS_HOME=${home}`);
    if (found) return found;
  }
  const pc = fromPkgConfig();
  if (pc) return pc;
  for (const prefix of (process.env.AMENT_PREFIX_PATH ?? '').split(':').filter(Boolean)) {
    const found = fromPrefix(prefix, `ROS 2 install ${prefix}`);
    if (found) return found;
  }
  return undefined;
}

const what = process.argv[2];
const found = locate();
if (!found) {
  process.stderr.write(
    'cxp_dds: Cyclone DDS not found (set CYCLONEDDS_HOME, install cyclonedds-dev, or source ROS 2)\n',
  );
  process.exit(1);
}
if (what === 'describe') console.log(found.how);
else console.log((found[what] ?? []).join(' '));
