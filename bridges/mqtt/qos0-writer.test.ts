import { Writable } from 'node:stream';
import mqttPacket, { type IPublishPacket, type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { encodeQos0Publish, Qos0Writer } from './qos0-writer.js';

/** Every packet in `bytes`, parsed by mqtt-packet (MQTT.js's own parser, an independent decoder). */
function parse(version: 4 | 5, bytes: Buffer): Packet[] {
  const parser = mqttPacket.parser({ protocolVersion: version });
  const out: Packet[] = [];
  const errors: Error[] = [];
  parser.on('packet', (p: Packet) => out.push(p));
  parser.on('error', (e: Error) => errors.push(e));
  parser.parse(bytes);
  expect(errors).toEqual([]);
  return out;
}

/** A socket stand-in that keeps every chunk it is given, as given. */
class Sink extends Writable {
  readonly chunks: Buffer[] = [];
  writes = 0;
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.writes += 1;
    this.chunks.push(chunk);
    cb();
  }
  override _writev(chunks: { chunk: Buffer }[], cb: () => void): void {
    this.writes += 1;
    for (const c of chunks) this.chunks.push(c.chunk);
    cb();
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('encodeQos0Publish', () => {
  // Remaining-length boundaries of the variable byte integer: 1, 2 and 3 bytes, and either side.
  const sizes = [0, 1, 100, 121, 122, 123, 16_370, 16_384, 70_000, 2_100_000];
  for (const version of [4, 5] as const) {
    it(`MQTT ${version === 5 ? '5' : '3.1.1'}: mqtt-packet reads back topic, payload and flags at every length boundary`, () => {
      for (const size of sizes) {
        const payload = Buffer.alloc(size, size % 251);
        for (const retain of [false, true]) {
          const encoded = encodeQos0Publish(version, 'plant/línea-1/ü', payload, retain, {
            contentType: 'application/json',
          });
          if (typeof encoded === 'string') throw new Error(encoded);
          const [p, ...rest] = parse(version, encoded) as IPublishPacket[];
          expect(rest).toEqual([]);
          if (!p) throw new Error('no packet');
          expect(p).toMatchObject({ cmd: 'publish', qos: 0, dup: false, retain, topic: 'plant/línea-1/ü' });
          expect(Buffer.compare(p.payload as Buffer, payload)).toBe(0);
          if (version === 5) expect(p.properties).toEqual({ contentType: 'application/json' });
          else expect(p.properties).toBeUndefined();
        }
      }
    });
  }

  it('encodes every MQTT 5 property the gateway sets, and none when there are none', () => {
    const correlation = Buffer.from([0, 1, 2, 250]);
    const all = encodeQos0Publish(5, 'a/b', Buffer.from('x'), false, {
      contentType: 'application/msgpack',
      responseTopic: 'cxp/v1/gw/out/me',
      correlationData: correlation.toString('base64'),
    });
    if (typeof all === 'string') throw new Error(all);
    const [p] = parse(5, all) as IPublishPacket[];
    expect(p?.properties).toEqual({
      contentType: 'application/msgpack',
      responseTopic: 'cxp/v1/gw/out/me',
      correlationData: correlation,
    });
    const none = encodeQos0Publish(5, 'a/b', Buffer.from('x'));
    if (typeof none === 'string') throw new Error(none);
    expect((parse(5, none)[0] as IPublishPacket).properties).toBeUndefined();
  });

  it('refuses topics a PUBLISH may not carry', () => {
    for (const topic of ['', 'a/+/b', 'a/#', '#', 'nul\u0000here', 'lone\ud800surrogate', 'x'.repeat(65_536)])
      expect(encodeQos0Publish(5, topic, Buffer.alloc(1))).toBe('invalid_topic');
    expect(encodeQos0Publish(4, 'y'.repeat(65_535), Buffer.alloc(1))).toBeInstanceOf(Buffer);
  });
});

describe('Qos0Writer', () => {
  it('writes a tick of packets in one burst, in order, small ones packed and large payloads not copied', async () => {
    const sink = new Sink();
    const lost: number[] = [];
    const w = new Qos0Writer((n) => lost.push(n));
    w.attach(sink);
    const big = Buffer.alloc(200_000, 7);
    const payloads = [Buffer.from('one'), Buffer.alloc(5000, 1), big, Buffer.from('four')];
    // Enough small packets to cross a 64 KiB slab.
    for (let i = 0; i < 40; i++) payloads.push(Buffer.alloc(3000, i));
    for (const [i, p] of payloads.entries())
      expect(w.write(5, `t/${i}`, p, false, { contentType: 'application/octet-stream' })).toBeUndefined();
    expect(w.pending).toBeGreaterThan(200_000 + 40 * 3000);
    expect(sink.writes).toBe(0);
    await tick();
    expect(w.pending).toBe(0);
    expect(sink.writes).toBe(1);
    expect(sink.chunks).toContain(big);
    const packets = parse(5, sink.bytes()) as IPublishPacket[];
    expect(packets.map((p) => p.topic)).toEqual(payloads.map((_, i) => `t/${i}`));
    packets.forEach((p, i) => {
      expect(Buffer.compare(p.payload as Buffer, payloads[i] ?? Buffer.alloc(0))).toBe(0);
    });
    expect(lost).toEqual([]);
  });

  it('packs the next tick after what the socket may still hold, never over it', async () => {
    const sink = new Sink();
    const w = new Qos0Writer(() => undefined);
    w.attach(sink);
    const sent: string[] = [];
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 30; i++) {
        const text = `r${round}-${i}-${'z'.repeat(1000)}`;
        sent.push(text);
        w.write(4, 'same/topic', Buffer.from(text), false, undefined);
      }
      await tick();
    }
    const got = (parse(4, sink.bytes()) as IPublishPacket[]).map((p) => (p.payload as Buffer).toString());
    expect(got).toEqual(sent);
  });

  it('counts what a socket that went away never got, and writes nothing to it', async () => {
    const lost: number[] = [];
    const w = new Qos0Writer((n) => lost.push(n));
    const first = new Sink();
    w.attach(first);
    w.write(4, 'a', Buffer.from('1'), false, undefined);
    w.write(4, 'a', Buffer.from('2'), false, undefined);
    w.attach(undefined);
    expect(lost).toEqual([2]);
    const second = new Sink();
    w.attach(second);
    w.write(4, 'a', Buffer.from('3'), false, undefined);
    second.destroy();
    await tick();
    expect(lost).toEqual([2, 1]);
    expect(first.chunks).toEqual([]);
    expect(second.chunks).toEqual([]);
    expect(w.pending).toBe(0);
  });

  it('refuses a bad topic without disturbing the packets around it', async () => {
    const sink = new Sink();
    const w = new Qos0Writer(() => undefined);
    w.attach(sink);
    w.write(5, 'ok/1', Buffer.from('a'), false, undefined);
    expect(w.write(5, 'bad/#', Buffer.from('b'), false, undefined)).toBe('invalid_topic');
    w.write(5, 'ok/2', Buffer.from('c'), true, undefined);
    await tick();
    const packets = parse(5, sink.bytes()) as IPublishPacket[];
    expect(packets.map((p) => [p.topic, p.retain])).toEqual([
      ['ok/1', false],
      ['ok/2', true],
    ]);
  });
});
