import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, onTestFinished } from 'vitest';
import { ROOT } from './peers.js';

/**
 * ROS 2 stand-in peers for integration tests: test/peers/cyclone/peer, a plain Cyclone DDS program
 * (the DDS under rmw_cyclonedds) that publishes or subscribes std_msgs/String, geometry_msgs/Twist
 * or sensor_msgs/Image with ROS 2's DDS type names and QoS, and reports JSON lines on stdout (its
 * header comment documents the CLI and the events). All traffic stays on loopback
 * (test/peers/cyclone/cyclone-lo.xml), and each test file gets its own random DDS domain so that
 * files running in parallel cannot see each other.
 *
 * Every peer spawned here is stopped: at the end of the test that spawned it, or after the file for
 * peers spawned outside a test (beforeAll), or on process exit as a last resort; the peer itself
 * also dies with its parent (PR_SET_PDEATHSIG).
 */

export const CYCLONE_DIR = join(ROOT, 'test', 'peers', 'cyclone');
export const CYCLONE_BUILD_DIR = join(CYCLONE_DIR, 'build');
export const LOOPBACK_CONFIG = join(CYCLONE_DIR, 'cyclone-lo.xml');

/** This test file's DDS domain (100..199; each file evaluates this module afresh). */
export const testDomainId: number = 100 + randomInt(100);

/** A domain id no test file uses as its own (200..232), for tests that need a second, empty domain. */
export function otherDomainId(): number {
  return 200 + randomInt(33);
}

let topicCounter = 0;
/** A DDS topic name ("rt/...", i.e. ROS 2 topic "/...") unique to this process and call. */
export function uniqueTopic(stem = 'cxp_test'): string {
  topicCounter += 1;
  return `rt/${stem}_${process.pid}_${topicCounter}`;
}

let cycloneAvailable: boolean | undefined;

