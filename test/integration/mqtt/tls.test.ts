import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, until, type TestGateway } from '../../helpers/gateway-harness.js';
import { freePort, hasMosquitto, waitForPort } from '../../helpers/peers.js';

/**
 * The gateway's connection to an external broker over TLS with a client certificate (mutual TLS),
 * against mosquitto with `require_certificate true`. Certificates are made by openssl per run.
 */

let dir = '';
function selfSigned(name: string, cn: string, extra: string[] = []): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  const run = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1'].concat(
      ['-subj', `/CN=${cn}`],
      extra,
    ),
    { encoding: 'utf8' },
  );
  if (run.error !== undefined || run.status !== 0)
    throw new Error(`openssl is needed to make test certificates: ${run.error?.message ?? run.stderr}`);
  // mosquitto started as root drops to its own user: it must be able to read these.
  chmodSync(key, 0o644);
  return { cert, key };
}

const certs = {
  server: { cert: '', key: '' },
  gateway: { cert: '', key: '' },
  stranger: { cert: '', key: '' },
  clientCa: '',
};

const mosquitto = hasMosquitto();

describe.skipIf(!mosquitto)('gateway to mosquitto over mutual TLS (skipped: mosquitto not installed)', () => {
  let broker: ChildProcess | undefined;
  let url = '';
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cxp-mtls-'));
    chmodSync(dir, 0o755);
    certs.server = selfSigned('server', 'localhost', [
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ]);
    certs.gateway = selfSigned('gateway', 'cxp-edge');
    certs.stranger = selfSigned('stranger', 'cxp-edge');
    certs.clientCa = join(dir, 'clients-ca.pem');
    writeFileSync(certs.clientCa, readFileSync(certs.gateway.cert));
    chmodSync(certs.clientCa, 0o644);
    const port = await freePort();
    const conf = join(dir, 'mosquitto.conf');
    writeFileSync(
      conf,
      [
        `listener ${port} 127.0.0.1`,
        'persistence false',
        'allow_anonymous true',
        `cafile ${certs.clientCa}`,
        `certfile ${certs.server.cert}`,
        `keyfile ${certs.server.key}`,
        'require_certificate true',
        '',
      ].join('\n'),
    );
    broker = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    broker.stderr?.resume();
    await waitForPort(port);
    url = `mqtts://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    const b = broker;
    if (b && b.exitCode === null) {
      const exited = new Promise((resolve) => b.once('exit', resolve));
      b.kill('SIGTERM');
      await exited;
    }
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function gateway(client: { cert: string; key: string } | undefined): Promise<TestGateway> {
    const files = client ? `, cert_file: ${client.cert}, key_file: ${client.key}` : '';
    const gw = await startGateway(
      `broker: { enabled: false }\nmqtt: { url: "${url}", ca_file: ${certs.server.cert}${files}, reconnect: { initial_ms: 100, max_ms: 500 } }\n`,
      { waitReady: false },
    );
    cleanups.push(() => gw.stop());
    return gw;
  }

  it('connects with its client certificate and publishes its retained status', async () => {
    const gw = await gateway(certs.gateway);
    await until(() => gw.ready(), 10_000, 'the gateway connected over mTLS');
    const watcher = await mqtt.connectAsync(url, {
      ca: readFileSync(certs.server.cert),
      cert: readFileSync(certs.gateway.cert),
      key: readFileSync(certs.gateway.key),
      reconnectPeriod: 0,
    });
    cleanups.push(() => watcher.endAsync(true));
    const seen: string[] = [];
    watcher.on('message', (_t, payload) => seen.push(payload.toString()));
    await watcher.subscribeAsync(`cxp/v1/${gw.id}/status`);
    await until(() => seen.includes('online'), 5000, 'the retained online status');
  });

  it('is refused without a client certificate, or with one the broker does not trust, and keeps retrying', async () => {
    for (const client of [undefined, certs.stranger]) {
      const gw = await gateway(client);
      // Time for several attempts (backoff 100-500 ms): none may get through.
      await new Promise((r) => setTimeout(r, 1500));
      expect(gw.connection.connected).toBe(false);
      const reconnects = await gw.metrics.reconnects.get();
      expect(reconnects.values.find((v) => v.labels.connection === 'mqtt')?.value ?? 0).toBeGreaterThan(0);
    }
  });
});
