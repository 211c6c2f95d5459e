/**
 * bench/ros2-path: what the gateway's ROS 2 -> MQTT path costs against DDS alone, in one run.
 *
 *   npm run build && node --import tsx bench/ros2-path/run.ts
 *
 * Baseline: the Cyclone DDS C talker -> the Cyclone DDS C listener (test/peers/cyclone/peer).
 * Gateway path: the same talker -> `cxp-edge start` (compiled, its own process, dds backend) ->
 * mosquitto (set_tcp_nodelay true) -> an MQTT subscriber in this process (and, for the flat-out
 * phase, mosquitto_sub; its own ceiling is measured by flooding it straight through mosquitto).
 * Small messages are geometry_msgs/Twist with the send time in linear.y (--stamp): latency is the
 * receive time minus that (one host, one clock). Images are 1 MB sensor_msgs/Image.
 * Everything runs on loopback in domain 150-199 with the peers' loopback Cyclone config.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import {
  ensureCyclonePeers,
  cycloneEnv,
  prepareSocketBuffers,
  spawnPeer,
  type PeerProcess,
} from '../../test/helpers/cyclone.js';
import { REPO } from '../mqtt-path/gateways.js';
import { percentile } from '../mqtt-path/load.js';
import { freePort, procMemory, startMosquitto, stopChild } from '../mqtt-path/processes.js';
import { Teardown } from '../mqtt-path/teardown.js';

const DOMAIN = 150 + Math.floor(Math.random() * 50);
const SMALL_RATE = 5000;
const SMALL_SECONDS = 5;
const FLAT_COUNT = 100_000;
const IMAGE_HZ = 30;
const IMAGE_SECONDS = 5;
const IMAGE_BYTES = 1_000_000;

interface Row {
  scenario: string;
  path: 'baseline' | 'gateway' | 'broker only';
  sent: number;
  delivered: number;
  seconds: number;
  p50?: number;
  p99?: number;
  cpu?: number;
}

const rows: Row[] = [];

async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, clock ticks of 10 ms
}

function latencies(values: number[]): { p50: number; p99: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}

async function talkerDone(p: PeerProcess, timeoutMs: number): Promise<{ sent: number; seconds: number }> {
  const done = await p.waitFor((e) => e.event === 'done', timeoutMs);
  return { sent: done.sent ?? 0, seconds: done.seconds ?? 0 };
}

/** Talker -> listener, both C; the listener's recv lines give delivery and (twist) latency. */
async function baseline(
  scenario: string,
  type: 'twist' | 'image',
  pubArgs: string[],
  count: number,
): Promise<void> {
  const topic = `rt/bench_baseline_${type}_${process.pid}`; // not the gateway's topics
  const listener = spawnPeer(
    [
      'sub',
      '--type',
      type,
      '--topic',
      topic,
      '--count',
      String(count),
      '--seconds',
      '120',
      ...(pubArgs.includes('--depth') ? ['--depth', '0'] : []),
    ],
    { domainId: DOMAIN },
  );
  await listener.waitFor((e) => e.event === 'ready', 10_000);
  const talker = spawnPeer(['pub', '--type', type, '--topic', topic, ...pubArgs], { domainId: DOMAIN });
  const { sent, seconds } = await talkerDone(talker, 180_000);
  await new Promise((r) => setTimeout(r, 1000));
  await listener.stop();
  const recv = listener.lines.filter((e) => e.event === 'recv');
  const lat = type === 'twist' ? recv.map((e) => (Number(e.recv_s) - Number(e.linear?.[1])) * 1000) : [];
  const first = recv[0]?.recv_s;
  const last = recv.at(-1)?.recv_s;
  const span = typeof first === 'number' && typeof last === 'number' && last > first ? last - first : seconds;
  rows.push({
    scenario,
    path: 'baseline',
    sent,
    delivered: recv.length,
    seconds: span,
    ...(lat.length > 0 ? latencies(lat) : {}),
  });
  await talker.stop();
}

