import { spawn } from 'node:child_process';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/cxp/clock.js';
import { crc32 } from './crc32.js';
import { DiskQueue, type DiskQueueOptions, type DropReason, type QueuedMessage } from './store-forward.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const childScript = join(repoRoot, 'test', 'helpers', 'store-forward-child.ts');

let dir: string;
let clock: ManualClock;
let drops: [DropReason, number][];
const open: DiskQueue[] = [];

beforeEach(() => {
  dir = join(mkdtempSync(join(tmpdir(), 'cxp-sf-')), 'queue');
  clock = new ManualClock(1_000_000);
  drops = [];
});

afterEach(async () => {
  for (const queue of open.splice(0)) await queue.close();
  rmSync(join(dir, '..'), { recursive: true, force: true });
});

async function openQueue(options: Partial<DiskQueueOptions> = {}): Promise<DiskQueue> {
  const queue = await DiskQueue.open({ dir, clock, onDrop: (r, n) => drops.push([r, n]), ...options });
  open.push(queue);
  return queue;
}

async function reopen(queue: DiskQueue, options: Partial<DiskQueueOptions> = {}): Promise<DiskQueue> {
  await queue.close();
  return openQueue(options);
}

function message(i: number, payloadBytes = 16): QueuedMessage {
  return { topic: `t/${i}`, payload: new Uint8Array(payloadBytes).fill(i % 256), qos: 1, retain: false };
}

function appendAll(queue: DiskQueue, from: number, to: number, payloadBytes = 16): number[] {
  const seqs: number[] = [];
  for (let i = from; i <= to; i++) {
    const result = queue.append(message(i, payloadBytes));
    if (!result.ok) throw result.error;
    seqs.push(result.value);
  }
  return seqs;
}

function flipByte(path: string, index: number): void {
  const bytes = readFileSync(path);
  const at = index < 0 ? bytes.length + index : index;
  bytes[at] = (bytes[at] ?? 0) ^ 0xff;
  writeFileSync(path, bytes);
}

const seqsOf = (queue: DiskQueue, max = 100_000) => queue.peek(max).map((e) => e.seq);
const segments = () => readdirSync(dir).filter((name) => name.startsWith('seg-'));
const diskBytes = () => segments().reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
const lastSegment = () => join(dir, segments().sort().at(-1) ?? 'none');

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});

