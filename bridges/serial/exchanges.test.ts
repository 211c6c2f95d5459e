import { afterEach, describe, expect, it, vi } from 'vitest';
import { CxpError, ok, fail, type Result } from '../../src/cxp/errors.js';
import { ExchangeQueue, type Exchange, type ReplyReader } from './exchanges.js';

/** The per-port exchange queue with a recording writer and fake timers. */

afterEach(() => {
  vi.useRealTimers();
});

function rig(options: { capacity?: number; gapMs?: number; writeFails?: boolean } = {}) {
  const written: string[] = [];
  const q = new ExchangeQueue({
    capacity: options.capacity ?? 4,
    gapMs: options.gapMs ?? 0,
    write: (bytes) => {
      written.push(Buffer.from(bytes).toString());
      return Promise.resolve(options.writeFails === true ? fail('CONNECTION_LOST', 'gone') : ok(undefined));
    },
  });
  return { q, written };
}

/** Replies are lines; the reader takes one that starts with `want` (others pass through). */
function lineReader(want: string): ReplyReader<string> {
  return {
    take: (input): Result<string> | 'more' | undefined => {
      const text = input.toString();
      if (text === 'partial') return 'more';
      if (text === 'corrupt') return fail('MALFORMED_MESSAGE', 'bad crc');
      return text.startsWith(want) ? ok(text) : undefined;
    },
    reset: () => undefined,
  };
}

const ex = (bytes: string, extra: Partial<Exchange<string>> = {}): Exchange<string> => ({
  bytes: Buffer.from(bytes),
  timeoutMs: 100,
  retries: 0,
  counted: true,
  what: bytes,
  ...extra,
});

const tick = () => new Promise((r) => setImmediate(r));

describe('ExchangeQueue', () => {
  it('writes in submission order and resolves a write without a reader once written', async () => {
    const { q, written } = rig();
    const results = await Promise.all([q.submit(ex('a')), q.submit(ex('b')), q.submit(ex('c'))]);
    expect(written).toEqual(['a', 'b', 'c']);
    expect(results.every((r) => r.ok && r.value === undefined)).toBe(true);
    expect(q.pending).toBe(0);
  });

  it('holds the next write until the reply of the current one, which takes only its own input', async () => {
    const { q, written } = rig();
    const first = q.submit(ex('T', { reader: lineReader('OK') }));
    const second = q.submit(ex('P'));
    await tick();
    expect(written).toEqual(['T']);
    expect(q.awaitingReply).toBe(true);
    expect(q.offer(Buffer.from('weight=1'))).toBe(false); // data, not the reply
    expect(q.offer(Buffer.from('partial'))).toBe(true);
    expect(q.offer(Buffer.from('OK T'))).toBe(true);
    expect(await first).toEqual(ok('OK T'));
    await second;
    expect(written).toEqual(['T', 'P']);
    expect(q.offer(Buffer.from('OK'))).toBe(false);
  });

  it('times out with DEVICE_TIMEOUT after the retries, writing once per attempt', async () => {
    vi.useFakeTimers();
    const { q, written } = rig();
    const run = q.submit(ex('Q', { reader: lineReader('A'), retries: 2 }));
    await vi.advanceTimersByTimeAsync(350);
    const result = await run;
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('DEVICE_TIMEOUT');
      expect(result.error.details).toMatchObject({ timeout_ms: 100, attempt: 3 });
    }
    expect(written).toEqual(['Q', 'Q', 'Q']);
  });

  it('retries a corrupt reply, and a good second reply wins', async () => {
    const { q, written } = rig();
    const run = q.submit(ex('Q', { reader: lineReader('A'), retries: 1 }));
    await tick();
    q.offer(Buffer.from('corrupt'));
    await tick();
    q.offer(Buffer.from('A1'));
    expect(await run).toEqual(ok('A1'));
    expect(written).toEqual(['Q', 'Q']);
  });

  it('refuses commands beyond its capacity with DEVICE_BUSY, but never polls', async () => {
    const { q } = rig({ capacity: 2 });
    const held = q.submit(ex('1', { reader: lineReader('x') }));
    void q.submit(ex('2'));
    const third = await q.submit(ex('3'));
    expect(third.ok ? '' : third.error.code).toBe('DEVICE_BUSY');
    const poll = q.submit(ex('poll', { counted: false }));
    q.failAll(new CxpError('CONNECTION_LOST', 'unplugged'));
    expect((await held).ok).toBe(false);
    const polled = await poll;
    expect(polled.ok ? '' : polled.error.code).toBe('CONNECTION_LOST');
    expect(q.pending).toBe(0);
  });

  it('passes a failed write on and goes on with the next', async () => {
    const { q } = rig({ writeFails: true });
    const r = await q.submit(ex('x', { reader: lineReader('A') }));
    expect(r.ok ? '' : r.error.code).toBe('CONNECTION_LOST');
    expect(q.awaitingReply).toBe(false);
  });

  it('keeps the gap between the end of one exchange and the next write', async () => {
    vi.useFakeTimers();
    const { q, written } = rig({ gapMs: 5 });
    void q.submit(ex('a'));
    void q.submit(ex('b'));
    await vi.advanceTimersByTimeAsync(1);
    expect(written).toEqual(['a']);
    await vi.advanceTimersByTimeAsync(4);
    expect(written).toEqual(['a', 'b']);
  });
});
