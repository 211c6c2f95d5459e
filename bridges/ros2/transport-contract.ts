import { afterEach, describe, expect, it } from 'vitest';
import type { Result } from '../../src/cxp/errors.js';
import {
  DEFAULT_QOS,
  SENSOR_DATA_QOS,
  type EndpointEvent,
  type Ros2Participant,
  type Ros2Qos,
  type Ros2Transport,
  type Sample,
} from './transport.js';

/**
 * The behaviour every Ros2Transport must show, run against each backend (the fake, the Cyclone DDS
 * addon, rclnodejs where ROS 2 is sourced). Test code only.
 */

export interface ContractOptions {
  /** A domain id no other test file uses at the same time. */
  domainId: () => number;
}

const STRING = 'std_msgs/msg/String';

/** A std_msgs/String sample as CDR: little-endian header, length, bytes, NUL. */
export function stringCdr(text: string): Uint8Array {
  const body = Buffer.from(text, 'utf8');
  const out = Buffer.alloc(8 + body.length + 1);
  out.writeUInt16BE(0x0001, 0);
  out.writeUInt32LE(body.length + 1, 4);
  body.copy(out, 8);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

export function cdrText(cdr: Uint8Array): string {
  const b = Buffer.from(cdr.buffer, cdr.byteOffset, cdr.byteLength);
  const len = b.readUInt32LE(4);
  return b.subarray(8, 8 + len - 1).toString('utf8');
}

function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function describeTransportContract(
  name: string,
  make: () => Ros2Transport,
  options: ContractOptions,
): void {
  describe(`Ros2Transport contract: ${name}`, () => {
    const opened: Ros2Participant[] = [];
    afterEach(() => {
      for (const p of opened.splice(0)) p.close();
    });

    function participant(domainId: number, transport = make()): Ros2Participant {
      const p = unwrap(transport.open({ domainId, localhostOnly: true }));
      opened.push(p);
      return p;
    }

    async function matched(
      pub: { matched(): number },
      sub: { matched(): number },
      what = 'writer and reader matched',
    ): Promise<void> {
      await until(() => pub.matched() > 0 && sub.matched() > 0, 10_000, what);
    }

    it('carries CDR bytes unchanged and in order between two participants of a domain', async () => {
      const domain = options.domainId();
      const transport = make();
      const a = participant(domain, transport);
      const b = participant(domain, transport);
      const got: Sample[] = [];
      const sub = unwrap(b.subscribe('/chatter', STRING, DEFAULT_QOS, (s) => got.push(s)));
      const pub = unwrap(a.advertise('/chatter', STRING, DEFAULT_QOS));
      await matched(pub, sub);
      const sent = Array.from({ length: 20 }, (_, i) => stringCdr(`hello ${i} ${'x'.repeat(i * 7)}`));
      const before = Date.now();
      for (const cdr of sent) unwrap(pub.publish(cdr));
      await until(() => got.length >= sent.length, 10_000, 'every sample');
      expect(got.map((s) => Buffer.from(s.cdr).toString('hex'))).toEqual(
        sent.map((c) => Buffer.from(c).toString('hex')),
      );
      expect(got[0]?.sourceTimeMs).toBeGreaterThanOrEqual(before - 1000);
      expect(sub.stats()).toEqual({ delivered: 20, dropped: 0 });
    });

    it('keeps domains apart', async () => {
      const d1 = options.domainId();
      let d2 = options.domainId();
      while (d2 === d1) d2 = options.domainId();
      const a = participant(d1);
      const b = participant(d2);
      const got: Sample[] = [];
      const sub = unwrap(b.subscribe('/apart', STRING, DEFAULT_QOS, (s) => got.push(s)));
      const pub = unwrap(a.advertise('/apart', STRING, DEFAULT_QOS));
      await new Promise((r) => setTimeout(r, 500));
      for (let i = 0; i < 5; i++) unwrap(pub.publish(stringCdr(`x${i}`)));
      await new Promise((r) => setTimeout(r, 300));
      expect(pub.matched()).toBe(0);
      expect(sub.matched()).toBe(0);
      expect(got).toEqual([]);
    });

    it('matches by QoS the DDS way: best-effort writers do not feed reliable readers', async () => {
      const p = participant(options.domainId());
      const reliableGot: Sample[] = [];
      const beGot: Sample[] = [];
      const reliable = unwrap(p.subscribe('/qos', STRING, DEFAULT_QOS, (s) => reliableGot.push(s)));
      const bestEffort = unwrap(p.subscribe('/qos', STRING, SENSOR_DATA_QOS, (s) => beGot.push(s)));
      const bePub = unwrap(p.advertise('/qos', STRING, SENSOR_DATA_QOS));
      await until(() => bestEffort.matched() > 0, 10_000, 'best-effort match');
      unwrap(bePub.publish(stringCdr('be')));
      await until(() => beGot.length === 1, 10_000, 'the best-effort sample');
      expect(reliable.matched()).toBe(0);
      expect(bePub.matched()).toBe(1);
      await new Promise((r) => setTimeout(r, 100));
      expect(reliableGot).toEqual([]);
      const relPub = unwrap(p.advertise('/qos', STRING, DEFAULT_QOS));
      await until(() => relPub.matched() === 2, 10_000, 'a reliable writer matches both readers');
      unwrap(relPub.publish(stringCdr('rel')));
      await until(() => reliableGot.length === 1 && beGot.length === 2, 10_000, 'both readers served');
    });

    it('replays a transient-local writer’s last samples to a late reader', async () => {
      const p = participant(options.domainId());
      const latched: Ros2Qos = { ...DEFAULT_QOS, durability: 'transient_local', depth: 3 };
      const pub = unwrap(p.advertise('/latched', STRING, latched));
      for (let i = 0; i < 5; i++) unwrap(pub.publish(stringCdr(`v${i}`)));
      const got: string[] = [];
      unwrap(p.subscribe('/latched', STRING, latched, (s) => got.push(cdrText(s.cdr))));
      await until(() => got.length >= 3, 10_000, 'the history');
      await new Promise((r) => setTimeout(r, 100));
      expect(got).toEqual(['v2', 'v3', 'v4']);
    });

    it('bounds the queue to JavaScript: a burst beyond it is dropped and counted, never buffered', async () => {
      const p = participant(options.domainId());
      let calls = 0;
      const sub = unwrap(
        p.subscribe(
          '/burst',
          STRING,
          { ...DEFAULT_QOS, history: 'keep_all' },
          () => {
            calls += 1;
          },
          { maxQueued: 4 },
        ),
      );
      const pub = unwrap(p.advertise('/burst', STRING, { ...DEFAULT_QOS, history: 'keep_all' }));
      await matched(pub, sub);
      // Published without yielding: JavaScript cannot take anything meanwhile.
      for (let i = 0; i < 100; i++) unwrap(pub.publish(stringCdr(`b${i}`)));
      await until(() => sub.stats().delivered + sub.stats().dropped >= 100, 10_000, 'every sample accounted');
      await until(() => calls === sub.stats().delivered, 10_000, 'queued samples delivered');
      const stats = sub.stats();
      expect(stats.dropped).toBeGreaterThan(0);
      expect(stats.delivered + stats.dropped).toBe(100);
      expect(stats.delivered).toBeLessThanOrEqual(100 - stats.dropped);
    });

    it('refuses bad names and bytes with coded errors', () => {
      const p = participant(options.domainId());
      const badTopic = p.advertise('chatter', STRING, DEFAULT_QOS);
      expect(badTopic.ok ? '' : badTopic.error.code).toBe('INVALID_PARAMS');
      const badType = p.subscribe('/chatter', 'String', DEFAULT_QOS, () => undefined);
      expect(badType.ok ? '' : badType.error.code).toBe('INVALID_PARAMS');
      const pub = unwrap(p.advertise('/chatter', STRING, DEFAULT_QOS));
      const short = pub.publish(new Uint8Array(2));
      expect(short.ok ? '' : short.error.code).toBe('MALFORMED_MESSAGE');
      pub.close();
      const closed = pub.publish(stringCdr('late'));
      expect(closed.ok).toBe(false);
      pub.close(); // idempotent
    });

    it('reports endpoints as they come and go', async () => {
      const domain = options.domainId();
      const watcher = participant(domain);
      const events: EndpointEvent[] = [];
      watcher.onEndpoint((e) => {
        if (e.topic === '/seen') events.push(e);
      });
      const other = participant(domain);
      const pub = unwrap(other.advertise('/seen', 'geometry_msgs/msg/Twist', DEFAULT_QOS));
      await until(() => events.some((e) => e.kind === 'publication' && e.alive), 10_000, 'the publication');
      expect(events[0]).toMatchObject({
        kind: 'publication',
        alive: true,
        topic: '/seen',
        type: 'geometry_msgs/msg/Twist',
        participant: other.guid,
      });
      pub.close();
      await until(() => events.some((e) => !e.alive), 10_000, 'the publication gone');
      expect(events.at(-1)).toMatchObject({ kind: 'publication', alive: false, topic: '/seen' });
    });

    it('closes cleanly: idempotent, and nothing works afterwards', () => {
      const p = participant(options.domainId());
      p.close();
      p.close();
      const after = p.advertise('/x', STRING, DEFAULT_QOS);
      expect(after.ok).toBe(false);
    });
  });
}
