import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Harness, Inbox, closed, secretsFromMap, tcpUrl } from './test-support.js';

const harness = new Harness();
afterEach(() => harness.cleanup());

let dir = '';

/** A self-signed certificate and key made with openssl; returns [certPath, keyPath]. */
function selfSigned(name: string, cn: string, extra: string[] = []): [string, string] {
  const cert = join(dir, `${name}.crt.pem`);
  const key = join(dir, `${name}.key.pem`);
  const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert];
  const run = spawnSync('openssl', [...args, '-days', '1', '-subj', `/CN=${cn}`, ...extra], {
    encoding: 'utf8',
  });
  if (run.error !== undefined || run.status !== 0) {
    throw new Error(
      `these tests need the openssl command to make certificates: ${run.error?.message ?? run.stderr}`,
    );
  }
  return [cert, key];
}

const certs = { server: ['', ''], alice: ['', ''], carol: ['', ''], mallory: ['', ''], ca: '' };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'broker-tls-'));
  certs.server = selfSigned('server', 'localhost', ['-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1']);
  certs.alice = selfSigned('alice', 'alice');
  certs.carol = selfSigned('carol', 'carol');
  certs.mallory = selfSigned('mallory', 'alice');
  certs.ca = join(dir, 'clients-ca.pem');
  const trusted = [certs.alice[0], certs.carol[0]].map((f) => readFileSync(f ?? '', 'utf8'));
  writeFileSync(certs.ca, trusted.join(''));
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

const read = (path: string | undefined): Buffer => readFileSync(path ?? '');

function tlsConfig(requireClientCert: boolean) {
  return {
    enabled: true,
    port: 0,
    cert_file: certs.server[0],
    key_file: certs.server[1],
    ...(requireClientCert ? { ca_file: certs.ca, require_client_cert: true } : {}),
  };
}

const ALICE = {
  allow_anonymous: false,
  users: [{ username: 'alice', password_env: 'ALICE_PW', publish: ['#'], subscribe: ['#'] }],
};
const SECRETS = secretsFromMap({ ALICE_PW: 'alice-secret' });

describe('EmbeddedBroker: WebSocket listener', () => {
  it('carries MQTT over WebSocket to and from TCP clients', async () => {
    const { broker, addresses } = await harness.start({ websocket: { enabled: true, port: 0 } });
    const port = addresses.ws?.port;
    expect(port).toBeGreaterThan(0);
    const ws = await harness.connect(`ws://127.0.0.1:${port}/mqtt`, { clientId: 'over-ws' });
    expect(broker.principalOf('over-ws')).toBe('anonymous');
    const inbox = new Inbox(ws);
    await ws.subscribeAsync('line/#', { qos: 1 });
    const tcp = await harness.connect(tcpUrl(addresses));
    await tcp.publishAsync('line/1', 'hello', { qos: 1 });
    expect(await inbox.next()).toMatchObject({ topic: 'line/1', payload: 'hello' });
  });

  it('refuses other HTTP paths', async () => {
    const { addresses } = await harness.start({ websocket: { enabled: true, port: 0 } });
    await expect(harness.connect(`ws://127.0.0.1:${addresses.ws?.port}/other`)).rejects.toThrow();
  });
});

describe('EmbeddedBroker: TLS listener', () => {
  it('serves MQTT over TLS with the configured certificate', async () => {
    const { addresses } = await harness.start({ tls: tlsConfig(false) });
    const url = `mqtts://127.0.0.1:${addresses.tls?.port}`;
    const client = await harness.connect(url, { ca: read(certs.server[0]) });
    const inbox = new Inbox(client);
    await client.subscribeAsync('secure/#', { qos: 2 });
    await client.publishAsync('secure/x', 'ok', { qos: 2 });
    expect(await inbox.next()).toMatchObject({ topic: 'secure/x', payload: 'ok', qos: 2 });
  });

  it('authenticates a client certificate as the user named by its CN', async () => {
    const { broker, addresses } = await harness.start({ ...ALICE, tls: tlsConfig(true) }, SECRETS);
    const url = `mqtts://127.0.0.1:${addresses.tls?.port}`;
    const tls = { ca: read(certs.server[0]), cert: read(certs.alice[0]), key: read(certs.alice[1]) };
    await harness.connect(url, { ...tls, clientId: 'by-cert' });
    expect(broker.principalOf('by-cert')).toBe('alice');
    await expect(harness.connect(url, { ...tls, username: 'bob' })).rejects.toMatchObject({ code: 4 });
  });

  it('refuses a trusted certificate that names no user when anonymous clients are off', async () => {
    const { addresses } = await harness.start({ ...ALICE, tls: tlsConfig(true) }, SECRETS);
    const url = `mqtts://127.0.0.1:${addresses.tls?.port}`;
    const tls = { ca: read(certs.server[0]), cert: read(certs.carol[0]), key: read(certs.carol[1]) };
    await expect(harness.connect(url, tls)).rejects.toMatchObject({ code: 5 });
  });

  it.each([
    ['without a certificate', {}],
    ['with an untrusted certificate', { cert: 'mallory', key: 'mallory' }],
  ])('refuses the TLS handshake %s', async (_name, which) => {
    const { addresses } = await harness.start({ ...ALICE, tls: tlsConfig(true) }, SECRETS);
    const url = `mqtts://127.0.0.1:${addresses.tls?.port}`;
    const own = 'cert' in which ? { cert: read(certs.mallory[0]), key: read(certs.mallory[1]) } : {};
    await expect(harness.connect(url, { ca: read(certs.server[0]), ...own })).rejects.toThrow();
  });

  it('refuses to start TLS without a certificate', async () => {
    const broker = harness.create({ tls: { enabled: true, port: 0 } });
    await expect(broker.start()).rejects.toMatchObject({ code: 'INSECURE_CONFIG' });
  });

  it('refuses a certificate file it cannot read with INVALID_CONFIG', async () => {
    const broker = harness.create({ tls: { ...tlsConfig(false), cert_file: join(dir, 'missing.pem') } });
    await expect(broker.start()).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
  });
});

function varint(n: number): number[] {
  const out: number[] = [];
  let rest = n;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    out.push(byte);
  } while (rest > 0);
  return out;
}

describe('EmbeddedBroker: packet size bound', () => {
  it('drops a connection as soon as a packet header declares more than the bound', async () => {
    const { addresses } = await harness.start({ max_payload_bytes: 1024 });
    const client = await harness.connect(tcpUrl(addresses));
    // A PUBLISH header announcing 200 MB; the body never follows.
    client.stream.write(Buffer.from([0x30, ...varint(200_000_000)]));
    await closed(client);
    expect(client.connected).toBe(false);
  });

  it('bounds packets over WebSocket the same way', async () => {
    const { addresses } = await harness.start({ websocket: { enabled: true, port: 0 } });
    const client = await harness.connect(`ws://127.0.0.1:${addresses.ws?.port}/mqtt`);
    client.stream.write(Buffer.from([0x30, ...varint(200_000_000)]));
    await closed(client);
  });
});