describe('DiskQueue', () => {
  it('hands out entries oldest first, with every field, and acks move the head', async () => {
    const queue = await openQueue();
    const properties = { contentType: 'application/json', correlationData: 'AAEC' };
    const first = queue.append({
      topic: 'a/b',
      payload: Uint8Array.of(1, 2, 3),
      qos: 2,
      retain: true,
      properties,
    });
    expect(first).toEqual({ ok: true, value: 1 });
    expect(appendAll(queue, 2, 5)).toEqual([2, 3, 4, 5]);
    expect(queue.size).toBe(5);
    const [head] = queue.peek(1);
    expect(head).toEqual({
      topic: 'a/b',
      payload: Uint8Array.of(1, 2, 3),
      qos: 2,
      retain: true,
      properties,
      seq: 1,
      enqueuedAt: 1_000_000,
    });
    await queue.flush(); // the same entries read back from disk
    expect(queue.peek(1)).toEqual([head]);
    expect(seqsOf(queue, 3)).toEqual([1, 2, 3]);
    queue.ack(1);
    queue.ack(2);
    queue.ack(2); // repeated and unknown acks are ignored
    queue.ack(99);
    expect(queue.size).toBe(3);
    expect(queue.peek(10).map((e) => e.topic)).toEqual(['t/3', 't/4', 't/5']);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('keeps unacked entries in order across a restart and continues the sequence', async () => {
    let queue = await openQueue();
    appendAll(queue, 1, 5);
    queue.ack(1);
    queue.ack(2);
    queue = await reopen(queue);
    expect(queue.size).toBe(3);
    expect(seqsOf(queue)).toEqual([3, 4, 5]);
    expect(queue.append(message(6))).toEqual({ ok: true, value: 6 });
    for (const seq of [3, 4, 5, 6]) queue.ack(seq);
    queue = await reopen(queue);
    expect(queue.size).toBe(0);
    expect(queue.append(message(7))).toEqual({ ok: true, value: 7 });
    expect(drops).toEqual([]);
  });

  it('accepts acks out of order: the head moves over contiguous acks only', async () => {
    let queue = await openQueue();
    appendAll(queue, 1, 5);
    queue.ack(3);
    queue.ack(5);
    expect(queue.size).toBe(3);
    expect(seqsOf(queue)).toEqual([1, 2, 4]);
    queue.ack(1);
    queue.ack(2);
    expect(seqsOf(queue)).toEqual([4]);
    await queue.flush();
    expect(JSON.parse(readFileSync(join(dir, 'ack.json'), 'utf8'))).toMatchObject({ acked: 3 });
    queue = await reopen(queue);
    expect(seqsOf(queue)).toEqual([4, 5]); // 5 was acked above a gap: delivered again (at least once)
  });

  it('cuts a torn tail on open, counts it, and keeps every earlier record', async () => {
    let queue = await openQueue();
    appendAll(queue, 1, 10);
    await queue.close();
    truncateSync(lastSegment(), statSync(lastSegment()).size - 3);
    queue = await openQueue();
    expect(drops).toEqual([['corrupt', 1]]);
    expect(seqsOf(queue)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(queue.peek(9).map((e) => e.payload[0])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(queue.append(message(10)).ok).toBe(true);
    queue = await reopen(queue);
    expect(seqsOf(queue)).toHaveLength(10);
    expect(drops).toEqual([['corrupt', 1]]); // the cut was made on disk: nothing more to report
  });

  it('cuts garbage after the last record', async () => {
    let queue = await openQueue();
    appendAll(queue, 1, 10);
    await queue.close();
    appendFileSync(lastSegment(), Buffer.from('\x00\x00\x00\x30garbage that is not a record'));
    queue = await openQueue();
    expect(drops).toEqual([['corrupt', 1]]);
    expect(seqsOf(queue)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('keeps later segments when an earlier one is damaged, and drops damage found by peek', async () => {
    let queue = await openQueue({ maxBytes: 16_384, segmentBytes: 256 });
    appendAll(queue, 1, 20);
    await queue.close();
    const [first, second] = segments().sort();
    flipByte(join(dir, first ?? 'none'), -5); // inside the last record of the first segment
    queue = await openQueue({ maxBytes: 16_384, segmentBytes: 256 });
    expect(drops).toEqual([['corrupt', 1]]);
    const seqs = seqsOf(queue);
    expect(seqs).toHaveLength(19);
    expect(seqs.at(-1)).toBe(20);
    flipByte(join(dir, second ?? 'none'), 40); // inside the first record of the second segment
    expect(seqsOf(queue)).toHaveLength(18);
    expect(drops).toEqual([
      ['corrupt', 1],
      ['corrupt', 1],
    ]);
  });

  it('survives SIGKILL mid-stream with every flushed record intact and in order', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', childScript, dir, '500'], {
      cwd: repoRoot,
      env: { ...process.env, STORE_FORWARD_CHILD: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, exitSignal) => {
        resolve(exitSignal);
      }),
    );
    expect({ signal, stderr }).toEqual({ signal: 'SIGKILL', stderr: '' });
    expect(stdout).toBe('flushed 500\n');
    const queue = await openQueue({ clock: new ManualClock(Date.now()) });
    const entries = queue.peek(1000);
    expect(entries.length).toBeGreaterThanOrEqual(500); // plus what group commit wrote after the flush
    expect(entries.length).toBeLessThan(1000); // the records still buffered died with the process
    entries.forEach((entry, i) => {
      expect(entry.seq).toBe(i + 1);
      expect(entry.topic).toBe(`kill/${i + 1}`);
      expect(entry.payload).toEqual(new Uint8Array(1024).fill((i + 1) % 251));
    });
    expect(drops).toEqual([]);
    expect(queue.append(message(0)).ok).toBe(true); // the dead child's lock was taken over
  });

  it('drops the oldest entries past maxBytes and counts them', async () => {
    const queue = await openQueue({ maxBytes: 8192, segmentBytes: 1024 });
    appendAll(queue, 1, 100, 200);
    const dropped = drops.filter(([r]) => r === 'size').reduce((sum, [, n]) => sum + n, 0);
    expect(dropped).toBeGreaterThan(0);
    expect(queue.size + dropped).toBe(100);
    const seqs = seqsOf(queue);
    expect(seqs[0]).toBe(dropped + 1); // the oldest went first
    expect(seqs.at(-1)).toBe(100);
    expect(queue.bytes).toBeLessThanOrEqual(8192);
    await queue.flush();
    expect(diskBytes()).toBe(queue.bytes);
  });

  it('refuses a message larger than a quarter of maxBytes', async () => {
    const queue = await openQueue({ maxBytes: 8192 });
    const result = queue.append(message(1, 4096));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('MESSAGE_TOO_LARGE');
    expect(queue.size).toBe(0);
  });

  it('drops entries older than maxAgeMs on peek and on open, and counts them', async () => {
    let queue = await openQueue({ maxAgeMs: 1500 });
    appendAll(queue, 1, 3);
    clock.advance(1000);
    appendAll(queue, 4, 5);
    clock.advance(600);
    expect(seqsOf(queue)).toEqual([4, 5]);
    expect(drops).toEqual([['age', 3]]);
    queue = await reopen(queue, { maxAgeMs: 1500 });
    expect(queue.size).toBe(2);
    clock.advance(1000);
    queue = await reopen(queue, { maxAgeMs: 1500 });
    expect(queue.size).toBe(0);
    expect(drops).toEqual([
      ['age', 3],
      ['age', 2],
    ]);
  });

  it('stays within maxBytes on disk over 10,000 appends', async () => {
    const maxBytes = 64 * 1024;
    let queue = await openQueue({ maxBytes });
    for (let i = 0; i < 10_000; i += 500) {
      appendAll(queue, i, i + 499, 100);
      await queue.flush();
      expect(diskBytes()).toBeLessThanOrEqual(maxBytes);
      expect(queue.bytes).toBe(diskBytes());
    }
    const dropped = drops.reduce((sum, [, n]) => sum + n, 0);
    expect(queue.size + dropped).toBe(10_000);
    queue = await reopen(queue, { maxBytes });
    expect(queue.size + dropped).toBe(10_000);
    expect(seqsOf(queue).at(-1)).toBe(10_000);
  });

  it('deletes fully acked segments and keeps the sequence when every file is gone', async () => {
    let queue = await openQueue({ maxBytes: 16_384, segmentBytes: 512 });
    const seqs = appendAll(queue, 1, 40);
    await queue.flush();
    expect(segments().length).toBeGreaterThan(3);
    for (const seq of seqs) queue.ack(seq);
    await queue.flush();
    expect(segments()).toHaveLength(1);
    queue = await reopen(queue, { maxBytes: 16_384, segmentBytes: 512 });
    expect(queue.append(message(41))).toEqual({ ok: true, value: 41 });
  });

  it('writes at the end of the tick in one group, without waiting for flush', async () => {
    const queue = await openQueue({ fsync: 'always' });
    appendAll(queue, 1, 50);
    expect(diskBytes()).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(diskBytes()).toBe(queue.bytes);
    queue.ack(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(JSON.parse(readFileSync(join(dir, 'ack.json'), 'utf8'))).toMatchObject({ acked: 1 });
  });

  it('reports a failed write through onError and refuses appends until writing works again', async () => {
    const errors: string[] = [];
    const queue = await openQueue({ onError: (error) => errors.push(error.code) });
    appendAll(queue, 1, 2);
    await queue.flush();
    rmSync(dir, { recursive: true }); // the cursor can no longer be written
    queue.ack(1);
    // An ack alone is written within 100 ms (cursor writes are coalesced).
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(errors).toEqual(['INTERNAL_ERROR']);
    await expect(queue.flush()).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
    expect(queue.append(message(3)).ok).toBe(false);
    mkdirSync(dir);
    expect(queue.append(message(3))).toEqual({ ok: true, value: 3 });
    expect(seqsOf(queue)).toEqual([3]); // 2 went with the deleted segment file
    expect(drops).toEqual([['corrupt', 1]]);
  });

  it('locks its directory against a second open', async () => {
    const queue = await openQueue();
    await expect(DiskQueue.open({ dir, clock })).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
    await queue.close();
    expect(queue.append(message(1)).ok).toBe(false);
    expect(queue.peek(1)).toEqual([]);
    await openQueue({ fsync: 'always' });
  });
});
