import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * stop() must leave nothing behind: a child process starts the broker (TCP and WebSocket), connects
 * clients plus a raw socket that never sends CONNECT, stops the broker without closing any client
 * itself, and must then exit on its own.
 */

const here = (file: string): string => pathToFileURL(new URL(file, import.meta.url).pathname).href;

const script = `
import net from 'node:net';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { EmbeddedBroker } from ${JSON.stringify(here('./broker.ts'))};
import { parseBrokerConfig } from ${JSON.stringify(here('./config.ts'))};

const broker = new EmbeddedBroker({
  config: parseBrokerConfig({ port: 0, websocket: { enabled: true, port: 0 } }),
  logger: pino({ level: 'silent' }),
  readSecret: () => Promise.reject(new Error('no secrets')),
});
const addresses = await broker.start();
const options = { protocolVersion: 4, reconnectPeriod: 0, keepalive: 5 };
const tcp = await mqtt.connectAsync('mqtt://127.0.0.1:' + addresses.tcp.port, options);
const ws = await mqtt.connectAsync('ws://127.0.0.1:' + addresses.ws.port + '/mqtt', options);
tcp.on('error', () => undefined);
ws.on('error', () => undefined);
await tcp.subscribeAsync('a/#', { qos: 1 });
await ws.publishAsync('a/b', 'x', { qos: 2, retain: true });
const raw = net.connect(addresses.tcp.port, '127.0.0.1');
raw.on('error', () => undefined);
await new Promise((resolve) => raw.once('connect', resolve));
const started = Date.now();
await broker.stop();
await broker.stop();
process.stdout.write('stopped in ' + (Date.now() - started) + ' ms\\n');
`;

function runChild(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { timeout: 20_000, cwd: new URL('../../..', import.meta.url).pathname },
      (_err, stdout, stderr) => {
        resolve({ code: child.exitCode, stdout, stderr });
      },
    );
  });
}

describe('EmbeddedBroker: shutdown', () => {
  it('stop() closes everything so the process exits by itself', async () => {
    const { code, stdout, stderr } = await runChild();
    expect(stderr).toBe('');
    const ms = /^stopped in (\d+) ms\n$/.exec(stdout)?.[1];
    expect(ms, stdout).toBeDefined();
    // Well inside the 5 s stop bound: nothing waited for a timeout.
    expect(Number(ms)).toBeLessThan(2000);
    expect(code).toBe(0);
  });
});
