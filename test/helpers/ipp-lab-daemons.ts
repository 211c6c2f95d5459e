import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * The processes of an IPP lab (test/helpers/ipp-lab.ts) and their configuration: each daemon in
 * its own process group, with SIGKILL on the death of the test process (setpriv --pdeathsig), and
 * every group still running killed when the process exits. Also runs ipptool.
 */

export interface IpptoolOptions {
  flags?: readonly string[];
  uri?: string;
  timeoutMs?: number;
}

export interface IpptoolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function findProgram(name: string, extraDirs: readonly string[] = []): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), ...extraDirs].filter((d) => d !== '');
  return dirs.map((d) => join(d, name)).find((p) => existsSync(p));
}

export const SBIN = ['/usr/sbin', '/sbin'];

const groups = new Set<number>();
process.once('exit', () => {
  for (const pid of groups) killGroup(pid, 'SIGKILL');
});

export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** A daemon of the lab: own process group (so a print command it runs goes with it), output kept. */
export interface Daemon {
  readonly child: ChildProcess;
  readonly pid: number;
  output: string;
  readonly exited: Promise<void>;
  stop(graceMs?: number): Promise<void>;
}

const setpriv = findProgram('setpriv', SBIN);

/**
 * `command args` behind setpriv --pdeathsig KILL (when setpriv exists): the kernel kills it when
 * the test process dies. Put it right before the daemon, after anything that changes credentials
 * (unshare --user), which would clear the setting.
 */
export function withDeathSignal(command: string, args: readonly string[]): [string, ...string[]] {
  return setpriv === undefined
    ? [command, ...args]
    : [setpriv, '--pdeathsig', 'KILL', '--', command, ...args];
}

/** Starts `argv` in a process group of its own; with `logFd`, its output goes there, else to `output`. */
export function startDaemon(
  argv: readonly [string, ...string[]],
  env: NodeJS.ProcessEnv,
  logFd?: number,
): Daemon {
  const [file, ...args] = argv;
  const child = spawn(file, args, {
    detached: true,
    env,
    stdio: ['ignore', logFd ?? 'pipe', logFd ?? 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`cannot start ${argv.join(' ')}`);
  const pid = child.pid;
  groups.add(pid);
  const daemon: Daemon = {
    child,
    pid,
    output: '',
    exited: new Promise((resolve) => {
      child.once('exit', () => {
        resolve();
      });
      child.once('error', () => {
        resolve();
      });
    }),
    async stop(graceMs = 2_000) {
      if (child.exitCode === null && child.signalCode === null) {
        killGroup(pid, 'SIGTERM');
        const timer = setTimeout(() => {
          killGroup(pid, 'SIGKILL');
        }, graceMs);
        await daemon.exited;
        clearTimeout(timer);
      }
      killGroup(pid, 'SIGKILL'); // what the daemon left in its group (a print command)
      groups.delete(pid);
    },
  };
  const keep = (chunk: Buffer) => {
    if (daemon.output.length < 64 * 1024) daemon.output += chunk.toString('utf8');
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return daemon;
}

/** Resolves once `predicate(daemon.output)` holds; rejects when the daemon exits or on timeout. */
export async function waitForOutput(
  daemon: Daemon,
  what: string,
  predicate: (out: string) => boolean,
  timeoutMs: number,
) {
  const deadline = Date.now() + timeoutMs;
  const exited = () => daemon.child.exitCode !== null || daemon.child.signalCode !== null;
  while (!predicate(daemon.output)) {
    const gone = exited();
    if (gone || Date.now() > deadline)
      throw new Error(
        `${what} ${gone ? 'exited' : `not ready after ${timeoutMs} ms`}:\n${daemon.output.trim()}`,
      );
    await new Promise((r) => setTimeout(r, 20));
  }
}

function busConfig(socket: string): string {
  // EXTERNAL for same-user peers; ANONYMOUS for avahi-daemon inside a user namespace, whose uid
  // (0 in there) does not match what the bus sees. Only the lab's processes can reach the socket.
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <auth>ANONYMOUS</auth>
  <allow_anonymous/>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
`;
}

const AVAHI_CONFIG = `[server]
use-ipv4=yes
use-ipv6=no
allow-interfaces=lo
enable-dbus=yes
[wide-area]
enable-wide-area=no
[publish]
publish-addresses=no
publish-hinfo=no
publish-workstation=no
publish-domain=no
[reflector]
enable-reflector=no
`;

/** The lab's files: bus and avahi configuration, passwd/group with an "avahi" entry mapped to 0. */
export function writeLabFiles(dir: string, busSocket: string): void {
  const withAvahi = (file: string, line: string) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('avahi:'))
      .concat(line, '')
      .join('\n');
  writeFileSync(join(dir, 'bus.conf'), busConfig(busSocket));
  writeFileSync(join(dir, 'avahi-daemon.conf'), AVAHI_CONFIG);
  writeFileSync(
    join(dir, 'passwd'),
    withAvahi('/etc/passwd', 'avahi:x:0:0:ipp lab:/nonexistent:/usr/sbin/nologin'),
  );
  writeFileSync(join(dir, 'group'), withAvahi('/etc/group', 'avahi:x:0:'));
  for (const sub of ['spool', 'control', 'jobs']) mkdirSync(join(dir, sub));
}

export function runIpptool(
  uri: string,
  tests: string | readonly string[],
  options: IpptoolOptions = {},
): Promise<IpptoolResult> {
  const args = ['-T', '10', ...(options.flags ?? []), uri, ...(typeof tests === 'string' ? [tests] : tests)];
  return new Promise((resolve) => {
    execFile(
      'ipptool',
      args,
      { timeout: options.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