/** True when idlc, gcc and the libddsc headers are installed (so the peer can be built). */
export function hasCyclone(): boolean {
  if (cycloneAvailable === undefined) {
    const idlc = spawnSync('idlc', ['-v'], { stdio: 'ignore' });
    const headers = spawnSync('gcc', ['-E', '-x', 'c', '-o', '/dev/null', '-'], {
      input: '#include <dds/dds.h>\n',
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    cycloneAvailable = idlc.error === undefined && idlc.status === 0 && headers.status === 0;
  }
  return cycloneAvailable;
}

let peerBinary: string | undefined;

/**
 * Builds the peer with test/peers/cyclone/build.sh (once per test file; the script itself does
 * nothing when the binary is newer than its sources, and takes a lock against concurrent builds)
 * and returns the binary's path. Throws with the build output when it cannot build.
 */
export function ensureCyclonePeers(): string {
  if (peerBinary !== undefined) return peerBinary;
  const r = spawnSync('bash', [join(CYCLONE_DIR, 'build.sh'), CYCLONE_BUILD_DIR], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.error !== undefined || r.status !== 0) {
    const output = `${r.stdout}${r.stderr}`.trim();
    const why = r.error !== undefined ? r.error.message : `exit status ${String(r.status ?? r.signal)}`;
    throw new Error(
      `cannot build the Cyclone DDS test peer (test/peers/cyclone/build.sh: ${why}).\n${output}\n` +
        'Install the packages in test/peers/debian-packages.txt (test/bootstrap.sh does).',
    );
  }
  peerBinary = join(CYCLONE_BUILD_DIR, 'peer');
  return peerBinary;
}

// ---------- kernel socket buffers ----------

/** What cyclone-lo.xml asks for (SocketReceiveBufferSize min); Linux grants twice the request. */
const WANTED_RCVBUF = 4 * 1024 * 1024;
const RMEM_MAX = '/proc/sys/net/core/rmem_max';
const WMEM_MAX = '/proc/sys/net/core/wmem_max';

export interface SocketBufferReport {
  /** net.core.rmem_max before this process touched it (undefined: not Linux or unreadable). */
  rmemMaxBefore: number | undefined;
  rmemMax: number | undefined;
  raised: boolean;
  /** True when the strict 4 MiB request cannot be granted and the peers ask for the default instead. */
  fallback: boolean;
}

let bufferReport: SocketBufferReport | undefined;

function readSysctl(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Large samples (1 MB images are ~750 UDP fragments) need socket receive buffers the kernel caps at
 * net.core.rmem_max (about 208 KiB on a fresh Debian). As root this raises rmem_max and wmem_max to
 * 4 MiB (best effort; it fails in containers without access to the host's network sysctls). If the
 * cap stays too low for cyclone-lo.xml's strict minimum, the peers get an override asking Cyclone
 * for its default instead (it then runs with what the kernel grants, and large best-effort
 * samples may be lost).
 */
export function prepareSocketBuffers(): SocketBufferReport {
  if (bufferReport !== undefined) return bufferReport;
  const before = readSysctl(RMEM_MAX);
  let raised = false;
  if (before !== undefined && before < WANTED_RCVBUF && process.getuid?.() === 0) {
    try {
      writeFileSync(RMEM_MAX, String(WANTED_RCVBUF));
      if ((readSysctl(WMEM_MAX) ?? WANTED_RCVBUF) < WANTED_RCVBUF)
        writeFileSync(WMEM_MAX, String(WANTED_RCVBUF));
      raised = true;
      console.warn(`cyclone peers: raised net.core.rmem_max/wmem_max from ${before} to ${WANTED_RCVBUF}`);
    } catch (e) {
      console.warn(`cyclone peers: could not raise net.core.rmem_max (${before}): ${(e as Error).message}`);
    }
  }
  const now = readSysctl(RMEM_MAX);
  const fallback = now !== undefined && now * 2 < WANTED_RCVBUF;
  if (fallback)
    console.warn(
      `cyclone peers: net.core.rmem_max is ${now}, below what cyclone-lo.xml requires; ` +
        'using the kernel default socket buffers (large best-effort samples may be lost). ' +
        `As root: sysctl -w net.core.rmem_max=${WANTED_RCVBUF} net.core.wmem_max=${WANTED_RCVBUF}`,
    );
  bufferReport = { rmemMaxBefore: before, rmemMax: now, raised, fallback };
  return bufferReport;
}

/** CYCLONEDDS_URI for the loopback configuration (with the small-buffer override when needed). */
export function cycloneUri(): string {
  const base = `file://${LOOPBACK_CONFIG}`;
  return prepareSocketBuffers().fallback
    ? `${base},<Internal><SocketReceiveBufferSize min="default"/></Internal>`
    : base;
}

/** The environment a DDS process needs to join the test peers: loopback config and domain id. */
export function cycloneEnv(domainId: number = testDomainId): Record<string, string> {
  return { CYCLONEDDS_URI: cycloneUri(), ROS_DOMAIN_ID: String(domainId) };
}

// ---------- peer processes ----------

/** One JSON line from a peer (see peer.c); `unparsed` holds a line that was not JSON. */
export interface PeerEvent {
  event: 'ready' | 'matched' | 'sent' | 'recv' | 'done' | 'unparsed';
  count?: number;
  seq?: number;
  bytes?: number;
  text?: string;
  intact?: boolean;
  sent?: number;
  failed?: number;
  received?: number;
  seconds?: number;
  linear?: [number, number, number];
  angular?: [number, number, number];
  width?: number;
  height?: number;
  step?: number;
  encoding?: string;
  frame_id?: string;
  stamp?: { sec: number; nanosec: number };
  line?: string;
  [key: string]: unknown;
}

export interface PeerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface PeerProcess {
  readonly pid: number | undefined;
  readonly args: readonly string[];
  readonly domainId: number;
  /** Every event so far, in order; grows while the peer runs. */
  readonly lines: readonly PeerEvent[];
  /** Everything the peer wrote to stderr so far. */
  readonly stderr: string;
  /** Set once the process has exited and its output has been read to the end. */
  readonly exit: PeerExit | undefined;
  /** Resolves when the process has exited and its output has been read to the end. */
  readonly exited: Promise<PeerExit>;
  /** The first event (already seen or still to come) that matches; rejects on timeout or exit. */
  waitFor(predicate: (e: PeerEvent) => boolean, timeoutMs?: number): Promise<PeerEvent>;
  /** Waits for the peer to exit by itself; rejects on timeout (the peer keeps running). */
  waitForExit(timeoutMs?: number): Promise<PeerExit>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is reaped. Idempotent. */
  stop(graceMs?: number): Promise<PeerExit>;
}

export interface SpawnPeerOptions {
  /** DDS domain (ROS_DOMAIN_ID); defaults to this file's testDomainId. */
  domainId?: number;
  /** Extra environment, applied last (may override CYCLONEDDS_URI). */
  env?: Record<string, string>;
}

const running = new Set<PeerProcess>();
const children = new Set<ChildProcess>();

/** Stops every peer still running (registered after each test file automatically). */
export async function stopAllPeers(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}

// Peers spawned outside a test (e.g. in beforeAll) are stopped after the file.
try {
  afterAll(stopAllPeers);
} catch {
  // Imported outside a vitest collection (a script): callers stop their peers themselves.
}
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

function describeEvents(lines: readonly PeerEvent[]): string {
  return lines
    .slice(-8)
    .map((l) => JSON.stringify(l).slice(0, 200))
    .join('\n  ');
}

/** Starts `peer <args>` on loopback in `domainId` (default: this file's domain). */
export function spawnPeer(args: readonly string[], options: SpawnPeerOptions = {}): PeerProcess {
  const binary = ensureCyclonePeers();
  const domainId = options.domainId ?? testDomainId;
  const child = spawn(binary, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...cycloneEnv(domainId), ...options.env },
  });
  children.add(child);
  const lines: PeerEvent[] = [];
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const l of [...listeners]) l();
  };
  let stderr = '';
  let pending = '';
  let exit: PeerExit | undefined;
  let spawnError: Error | undefined;

  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.trim() === '') continue;
      try {
        lines.push(JSON.parse(line) as PeerEvent);
      } catch {
        lines.push({ event: 'unparsed', line });
      }
    }
    notify();
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (stderr.length < 64 * 1024) stderr += chunk;
  });
  const exited = new Promise<PeerExit>((resolve) => {
    child.once('error', (e) => {
      spawnError = e;
      exit = { code: null, signal: null };
      children.delete(child);
      notify();
      resolve(exit);
    });
    // 'close' comes after 'exit' and after stdout/stderr ended: every line has been parsed.
    child.once('close', (code, signal) => {
      if (pending.trim() !== '') lines.push({ event: 'unparsed', line: pending });
      pending = '';
      exit ??= { code, signal };
      children.delete(child);
      notify();
      resolve(exit);
    });
  });

  const label = `peer ${args.join(' ')} (domain ${domainId}, pid ${String(child.pid)})`;
  let stopping: Promise<PeerExit> | undefined;

  const peer: PeerProcess = {
    pid: child.pid,
    args: [...args],
    domainId,
    lines,
    get stderr() {
      return stderr;
    },
    get exit() {
      return exit;
    },
    exited,
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise<PeerEvent>((resolve, reject) => {
        let checked = 0;
        const finish = (fn: () => void) => {
          listeners.delete(check);
          clearTimeout(timer);
          fn();
        };
        const failure = (why: string) =>
          new Error(
            `${label}: ${why}\n  last events:\n  ${describeEvents(lines)}\n  stderr: ${stderr.trim().slice(-1000)}`,
          );
        function check() {
          for (; checked < lines.length; checked++) {
            const e = lines[checked]!;
            if (predicate(e)) {
              finish(() => {
                resolve(e);
              });
              return;
            }
          }
          if (exit !== undefined) {
            const how = spawnError?.message ?? `code ${String(exit.code)}, signal ${String(exit.signal)}`;
            finish(() => {
              reject(failure(`exited (${how}) before the awaited event`));
            });
          }
        }
        listeners.add(check);
        const timer = setTimeout(() => {
          finish(() => {
            reject(failure(`awaited event did not come within ${timeoutMs} ms`));
          });
        }, timeoutMs);
        check();
      });
    },
    waitForExit(timeoutMs = 10_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(new Error(`${label}: still running after ${timeoutMs} ms\n  ${describeEvents(lines)}`));
        }, timeoutMs);
      });
      return Promise.race([exited, timeout]).finally(() => {
        clearTimeout(timer);
      });
    },
    stop(graceMs = 3_000) {
      stopping ??= (async () => {
        if (exit === undefined) {
          child.kill('SIGTERM');
          const killer = setTimeout(() => {
            child.kill('SIGKILL');
          }, graceMs);
          await exited;
          clearTimeout(killer);
        }
        running.delete(peer);
        return exited;
      })();
      return stopping;
    },
  };
  running.add(peer);
  void exited.then(() => running.delete(peer));
  try {
    onTestFinished(async () => {
      await peer.stop();
    });
  } catch {
    // Not inside a test (beforeAll, or a script): the afterAll above or the caller stops it.
  }
  return peer;
}
