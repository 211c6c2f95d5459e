import { afterEach, describe, expect, it } from 'vitest';
import { CxpError } from '../../../src/cxp/errors.js';
import { EmbeddedBroker } from './broker.js';
import { parseBrokerConfig } from './config.js';
import { Harness, Inbox, closed, secretsFromMap, silentLogger, tcpUrl } from './test-support.js';

const harness = new Harness();
afterEach(() => harness.cleanup());

const USERS = {
  allow_anonymous: false,
  users: [
    { username: 'alice', password_env: 'ALICE_PW', publish: ['plant/alice/#'], subscribe: ['plant/#'] },
    { username: 'bob', password_env: 'BOB_PW', publish: ['plant/+/cmd'], subscribe: ['plant/+/temp'] },
  ],
};
const SECRETS = secretsFromMap({ ALICE_PW: 'alice-secret', BOB_PW: 'bob-secret' });
const alice = { username: 'alice', password: 'alice-secret' };
const bob = { username: 'bob', password: 'bob-secret' };

describe('EmbeddedBroker: publish and subscribe', () => {
  it('delivers QoS 0, 1 and 2 messages', async () => {
    const { addresses } = await harness.start();
    const sub = await harness.connect(tcpUrl(addresses));
    const inbox = new Inbox(sub);
    await sub.subscribeAsync('plant/#', { qos: 2 });
    const pub = await harness.connect(tcpUrl(addresses));
    for (const qos of [0, 1, 2] as const) await pub.publishAsync(`plant/q${qos}`, `m${qos}`, { qos });
    const got = [await inbox.next(), await inbox.next(), await inbox.next()];
    expect(got.map((m) => [m.topic, m.payload, m.qos])).toEqual([
      ['plant/q0', 'm0', 0],
      ['plant/q1', 'm1', 1],
      ['plant/q2', 'm2', 2],
    ]);
  });

  it('delivers a retained message to a late subscriber', async () => {
    const { addresses } = await harness.start();
    const pub = await harness.connect(tcpUrl(addresses));
    await pub.publishAsync('plant/state', 'running', { qos: 1, retain: true });
    const late = await harness.connect(tcpUrl(addresses));
    const inbox = new Inbox(late);
    await late.subscribeAsync('plant/+', { qos: 1 });
    expect(await inbox.next()).toEqual({ topic: 'plant/state', payload: 'running', qos: 1, retain: true });
  });

  it('queues QoS 1 messages for an offline persistent session', async () => {
    const { addresses } = await harness.start();
    const options = { clientId: 'persistent-sub', clean: false };
    const first = await harness.connect(tcpUrl(addresses), options);
    await first.subscribeAsync('jobs/#', { qos: 1 });
    await first.endAsync();
    const pub = await harness.connect(tcpUrl(addresses));
    await pub.publishAsync('jobs/1', 'queued', { qos: 1 });
    const again = await harness.connect(tcpUrl(addresses), options);
    const inbox = new Inbox(again);
    expect(await inbox.next()).toMatchObject({ topic: 'jobs/1', payload: 'queued', qos: 1 });
  });
});

describe('EmbeddedBroker: authentication', () => {
  it('accepts a user with the right password and knows who it is', async () => {
    const { broker, addresses } = await harness.start(USERS, SECRETS);
    await harness.connect(tcpUrl(addresses), { ...alice, clientId: 'c-alice' });
    expect(broker.principalOf('c-alice')).toBe('alice');
    expect(broker.connectedClients).toBe(1);
    expect(broker.principalOf('nobody')).toBeUndefined();
  });

  it.each([
    ['a wrong password', { username: 'alice', password: 'wrong' }, 4],
    ['an unknown user', { username: 'mallory', password: 'alice-secret' }, 4],
    ['a username without password', { username: 'alice' }, 4],
    ['no credentials while anonymous is off', {}, 5],
  ])('refuses %s with CONNACK %i', async (_name, credentials, code) => {
    const { addresses } = await harness.start(USERS, SECRETS);
    await expect(harness.connect(tcpUrl(addresses), credentials)).rejects.toMatchObject({ code });
  });

  it('names anonymous clients "anonymous" and forgets clients that left', async () => {
    const { broker, addresses } = await harness.start();
    const client = await harness.connect(tcpUrl(addresses), { clientId: 'anon-1' });
    expect(broker.principalOf('anon-1')).toBe('anonymous');
    await client.endAsync();
    await expect.poll(() => broker.principalOf('anon-1')).toBeUndefined();
    expect(broker.connectedClients).toBe(0);
  });

  it('refuses clients beyond max_clients with CONNACK 3, but lets a session be taken over', async () => {
    const { broker, addresses } = await harness.start({ max_clients: 1 });
    const first = await harness.connect(tcpUrl(addresses), { clientId: 'only' });
    await expect(harness.connect(tcpUrl(addresses))).rejects.toMatchObject({ code: 3 });
    await harness.connect(tcpUrl(addresses), { clientId: 'only' });
    await closed(first);
    expect(broker.principalOf('only')).toBe('anonymous');
    expect(broker.connectedClients).toBe(1);
  });
});

