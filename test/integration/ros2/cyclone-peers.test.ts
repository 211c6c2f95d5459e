import { beforeAll, describe, expect, it } from 'vitest';
import {
  ensureCyclonePeers,
  hasCyclone,
  otherDomainId,
  prepareSocketBuffers,
  spawnPeer,
  testDomainId,
  uniqueTopic,
  type PeerEvent,
  type PeerProcess,
} from '../../helpers/cyclone.js';

/**
 * The ROS 2 stand-in peers themselves (test/peers/cyclone/peer, plain Cyclone DDS with ROS 2's
 * type names and QoS), so that the gateway's ROS 2 tests can trust them: what a peer publishes
 * arrives complete and in order, QoS is what was asked for, large samples survive fragmentation
 * and domains keep traffic apart.
 */

const available = hasCyclone();
const title = available
  ? 'Cyclone DDS ROS 2 stand-in peers'
  : 'Cyclone DDS ROS 2 stand-in peers (SKIPPED: idlc or the libddsc headers are missing; test/bootstrap.sh installs cyclonedds-dev and cyclonedds-tools)';

const received = (p: PeerProcess): PeerEvent[] => p.lines.filter((e) => e.event === 'recv');
const isDone = (e: PeerEvent) => e.event === 'done';

/** Starts a subscriber and waits until its reader exists. */
async function subscriber(args: string[], domainId?: number): Promise<PeerProcess> {
  const sub = spawnPeer(['sub', ...args], domainId === undefined ? {} : { domainId });
  await sub.waitFor((e) => e.event === 'ready', 10_000);
  return sub;
}

