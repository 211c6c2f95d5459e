/**
 * Profiling aid (not part of the bench run): floods a compiled `cxp-edge start` on mosquitto for a
 * few seconds with --cpu-prof on, then prints where its CPU went (self time by function).
 * Usage: npm run build && node --import tsx bench/mqtt-path/profile-own.ts [seconds]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import mqtt from 'mqtt';
import { createBroker } from '../../test/helpers/peers.js';
import { benchConfigText, REPO } from './gateways.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
}

const seconds = Number(process.argv[2] ?? 8);
const dir = mkdtempSync(join(tmpdir(), 'cxp-prof-'));
const broker = await createBroker('mosquitto');
await broker.start();
const config = join(dir, 'gw.yaml');
writeFileSync(config, benchConfigText({ url: broker.url, stateDir: join(dir, 'state') }));
const child = spawn(
  process.execPath,
  [
    // PROFILE_FLAGS adds node flags, e.g. "--max-old-space-size=64 --heapsnapshot-near-heap-limit=1".
    ...(process.env.PROFILE_FLAGS ?? '').split(' ').filter(Boolean),
    '--cpu-prof',
    `--cpu-prof-dir=${dir}`,
    `--diagnostic-dir=${dir}`,
    '--max-semi-space-size=2',
    'dist/src/runtime/cli.js',
    'start',
    '-c',
    config,
  ],
  { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] },
);
try {
  await new Promise((r) => setTimeout(r, 2000));
  const sub = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
  let diffs = 0;
  sub.on('message', () => (diffs += 1));
  await sub.subscribeAsync('cxp/v1/+/diff', { qos: 0 });
  const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
  const end = Date.now() + seconds * 1000;
  let sent = 0;
  while (Date.now() < end) {
    pub.publish(`bench/s${sent % 16}/value`, JSON.stringify({ v: sent, t: 0 }), { qos: 0 });
    sent += 1;
    const stream: Pick<Writable, 'writableNeedDrain' | 'once'> = pub.stream;
    if (stream.writableNeedDrain) await new Promise((r) => stream.once('drain', r));
    else if (sent % 256 === 0) await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setTimeout(r, 1000));
  console.log(`sent ${sent}, DIFFs received ${diffs} in ${seconds} s`);
  await pub.endAsync();
  await sub.endAsync();
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await broker.stop();
}
const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
if (file) {
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: ProfileNode[] };
  const total = profile.nodes.reduce((t, n) => t + n.hitCount, 0);
  const byFn = new Map<string, number>();
  for (const n of profile.nodes) {
    const where = n.callFrame.url.replace(/^.*\/(node_modules|dist)\//, '$1/');
    const key = `${n.callFrame.functionName || '(anonymous)'} ${where}:${n.callFrame.lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + n.hitCount);
  }
  for (const [key, hits] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 40))
    console.log(`${((100 * hits) / total).toFixed(1).padStart(5)}%  ${key}`);
}
if (process.env.PROFILE_KEEP === undefined) rmSync(dir, { recursive: true, force: true });
else console.log(`kept ${dir}`);
