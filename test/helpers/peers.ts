import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Real MQTT brokers for integration tests, on loopback: mosquitto 2 from Debian, and the gateway's
 * own aedes sidecar run as a separate `cxp-edge broker` process (so both can be killed with SIGKILL
 * and restarted on the same port). Every process started here is stopped by `stop()`.
 */

export const ROOT = join(import.meta.dirname, '..', '..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => {
        resolve(false);
      });
      socket.connect(port, '127.0.0.1');
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface BrokerUser {
  username: string;
  password: string;
  /** MQTT topic patterns this user may read and write. */
  topics: string[];
}

export interface TestBroker {
  readonly kind: 'mosquitto' | 'aedes';
  readonly port: number;
  readonly url: string;
  /** Starts (or restarts) the broker on the same port. */
  start(): Promise<void>;
  /** SIGKILL: no goodbye, no saved state. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export function hasMosquitto(): boolean {
  return spawnSync('mosquitto', ['-h']).error === undefined;
}

export async function createBroker(
  kind: 'mosquitto' | 'aedes',
  users: BrokerUser[] = [],
): Promise<TestBroker> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `cxp-${kind}-`));
  // mosquitto started as root drops to its own user: it must be able to read its files.
  chmodSync(dir, 0o755);
  const command = kind === 'mosquitto' ? mosquittoCommand(dir, port, users) : aedesCommand(dir, port, users);
  let child: ChildProcess | undefined;
  const exited = () =>
    new Promise<void>((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) resolve();
      else
        child.once('exit', () => {
          resolve();
        });
    });
  return {
    kind,
    port,
    url: `mqtt://127.0.0.1:${port}`,
    async start() {
      child = spawn(command.file, command.args, {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, ...command.env },
      });
      child.stderr?.resume();
      await waitForPort(port);
    },
    async kill() {
      child?.kill('SIGKILL');
      await exited();
    },
    async stop() {
      child?.kill('SIGTERM');
      await exited();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function mosquittoCommand(dir: string, port: number, users: BrokerUser[]) {
  const lines = [
    `listener ${port} 127.0.0.1`,
    'persistence false',
    `allow_anonymous ${users.length === 0 ? 'true' : 'false'}`,
  ];
  if (users.length > 0) {
    const passwd = join(dir, 'passwd');
    writeFileSync(passwd, '', { mode: 0o644 });
    for (const u of users) {
      const r = spawnSync('mosquitto_passwd', ['-b', passwd, u.username, u.password]);
      if (r.status !== 0) throw new Error(`mosquitto_passwd failed: ${r.stderr.toString()}`);
    }
    const acl = join(dir, 'acl');
    writeFileSync(
      acl,
      users
        .map((u) => [`user ${u.username}`, ...u.topics.map((t) => `topic readwrite ${t}`)].join('\n'))
        .join('\n\n') + '\n',
    );
    lines.push(`password_file ${passwd}`, `acl_file ${acl}`);
  }
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `${lines.join('\n')}\n`);
  return { file: 'mosquitto', args: ['-c', conf], env: {} };
}

function aedesCommand(dir: string, port: number, users: BrokerUser[]) {
  const yaml = [
    'log: { level: warn }',
    'http: { enabled: false }',
    `broker: { host: 127.0.0.1, port: ${port}, allow_anonymous: ${users.length === 0 ? 'true' : 'false'}, users: [${users
      .map(
        (u) =>
          `{ username: ${u.username}, password_env: PW_${u.username.replace(/\W/g, '_')}, publish: ${JSON.stringify(u.topics)}, subscribe: ${JSON.stringify(u.topics)} }`,
      )
      .join(', ')}] }`,
  ].join('\n');
  const conf = join(dir, 'broker.yaml');
  writeFileSync(conf, `${yaml}\n`);
  const env = Object.fromEntries(users.map((u) => [`PW_${u.username.replace(/\W/g, '_')}`, u.password]));
  return {
    file: process.execPath,
    args: ['--import', 'tsx', join(ROOT, 'src/runtime/cli.ts'), 'broker', '-c', conf],
    env,
  };
}