describe.skipIf(!available)(title, () => {
  beforeAll(() => {
    ensureCyclonePeers();
    prepareSocketBuffers();
  }, 120_000);

  it('delivers 20 reliable std_msgs/String messages complete and in order', async () => {
    const topic = uniqueTopic('chatter');
    const sub = await subscriber(['--type', 'string', '--topic', topic, '--count', '20', '--seconds', '20']);
    const pub = spawnPeer(['pub', '--type', 'string', '--topic', topic, '--count', '20', '--rate', '50']);

    expect(await pub.waitFor((e) => e.event === 'matched')).toMatchObject({ count: 1 });
    const done = await pub.waitFor(isDone, 15_000);
    expect(done).toMatchObject({ sent: 20, failed: 0 });
    expect(pub.lines.filter((e) => e.event === 'sent').map((e) => e.seq)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(await sub.waitFor(isDone, 15_000)).toMatchObject({ received: 20 });
    expect((await sub.waitForExit()).code).toBe(0);
    expect((await pub.waitForExit()).code).toBe(0);

    const got = received(sub);
    expect(got.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(got.map((e) => e.text)).toEqual(Array.from({ length: 20 }, (_, i) => `seq ${i + 1}`));
    expect(got.every((e) => e.intact === true && e.bytes === e.text?.length)).toBe(true);
  });

  it('pads strings to --size and reports text only under 200 bytes', async () => {
    const topic = uniqueTopic('sized');
    const sub = await subscriber(['--type', 'string', '--topic', topic, '--count', '2', '--seconds', '15']);
    const small = spawnPeer(['pub', '--type', 'string', '--topic', topic, '--count', '1', '--size', '40']);
    await small.waitForExit();
    await sub.waitFor((e) => e.event === 'recv');
    await spawnPeer([
      'pub',
      '--type',
      'string',
      '--topic',
      topic,
      '--count',
      '1',
      '--size',
      '5000',
    ]).waitForExit();
    await sub.waitFor(isDone, 10_000);
    const [a, b] = received(sub);
    expect(a).toMatchObject({ seq: 1, bytes: 40, intact: true });
    expect(a?.text).toMatch(/^seq 1 [a-z]{34}$/);
    expect(b).toMatchObject({ seq: 1, bytes: 5000, intact: true });
    expect(b?.text).toBeUndefined();
  });

  it('publishes --text verbatim and reports it JSON-escaped', async () => {
    const topic = uniqueTopic('text');
    const text = 'quote " backslash \\ tab \t newline \n control \u0001 umlaut \u00fc check \u2713';
    const sub = await subscriber(['--type', 'string', '--topic', topic, '--count', '1', '--seconds', '15']);
    await spawnPeer([
      'pub',
      '--type',
      'string',
      '--topic',
      topic,
      '--count',
      '1',
      '--text',
      text,
    ]).waitForExit();
    expect(await sub.waitFor((e) => e.event === 'recv')).toEqual({
      event: 'recv',
      bytes: Buffer.byteLength(text),
      text,
    });
  });

  it('delivers best-effort geometry_msgs/Twist, and a reliable reader does not match a best-effort writer', async () => {
    const topic = uniqueTopic('cmd_vel');
    const sub = await subscriber(['--type', 'twist', '--topic', topic, '--best-effort', '--seconds', '20']);
    const strict = await subscriber(['--type', 'twist', '--topic', topic, '--seconds', '20']);
    const pub = spawnPeer([
      'pub',
      '--type',
      'twist',
      '--topic',
      topic,
      '--best-effort',
      '--count',
      '50',
      '--rate',
      '100',
    ]);
    // Only the best-effort reader is compatible (a reliable reader needs a reliable writer).
    expect(await pub.waitFor((e) => e.event === 'matched')).toMatchObject({ count: 1 });
    expect(await pub.waitFor(isDone, 10_000)).toMatchObject({ sent: 50, failed: 0 });
    await sub.waitFor((e) => e.event === 'recv' && e.seq === 50, 5_000).catch(() => undefined);
    await sub.stop();
    await strict.stop();

    const got = received(sub);
    const seqs = got.map((e) => e.seq ?? -1);
    // Best effort may lose a sample (typically one written before the reader knew the writer),
    // but on loopback nearly all arrive, each once and in order, with the right content.
    expect(got.length).toBeGreaterThanOrEqual(45);
    expect(seqs.every((s, i) => s >= 1 && s <= 50 && (i === 0 || s > seqs[i - 1]!))).toBe(true);
    expect(got.every((e) => e.bytes === 48 && e.angular?.every((v) => v === 0) === true)).toBe(true);
    expect(
      got.every(
        (e) => e.linear !== undefined && e.linear[0] === e.seq && e.linear[1] === 0 && e.linear[2] === 0,
      ),
    ).toBe(true);
    expect(received(strict)).toEqual([]);
    expect(strict.lines.some((e) => e.event === 'matched')).toBe(false);
    expect(sub.lines.at(-1)).toMatchObject({ event: 'done', received: got.length });
    expect(sub.exit).toEqual({ code: 0, signal: null });
  });

  it('delivers five 1 MB sensor_msgs/Image samples (fragmented) reliably and intact', async () => {
    const topic = uniqueTopic('camera_image');
    const size = 1_000_000;
    const sub = await subscriber(['--type', 'image', '--topic', topic, '--count', '5', '--seconds', '25']);
    const started = Date.now();
    const pub = spawnPeer([
      'pub',
      '--type',
      'image',
      '--topic',
      topic,
      '--count',
      '5',
      '--rate',
      '0',
      '--size',
      String(size),
    ]);
    expect(await pub.waitFor(isDone, 20_000)).toMatchObject({ sent: 5, failed: 0 });
    expect(await sub.waitFor(isDone, 20_000)).toMatchObject({ received: 5 });
    console.info(`5 x 1 MB images, reliable, flat out: ${Date.now() - started} ms including discovery`);

    const got = received(sub);
    expect(got.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    for (const e of got) {
      expect(e).toMatchObject({
        bytes: size,
        intact: true,
        width: 1000,
        height: 1000,
        step: 1000,
        encoding: 'mono8',
        is_bigendian: 0,
        frame_id: `seq ${e.seq}`,
      });
      expect(Math.abs((e.stamp?.sec ?? 0) - Date.now() / 1000)).toBeLessThan(60);
    }
  });

  it('replays transient-local history to a late-joining transient-local reader', async () => {
    const topic = uniqueTopic('map');
    const pub = spawnPeer([
      'pub',
      '--type',
      'string',
      '--topic',
      topic,
      '--transient-local',
      '--count',
      '3',
      '--wait-match',
      '0',
      '--seconds',
      '30',
    ]);
    expect(await pub.waitFor(isDone)).toMatchObject({ sent: 3 });
    const late = await subscriber([
      '--type',
      'string',
      '--topic',
      topic,
      '--transient-local',
      '--count',
      '3',
    ]);
    expect(await late.waitFor(isDone, 10_000)).toMatchObject({ received: 3 });
    expect(received(late).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('keeps different domain ids apart', async () => {
    const topic = uniqueTopic('isolated');
    const elsewhere = otherDomainId();
    expect(elsewhere).not.toBe(testDomainId);
    const sub = await subscriber(['--type', 'string', '--topic', topic, '--seconds', '20']);
    const pub = spawnPeer(
      ['pub', '--type', 'string', '--topic', topic, '--count', '5', '--rate', '0', '--wait-match', '2000'],
      { domainId: elsewhere },
    );
    expect(await pub.waitFor((e) => e.event === 'matched', 5_000)).toMatchObject({ count: 0 });
    expect(await pub.waitFor(isDone, 5_000)).toMatchObject({ sent: 5 });
    // Control: the same publisher in the subscriber's domain is seen at once.
    const control = spawnPeer(['pub', '--type', 'string', '--topic', topic, '--count', '1']);
    expect(await control.waitFor((e) => e.event === 'matched')).toMatchObject({ count: 1 });
    await sub.waitFor((e) => e.event === 'recv');
    expect((await control.waitForExit()).code).toBe(0);
    // The subscriber only ever matched the control publisher, and saw it leave.
    await sub.waitFor((e) => e.event === 'matched' && e.count === 0);
    await sub.stop();
    expect(received(sub).map((e) => e.seq)).toEqual([1]);
    expect(sub.lines.filter((e) => e.event === 'matched').map((e) => e.count)).toEqual([1, 0]);
  });

  it('exits 0 with a final done line on SIGTERM, and 2 on bad arguments', async () => {
    const sub = await subscriber(['--type', 'image', '--topic', uniqueTopic('idle')]);
    const exit = await sub.stop();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(sub.lines.at(-1)).toEqual({ event: 'done', received: 0 });

    const bad = spawnPeer(['pub', '--type', 'pointcloud']);
    expect((await bad.waitForExit()).code).toBe(2);
    expect(bad.stderr).toMatch(/unknown type 'pointcloud'/);
  });
});
