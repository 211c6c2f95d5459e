/** Child processes, free ports and /proc readings for the bench. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../test/helpers/peers.js';
import type { Teardown } from './teardown.js';

export const MOSQUITTO = process.env.MOSQUITTO ?? '/usr/sbin/mosquitto';

/** A free loopback port: the integration tests' helper, shared. */
export { freePort };

/** Resolves once something accepts TCP connections on 127.0.0.1:port; rejects after timeoutMs. */
export async function waitForPort(port: number, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`the child exited (${child.exitCode})`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => {
        resolve(false);
      });
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

/** SIGTERM, then SIGKILL after graceMs; resolves when the child has exited. */
export async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Spawns a child whose stderr is kept (last 4 KiB) for error messages; registers its teardown. */
export function spawnChild(
  teardown: Teardown,
  name: string,
  command: string,
  args: string[],
  options: { cwd?: string } = {},
): { child: ChildProcess; stderr: () => string; stop: () => Promise<void> } {
  const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  child.stderr.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4096);
  });
  child.once('error', (err) => {
    tail += `\nspawn failed: ${err.message}`;
  });
  const stop = teardown.add(name, () => stopChild(child));
  return { child, stderr: () => tail, stop };
}

export interface Mosquitto {
  url: string;
  port: number;
  stop: () => Promise<void>;
}

/** mosquitto on a free loopback port, anonymous, no persistence, its defaults otherwise. */
export async function startMosquitto(
  teardown: Teardown,
  dir: string,
  options: { noDelay?: boolean } = {},
): Promise<Mosquitto> {
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      ...(options.noDelay === true ? ['set_tcp_nodelay true'] : []),
      '',
    ].join('\n'),
  );
  const { child, stderr, stop } = spawnChild(teardown, 'mosquitto', MOSQUITTO, ['-c', conf]);
  try {
    await waitForPort(port, 5000, child);
  } catch (err) {
    await stop();
    throw new Error(`mosquitto did not start: ${(err as Error).message}\n${stderr()}`);
  }
  return { url: `mqtt://127.0.0.1:${port}`, port, stop };
}

/** VmRSS and VmHWM (peak) of a process, in bytes, from /proc/<pid>/status. */
export async function procMemory(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') * 1024, hwm: kib('VmHWM') * 1024 };
}
