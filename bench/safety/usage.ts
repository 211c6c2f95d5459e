/**
 * What a phase cost: CPU of the gateway and of the load generator (utime + stime from
 * /proc/<pid>/stat, 10 ms ticks), of this process, and of the whole host (/proc/stat), and what the
 * gateway's bridge took from the broker (/metrics), between `startUsage` and `end`.
 */
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { cpuSeconds } from '../ipp/gateway-rig.js';
import { readMetrics, sumOf } from '../serial/metrics.js';
import { ingestCounts } from './rig.js';

export interface Usage {
  seconds: number;
  /** Fractions of one core. */
  gatewayCpu: number | undefined;
  loadCpu: number | undefined;
  benchCpu: number;
  /** Fraction of all the host's cores busy, and stolen by the hypervisor. */
  hostBusy: number;
  hostSteal: number;
  /** Longest event-loop delay (ms) here and in the gateway, both sampled by a 10 ms timer (included). */
  benchLoopMaxMs: number;
  gatewayLoopMaxMs: number | undefined;
  /** Messages/s the gateway's bridge received, and messages it dropped. */
  ingestRate: number | undefined;
  dropped: number | undefined;
}

export interface UsageTargets {
  gatewayPid?: number;
  loadPid?: number;
  httpPort?: number;
}

/** Busy, stolen and total jiffies of the whole host, from the first line of /proc/stat. */
async function hostJiffies(): Promise<{ busy: number; steal: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n', 1)[0] ?? '';
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), steal: f[7] ?? 0, total };
}

/** prom-client's event-loop delay maximum since the last scrape (each scrape resets it). */
async function gatewayLoopMaxMs(httpPort: number): Promise<number> {
  const m = await readMetrics(httpPort);
  return sumOf(m, { name: 'cxp_edge_nodejs_eventloop_lag_max_seconds', labels: {} }) * 1000;
}

const maybe = <T>(pid: number | undefined, read: (pid: number) => Promise<T>) =>
  pid === undefined ? Promise.resolve(undefined) : read(pid);

async function snapshot(t: UsageTargets) {
  return {
    at: performance.now(),
    gateway: await maybe(t.gatewayPid, cpuSeconds),
    load: await maybe(t.loadPid, cpuSeconds),
    bench: process.cpuUsage(),
    host: await hostJiffies(),
    ingest: await maybe(t.httpPort, ingestCounts),
  };
}

export async function startUsage(t: UsageTargets): Promise<{ end: () => Promise<Usage> }> {
  const a = await snapshot(t); // its scrape resets the gateway's loop delay histogram
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  return {
    end: async () => {
      loop.disable();
      const gatewayLoop = await maybe(t.httpPort, gatewayLoopMaxMs);
      const b = await snapshot(t);
      const seconds = (b.at - a.at) / 1000;
      const per = (x: number | undefined, y: number | undefined) =>
        x === undefined || y === undefined ? undefined : (y - x) / seconds;
      const bench = process.cpuUsage(a.bench);
      return {
        seconds,
        gatewayCpu: per(a.gateway, b.gateway),
        loadCpu: per(a.load, b.load),
        benchCpu: (bench.user + bench.system) / 1e6 / seconds,
        hostBusy: (b.host.busy - a.host.busy) / (b.host.total - a.host.total),
        hostSteal: (b.host.steal - a.host.steal) / (b.host.total - a.host.total),
        benchLoopMaxMs: loop.max / 1e6,
        gatewayLoopMaxMs: gatewayLoop,
        ingestRate: per(a.ingest?.received, b.ingest?.received),
        dropped: b.ingest && a.ingest ? b.ingest.dropped - a.ingest.dropped : undefined,
      };
    },
  };
}

export const CORES = cpus().length;