describe('EmbeddedBroker: authorization and limits', () => {
  it('does not deliver a publish the access list denies, and drops the publisher', async () => {
    const { addresses } = await harness.start(USERS, SECRETS);
    const watcher = await harness.connect(tcpUrl(addresses), alice);
    const inbox = new Inbox(watcher);
    await watcher.subscribeAsync('plant/#', { qos: 1 });
    const intruder = await harness.connect(tcpUrl(addresses), bob);
    await intruder.publishAsync('plant/bob/temp', 'forged');
    await closed(intruder);
    await watcher.publishAsync('plant/alice/marker', 'after', { qos: 1 });
    expect(await inbox.next()).toMatchObject({ topic: 'plant/alice/marker', payload: 'after' });
    expect(inbox.messages.map((m) => m.topic)).toEqual(['plant/alice/marker']);
  });

  it('publishes a will only where its client may publish', async () => {
    const { broker, addresses } = await harness.start(USERS, SECRETS);
    const watcher = await harness.connect(tcpUrl(addresses), alice);
    const inbox = new Inbox(watcher);
    await watcher.subscribeAsync('plant/#', { qos: 1 });
    const will = (topic: string) => ({
      ...bob,
      will: { topic, payload: Buffer.from('gone'), qos: 1 as const },
    });
    const denied = await harness.connect(tcpUrl(addresses), will('plant/bob/temp'));
    const allowed = await harness.connect(tcpUrl(addresses), will('plant/bob/cmd'));
    denied.stream.destroy();
    await expect.poll(() => broker.connectedClients).toBe(2);
    allowed.stream.destroy();
    expect(await inbox.next()).toMatchObject({ topic: 'plant/bob/cmd', payload: 'gone' });
    expect(inbox.messages.map((m) => m.topic)).toEqual(['plant/bob/cmd']);
  });

  it('grants allowed subscriptions and answers 0x80 for denied ones', async () => {
    const { addresses } = await harness.start(USERS, SECRETS);
    const client = await harness.connect(tcpUrl(addresses), bob);
    // MQTT.js rejects a SUBACK with any failure grant; the packet is on the error.
    const suback = client.subscribeAsync({ 'plant/+/temp': { qos: 1 }, 'plant/#': { qos: 1 } });
    await expect(suback).rejects.toMatchObject({ packet: { granted: [1, 0x80] } });
    expect(client.connected).toBe(true);
    const inbox = new Inbox(client);
    await client.publishAsync('plant/alice/cmd', 'go', { qos: 1 });
    const watcher = await harness.connect(tcpUrl(addresses), alice);
    await watcher.publishAsync('plant/alice/temp', '21', { qos: 1 });
    expect(await inbox.next()).toMatchObject({ topic: 'plant/alice/temp', payload: '21' });
  });

  it('drops a publish whose payload exceeds max_payload_bytes', async () => {
    const { addresses } = await harness.start({ max_payload_bytes: 16 });
    const sub = await harness.connect(tcpUrl(addresses));
    const inbox = new Inbox(sub);
    await sub.subscribeAsync('big/#', { qos: 1 });
    const pub = await harness.connect(tcpUrl(addresses));
    await pub.publishAsync('big/fits', 'x'.repeat(16), { qos: 1 });
    expect(await inbox.next()).toMatchObject({ topic: 'big/fits' });
    await pub.publishAsync('big/too', 'x'.repeat(17));
    await closed(pub);
    const other = await harness.connect(tcpUrl(addresses));
    await other.publishAsync('big/marker', 'm', { qos: 1 });
    expect(await inbox.next()).toMatchObject({ topic: 'big/marker' });
    expect(inbox.messages.map((m) => m.topic)).toEqual(['big/fits', 'big/marker']);
  });
});

describe('EmbeddedBroker: lifecycle', () => {
  it('refuses to start anonymous on a non-loopback interface', async () => {
    const broker = harness.create({ host: '0.0.0.0' });
    const err: unknown = await broker.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CxpError);
    expect(err).toMatchObject({ code: 'INSECURE_CONFIG' });
    expect((err as CxpError).details.problems).toEqual([expect.stringContaining('tcp listener on 0.0.0.0')]);
  });

  it('starts on a non-loopback interface when anonymous clients are refused', async () => {
    const { addresses } = await harness.start({ ...USERS, host: '0.0.0.0' }, SECRETS);
    await harness.connect(tcpUrl(addresses), alice);
  });

  it('refuses a user without a secret reference with INVALID_CONFIG', () => {
    const config = { users: [{ username: 'carol' }] };
    expect(() => harness.create(config)).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
  });

  it('refuses a secret it cannot read with INVALID_CONFIG', async () => {
    const broker = harness.create({ users: [{ username: 'carol', password_env: 'MISSING' }] });
    await expect(broker.start()).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
  });

  it('stop() is idempotent, disconnects clients and closes the listener', async () => {
    const { broker, addresses } = await harness.start();
    const client = await harness.connect(tcpUrl(addresses));
    const gone = closed(client);
    await Promise.all([broker.stop(), broker.stop()]);
    await broker.stop();
    await gone;
    expect(broker.connectedClients).toBe(0);
    expect(broker.aedes.closed).toBe(true);
    await expect(harness.connect(tcpUrl(addresses))).rejects.toThrow();
    await expect(broker.start()).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
  });

  it('stop() before start() resolves and start() then refuses', async () => {
    const broker = new EmbeddedBroker({
      config: parseBrokerConfig({ port: 0 }),
      logger: silentLogger,
      readSecret: SECRETS,
    });
    await broker.stop();
    await expect(broker.start()).rejects.toBeInstanceOf(CxpError);
    expect(() => broker.aedes).toThrow(CxpError);
  });

  it('reports a port in use as a coded error and leaves nothing open', async () => {
    const { addresses } = await harness.start();
    const second = harness.create({ port: addresses.tcp.port });
    await expect(second.start()).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
    await second.stop();
  });
});
