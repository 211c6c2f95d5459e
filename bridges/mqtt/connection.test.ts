import { createServer, type Server, type Socket } from 'node:net';
import { writeToStream } from 'mqtt-packet';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/cxp/clock.js';
import { GatewayMetrics } from '../../src/runtime/metrics.js';
import { CONGESTED_BYTES, MAX_BUFFERED_BYTES, MqttConnection } from './connection.js';
import { MemoryOutboundQueue } from './outbound-queue.js';

/**
 * The connection's outbound flow control against a broker that stops reading: a raw TCP peer that
 * answers CONNECT with an MQTT 3.1.1 CONNACK and then pauses its socket, so the gateway's writes
 * pile up exactly as they do behind a broker that cannot keep up.
 */

interface StalledPeer {
  url: string;
  /** Resolves with the accepted socket once the client has connected. */
  socket: Promise<Socket>;
  server: Server;
}

async function stalledPeer(): Promise<StalledPeer> {
  let accept: (s: Socket) => void = () => undefined;
  const socket = new Promise<Socket>((resolve) => (accept = resolve));
  const server = createServer((s) => {
    s.once('data', () => {
      s.write(Buffer.from([0x20, 0x02, 0x00, 0x00])); // CONNACK, session present 0, accepted
      s.pause(); // and read nothing more
      accept(s);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { url: `mqtt://127.0.0.1:${address.port}`, socket, server };
}

function connection(url: string, metrics: GatewayMetrics): MqttConnection {
  return new MqttConnection({
    name: 'test',
    url: () => url,
    clientOptions: () => Promise.resolve({ clientId: 'flow-test' }),
    protocol: '3.1.1',
    reconnect: { initialMs: 50, maxMs: 100, jitter: 0 },
    inflight: 10,
    openOutbound: () =>
      Promise.resolve(new MemoryOutboundQueue({ maxMessages: 10, maxAgeMs: 60_000, clock: systemClock })),
    logger: pino({ level: 'silent' }),
    metrics,
  });
}

describe('MqttConnection outbound flow control', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('reports congestion, waits for the drain, and drops QoS 0 (counted) past the hard cap', async () => {
    const peer = await stalledPeer();
    cleanups.push(() => new Promise((resolve) => peer.server.close(resolve)));
    const metrics = new GatewayMetrics();
    const c = connection(peer.url, metrics);
    cleanups.push(() => c.stop());
    await c.start();
    const socket = await peer.socket;
    cleanups.push(() => Promise.resolve(socket.destroy()));
    for (let i = 0; i < 200 && !c.connected; i++) await new Promise((r) => setTimeout(r, 10));
    expect(c.connected).toBe(true);
    expect(c.congested).toBe(false);

    const payload = new Uint8Array(16 * 1024).fill(0x61);
    let accepted = 0;
    const seen: { decongested: boolean } = { decongested: false };
    const decongestedNow = (): boolean => seen.decongested;
    // Fill until more than CONGESTED_BYTES wait in user space. The kernel's socket buffers grow
    // (autotuning) and may take the backlog, which is a real drain; fill again until they are full.
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 10_000 && !c.congested; i++) {
        if (c.publish('flow/t', payload, { qos: 0 })) accepted += 1;
        if (i % 64 === 0) await new Promise((r) => setImmediate(r));
      }
      expect(c.congested).toBe(true);
      seen.decongested = false;
      c.onDecongested(() => (seen.decongested = true));
      await new Promise((r) => setTimeout(r, 300));
      if (!decongestedNow()) break;
    }
    expect(seen.decongested).toBe(false);

    // Past the hard cap QoS 0 is refused and counted, not buffered.
    const toCap = Math.ceil(MAX_BUFFERED_BYTES / payload.length) + 1;
    let refused = 0;
    for (let i = 0; i < toCap + 10; i++) if (!c.publish('flow/t', payload, { qos: 0 })) refused += 1;
    expect(refused).toBeGreaterThan(0);
    const dropped = await metrics.dropped.get();
    const congested = dropped.values.find((v) => v.labels.reason === 'congested');
    expect(congested?.value).toBe(refused);
    expect(accepted).toBeGreaterThan(CONGESTED_BYTES / payload.length);

    // The peer reads again: the buffer drains and the waiter runs.
    socket.resume();
    for (let i = 0; i < 500 && !seen.decongested; i++) await new Promise((r) => setTimeout(r, 10));
    expect(seen.decongested).toBe(true);
    expect(c.congested).toBe(false);
  }, 30_000);

  it('keeps mqtt-packet from pre-building its 65,536 number buffers (about 6 MiB of heap)', async () => {
    const peer = await stalledPeer();
    cleanups.push(() => new Promise((resolve) => peer.server.close(resolve)));
    const c = connection(peer.url, new GatewayMetrics());
    cleanups.push(() => c.stop());
    await c.start();
    const socket = await peer.socket;
    cleanups.push(() => Promise.resolve(socket.destroy()));
    expect(writeToStream.cacheNumbers).toBe(false);
  });

  it('runs the decongestion callback at once when the socket is not congested', () => {
    const c = connection('mqtt://127.0.0.1:1', new GatewayMetrics());
    let called = false;
    c.onDecongested(() => (called = true));
    expect(called).toBe(true);
  });
});