async function main(): Promise<void> {
  const teardown = new Teardown();
  teardown.onSignals();
  const dir = await mkdtemp(join(tmpdir(), 'cxp-bench-ros2-'));
  teardown.add('temp dir', () => rm(dir, { recursive: true, force: true }));
  try {
    if (!existsSync(join(REPO, 'dist/src/runtime/cli.js'))) throw new Error('run `npm run build` first');
    ensureCyclonePeers();
    const buffers = prepareSocketBuffers();
    const loadBefore = loadavg()
      .map((n) => n.toFixed(2))
      .join(' ');
    const mosquitto = await startMosquitto(teardown, dir, { noDelay: true });

    // The gateway, compiled and as `npm start` runs it, with routes for both scenarios.
    const id = `bench-ros2-${process.pid}`;
    const httpPort = await freePort();
    const twistTopic = `/bench_twist_${process.pid}`;
    const imageTopic = `/bench_image_${process.pid}`;
    const config = {
      gateway: { id, state_dir: join(dir, 'state') },
      log: { level: 'warn' },
      http: { enabled: true, host: '127.0.0.1', port: httpPort },
      broker: { enabled: false },
      mqtt: { url: mosquitto.url, store_forward: { enabled: false } },
      bridges: [
        {
          kind: 'ros2',
          id: 'bench',
          domain_id: DOMAIN,
          queue: { capacity: 10_000 },
          to_mqtt: [
            {
              topic: twistTopic,
              type: 'geometry_msgs/msg/Twist',
              mqtt_topic: 'bench/twist',
              qos: { depth: 1000 },
            },
            {
              topic: imageTopic,
              type: 'sensor_msgs/msg/Image',
              mqtt_topic: 'bench/image',
              encoding: 'msgpack',
            },
          ],
        },
      ],
    };
    const file = join(dir, 'gateway.yaml');
    await writeFile(file, JSON.stringify(config));
    // BENCH_GATEWAY_FLAGS adds node flags to the gateway, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    const extra = (process.env.BENCH_GATEWAY_FLAGS ?? '').split(/\s+/).filter(Boolean);
    const gw = spawn(
      process.execPath,
      [...extra, '--max-semi-space-size=2', 'dist/src/runtime/cli.js', 'start', '-c', file],
      {
        cwd: REPO,
        env: { ...process.env, ...cycloneEnv(DOMAIN) },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let gwErr = '';
    gw.stderr.on('data', (c: Buffer) => (gwErr = (gwErr + c.toString()).slice(-4000)));
    teardown.add('gateway', () => stopChild(gw));
    const pid = gw.pid ?? 0;

    const sub = await mqtt.connectAsync(mosquitto.url, { protocolVersion: 5, reconnectPeriod: 0 });
    teardown.add('mqtt subscriber', () => sub.endAsync(true));
    const twists: number[] = [];
    let images = 0;
    const status = { online: false };
    let firstAt = 0;
    let lastAt = 0;
    // Wall time with sub-millisecond resolution (Date.now() has 1 ms steps).
    const wallMs = (): number => performance.timeOrigin + performance.now();
    sub.on('message', (topic, payload) => {
      const now = wallMs();
      if (topic === 'bench/twist') {
        const t = JSON.parse(payload.toString()) as { linear: { y: number } };
        twists.push(now - t.linear.y * 1000);
      } else if (topic === 'bench/image') images += 1;
      else if (topic.endsWith('/status')) status.online = payload.toString() === 'online';
      if (firstAt === 0) firstAt = now;
      lastAt = now;
    });
    await sub.subscribeAsync(['bench/#', `cxp/v1/${id}/status`], { qos: 0 });
    const up = (): boolean => status.online;
    for (let i = 0; i < 300 && !up(); i++) await new Promise((r) => setTimeout(r, 100));
    if (!up()) throw new Error(`the gateway did not come up:\n${gwErr}`);
    const rssIdle = (await procMemory(pid)).rss;

    /**
     * The gateway path. `consumer: 'c'` reads the MQTT side with mosquitto_sub (C, stamping each
     * message with %U) instead of this process: on a 2-vCPU box a Node subscriber competes with the
     * gateway for CPU, while the baseline's listener is C too.
     */
    const gatewayRun = async (
      scenario: string,
      type: 'twist' | 'image',
      pubArgs: string[],
      count: number,
      consumer: 'node' | 'c' = 'node',
    ) => {
      twists.length = 0;
      images = 0;
      firstAt = 0;
      const stamps: number[] = [];
      let cSub: ReturnType<typeof spawn> | undefined;
      if (consumer === 'c') {
        cSub = spawn(
          'mosquitto_sub',
          ['-h', '127.0.0.1', '-p', String(mosquitto.port), '-t', 'bench/twist', '-F', '%U'],
          {
            stdio: ['ignore', 'pipe', 'ignore'],
          },
        );
        teardown.add('mosquitto_sub', () => stopChild(cSub as ReturnType<typeof spawn>));
        let rest = '';
        cSub.stdout?.on('data', (chunk: Buffer) => {
          const lines = (rest + chunk.toString()).split('\n');
          rest = lines.pop() ?? '';
          for (const l of lines) if (l !== '') stamps.push(Number(l) * 1000);
        });
        await new Promise((r) => setTimeout(r, 500)); // connected and subscribed
      }
      const cpu0 = await cpuSeconds(pid);
      const wire = `rt${type === 'twist' ? twistTopic : imageTopic}`;
      const talker = spawnPeer(['pub', '--type', type, '--topic', wire, ...pubArgs], { domainId: DOMAIN });
      const { sent } = await talkerDone(talker, 180_000);
      const got = () => (consumer === 'c' ? stamps.length : type === 'twist' ? twists.length : images);
      for (let quiet = 0, before = -1; quiet < 10 && got() < count;) {
        await new Promise((r) => setTimeout(r, 100));
        quiet = got() === before ? quiet + 1 : 0;
        before = got();
      }
      const cpu = (await cpuSeconds(pid)) - cpu0;
      const span = consumer === 'c' ? (stamps.at(-1) ?? 0) - (stamps[0] ?? 0) : lastAt - firstAt;
      const seconds = Math.max(0.001, span / 1000);
      rows.push({
        scenario: consumer === 'c' ? `${scenario} (MQTT read by mosquitto_sub)` : scenario,
        path: 'gateway',
        sent,
        delivered: got(),
        seconds,
        cpu,
        ...(type === 'twist' && consumer === 'node' ? latencies(twists) : {}),
      });
      if (cSub) await stopChild(cSub);
      await talker.stop();
    };

    /**
     * The C consumer's own ceiling: the same number of Twist-sized JSON messages published by
     * MQTT.js straight to mosquitto as fast as it takes them, read by mosquitto_sub. libmosquitto
     * reads a packet at a time, so on this path it is the slowest process of the chain.
     */
    const ceilingRun = async (scenario: string, count: number) => {
      const stamps: number[] = [];
      const cSub = spawn(
        'mosquitto_sub',
        ['-h', '127.0.0.1', '-p', String(mosquitto.port), '-t', 'bench/ceiling', '-F', '%U'],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      );
      teardown.add('mosquitto_sub (ceiling)', () => stopChild(cSub));
      let rest = '';
      cSub.stdout.on('data', (chunk: Buffer) => {
        const lines = (rest + chunk.toString()).split('\n');
        rest = lines.pop() ?? '';
        for (const l of lines) if (l !== '') stamps.push(Number(l) * 1000);
      });
      await new Promise((r) => setTimeout(r, 500));
      const pub = await mqtt.connectAsync(mosquitto.url, { protocolVersion: 5, reconnectPeriod: 0 });
      const payload = JSON.stringify({
        linear: { x: 1, y: Date.now() / 1000, z: 0 },
        angular: { x: 0, y: 0, z: 0.5 },
      });
      for (let i = 0; i < count; i++) {
        pub.publish('bench/ceiling', payload, { qos: 0 });
        if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
      }
      for (let quiet = 0, before = -1; quiet < 10 && stamps.length < count;) {
        await new Promise((r) => setTimeout(r, 100));
        quiet = stamps.length === before ? quiet + 1 : 0;
        before = stamps.length;
      }
      await pub.endAsync();
      await stopChild(cSub);
      const span = (stamps.at(-1) ?? 0) - (stamps[0] ?? 0);
      rows.push({
        scenario,
        path: 'broker only',
        sent: count,
        delivered: stamps.length,
        seconds: Math.max(0.001, span / 1000),
      });
    };

    const small = [
      '--count',
      String(SMALL_RATE * SMALL_SECONDS),
      '--rate',
      String(SMALL_RATE),
      '--stamp',
      '--depth',
      '0',
    ];
    const flat = ['--count', String(FLAT_COUNT), '--rate', '0', '--stamp', '--depth', '0'];
    const image = [
      '--count',
      String(IMAGE_HZ * IMAGE_SECONDS),
      '--rate',
      String(IMAGE_HZ),
      '--size',
      String(IMAGE_BYTES),
    ];
    const smallName = `twist, reliable, ${SMALL_RATE} msg/s`;
    const flatName = 'twist, reliable keep-all, flat out';
    const imageName = `1 MB image, reliable, ${IMAGE_HZ} Hz`;
    // BENCH_SCENARIOS picks some of small,image,flat (default: all, flat out last so its backlog
    // cannot spill into another phase).
    const only = (process.env.BENCH_SCENARIOS ?? 'small,image,flat').split(',');
    if (only.includes('small')) {
      await baseline(smallName, 'twist', small, SMALL_RATE * SMALL_SECONDS);
      await gatewayRun(smallName, 'twist', small, SMALL_RATE * SMALL_SECONDS);
    }
    if (only.includes('image')) {
      await baseline(imageName, 'image', image, IMAGE_HZ * IMAGE_SECONDS);
      await gatewayRun(imageName, 'image', image, IMAGE_HZ * IMAGE_SECONDS);
    }
    if (only.includes('flat')) {
      await baseline(flatName, 'twist', flat, FLAT_COUNT);
      await gatewayRun(flatName, 'twist', flat, FLAT_COUNT);
      await gatewayRun(flatName, 'twist', flat, FLAT_COUNT, 'c');
      await ceilingRun(`${flatName} (MQTT read by mosquitto_sub)`, FLAT_COUNT);
    }
    const rssAfter = await procMemory(pid);
    // Where the gateway dropped what it did not deliver, from its own /metrics.
    const metricsText = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    const drops = metricsText
      .split('\n')
      .filter((l) => l.startsWith('cxp_edge_messages_dropped_total{') && !l.endsWith(' 0'));

    console.log(
      `# bench/ros2-path: ${new Date().toISOString()}, Node ${process.version}, ${cpus()[0]?.model.trim() ?? 'cpu'} x${cpus().length}`,
    );
    console.log(
      `\nLoad average before: ${loadBefore}; after: ${loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')}. Domain ${DOMAIN}. net.core.rmem_max ${buffers.rmemMax}.\n`,
    );
    console.log('| scenario | path | sent | delivered | lost | msg/s | p50 ms | p99 ms | gateway CPU s |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of rows)
      console.log(
        `| ${r.scenario} | ${r.path} | ${r.sent} | ${r.delivered} | ${r.sent - r.delivered} | ${(r.delivered / r.seconds).toFixed(0)} | ${r.p50?.toFixed(2) ?? '-'} | ${r.p99?.toFixed(2) ?? '-'} | ${r.cpu?.toFixed(2) ?? '-'} |`,
      );
    const rate = (scenario: string, path: Row['path']) => {
      const r = rows.find((x) => x.scenario === scenario && x.path === path);
      return r ? r.delivered / r.seconds : 0;
    };
    const lost = (scenario: string, path: Row['path']) => {
      const r = rows.find((x) => x.scenario === scenario && x.path === path);
      return r ? r.sent - r.delivered : -1;
    };
    const flatC = `${flatName} (MQTT read by mosquitto_sub)`;
    const ratio = rate(flatName, 'gateway') / rate(flatName, 'baseline');
    const ratioC = rate(flatC, 'gateway') / rate(flatName, 'baseline');
    console.log('\n| target | measured | verdict |');
    console.log('| --- | --- | --- |');
    console.log(
      `| no loss at ${SMALL_RATE} small msg/s reliable | lost ${lost(smallName, 'gateway')} | ${lost(smallName, 'gateway') === 0 ? 'PASS' : 'MISS'} |`,
    );
    console.log(
      `| >= 25 Hz sustained, 1 MB images | ${rate(imageName, 'gateway').toFixed(1)} Hz (baseline ${rate(imageName, 'baseline').toFixed(1)}) | ${rate(imageName, 'gateway') >= 25 ? 'PASS' : 'MISS'} |`,
    );
    console.log(
      `| gateway throughput >= 30% of Cyclone-to-Cyclone (Node subscriber) | ${rate(flatName, 'gateway').toFixed(0)} / ${rate(flatName, 'baseline').toFixed(0)} = ${ratio.toFixed(2)} | ${ratio >= 0.3 ? 'PASS' : 'MISS'} |`,
    );
    const ceiling = rate(flatC, 'broker only');
    if (ceiling > 0)
      console.log(
        `| (not a target) mosquitto_sub's own ceiling, fed straight through mosquitto | ${ceiling.toFixed(0)} msg/s; the gateway path reached ${(rate(flatC, 'gateway') / ceiling).toFixed(2)} of it | - |`,
      );
    if (rows.some((r) => r.scenario === flatC))
      console.log(
        `| gateway throughput >= 30% of Cyclone-to-Cyclone (mosquitto_sub, C like the baseline's listener) | ${rate(flatC, 'gateway').toFixed(0)} / ${rate(flatName, 'baseline').toFixed(0)} = ${ratioC.toFixed(2)} | ${ratioC >= 0.3 ? 'PASS' : 'MISS'} |`,
      );
    console.log(
      `\nGateway RSS: ${(rssIdle / 2 ** 20).toFixed(1)} MiB idle, ${(rssAfter.hwm / 2 ** 20).toFixed(1)} MiB peak (VmHWM).`,
    );
    console.log(
      `\nGateway drop counters (all phases):\n\n${drops.map((l) => `    ${l}`).join('\n') || '    none'}`,
    );
  } finally {
    await teardown.run();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
