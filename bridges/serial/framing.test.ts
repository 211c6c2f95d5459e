import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  fixedFramer,
  framerFromConfig,
  interByteTimeoutFramer,
  lengthPrefixedFramer,
  lineFramer,
  type FrameEvent,
  type Framer,
} from './framing.js';

const enc = new TextEncoder();
const frames = (events: FrameEvent[]): string[] =>
  events.flatMap((e) => ('frame' in e ? [e.frame.toString('latin1')] : []));
const errors = (events: FrameEvent[]) => events.flatMap((e) => ('error' in e ? [e.error] : []));

/** Feeds the bytes one at a time. */
function byteByByte(framer: Framer, bytes: Uint8Array, now = 0): FrameEvent[] {
  const out: FrameEvent[] = [];
  for (const b of bytes) out.push(...framer.push(Uint8Array.of(b), now));
  return out;
}

/** A deterministic pseudo-random megabyte (xorshift), so failures reproduce. */
function noise(size: number, seed = 0x9e3779b9): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Pushes `bytes` in uneven chunks, checking the retained size after every push. */
function pushBounded(framer: Framer, bytes: Uint8Array, bound: number): FrameEvent[] {
  const out: FrameEvent[] = [];
  let i = 0;
  let step = 1;
  while (i < bytes.length) {
    out.push(...framer.push(bytes.subarray(i, i + step), i));
    expect(framer.retained).toBeLessThanOrEqual(bound);
    i += step;
    step = (step * 7 + 3) % 5003;
  }
  return out;
}

describe('lineFramer', () => {
  it('cuts lines fed byte by byte, several per chunk, and strips CR', () => {
    const f = lineFramer({ maxFrame: 64 });
    expect(frames(byteByByte(f, enc.encode('a,1\r\nb,2\n')))).toEqual(['a,1', 'b,2']);
    expect(frames(f.push(enc.encode('x\ny\r\n\nz'), 0))).toEqual(['x', 'y', '']);
    expect(f.retained).toBe(1);
    expect(frames(f.push(enc.encode('\n'), 0))).toEqual(['z']);
  });

  it('finds a multi-byte delimiter split across chunks and can keep it', () => {
    const f = lineFramer({ delimiter: '<END>', maxFrame: 16 });
    expect(frames([...f.push(enc.encode('one<E'), 0), ...f.push(enc.encode('ND>tw'), 0)])).toEqual(['one']);
    expect(frames(byteByByte(f, enc.encode('o<EN<END>')))).toEqual(['two<EN']);
    const keep = lineFramer({ delimiter: Uint8Array.of(0x0d, 0x0a), includeDelimiter: true, maxFrame: 8 });
    expect(frames(keep.push(enc.encode('a\r\nb\r'), 0))).toEqual(['a\r\n']);
    expect(frames(keep.push(enc.encode('\n'), 0))).toEqual(['b\r\n']);
  });

  it('keeps CR when asked, else strips one trailing CR whatever the delimiter', () => {
    expect(frames(lineFramer({ maxFrame: 8, stripCR: false }).push(enc.encode('a\r\n'), 0))).toEqual(['a\r']);
    expect(frames(lineFramer({ delimiter: '\r\n', maxFrame: 8 }).push(enc.encode('a\r\r\n'), 0))).toEqual([
      'a',
    ]);
  });

  it('accepts a frame of exactly maxFrame, drops a longer one once and resyncs at the delimiter', () => {
    const f = lineFramer({ delimiter: '\r\n', maxFrame: 4, stripCR: false });
    const events = byteByByte(f, enc.encode('abcd\r\nabcdefghij\r\nok\r\n'));
    expect(frames(events)).toEqual(['abcd', 'ok']);
    expect(errors(events)).toEqual([{ code: 'FRAME_TOO_LARGE', bytes: 6, excerpt: '616263646566' }]);
  });

  it('times out an idle partial line and reports leftovers at flush(Infinity)', () => {
    const f = lineFramer({ maxFrame: 16, timeoutMs: 100 });
    f.push(enc.encode('part'), 1000);
    expect(f.flush(1050)).toEqual([]);
    expect(errors(f.flush(1100))).toEqual([{ code: 'FRAME_TIMEOUT', bytes: 4, excerpt: '70617274' }]);
    expect(f.retained).toBe(0);
    const g = lineFramer({ maxFrame: 16 });
    g.push(enc.encode('tail'), 0);
    expect(g.flush(1e12)).toEqual([]);
    expect(errors(g.flush(Number.POSITIVE_INFINITY))).toHaveLength(1);
    g.push(enc.encode('x'), 0);
    g.reset();
    expect(frames(g.push(enc.encode('y\n'), 0))).toEqual(['y']);
  });

  it('stays bounded through 1 MB of noise and counts each oversized frame once', () => {
    const f = lineFramer({ delimiter: '\r\n', maxFrame: 256 });
    const data = noise(1 << 20);
    const events = pushBounded(f, data, 256 + 2);
    const crlf = Buffer.from(data).toString('latin1').split('\r\n');
    const tooLong = crlf.slice(0, -1).filter((s) => s.length > 256).length;
    expect(errors(events).length).toBeGreaterThanOrEqual(tooLong);
    expect(errors(events).length).toBeLessThanOrEqual(tooLong + 1);
    expect(errors(events).every((e) => e.code === 'FRAME_TOO_LARGE' && e.excerpt.length === 64)).toBe(true);
  });

  it('property: joining the frames of valid lines gives the stream back, however it is chunked', () => {
    const line = fc.string({ maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, ''));
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 20 }),
        fc.array(fc.nat(50), { minLength: 1 }),
        (lines, cuts) => {
          const f = lineFramer({ maxFrame: 200 });
          const bytes = enc.encode(lines.map((l) => `${l}\n`).join(''));
          const out: FrameEvent[] = [];
          for (let i = 0, k = 0; i < bytes.length; k++) {
            const n = (cuts[k % cuts.length] ?? 0) + 1;
            out.push(...f.push(bytes.subarray(i, i + n), 0));
            i += n;
          }
          const got = out.map((e) => ('frame' in e ? e.frame.toString('utf8') : '!'));
          expect(got).toEqual(lines);
        },
      ),
    );
  });
});

describe('fixedFramer', () => {
  it('cuts fixed records across and within chunks, and drops a stale partial record', () => {
    const f = fixedFramer({ length: 3, maxFrame: 3, timeoutMs: 50 });
    expect(frames(byteByByte(f, enc.encode('abcdef')))).toEqual(['abc', 'def']);
    expect(frames(f.push(enc.encode('ghijklm'), 10))).toEqual(['ghi', 'jkl']);
    expect(errors(f.flush(60))).toEqual([{ code: 'FRAME_TIMEOUT', bytes: 1, excerpt: '6d' }]);
    expect(frames(f.push(enc.encode('nop'), 70))).toEqual(['nop']);
    expect(() => fixedFramer({ length: 5, maxFrame: 4 })).toThrow(RangeError);
  });

  it('stays bounded through 1 MB of noise', () => {
    const f = fixedFramer({ length: 100, maxFrame: 100 });
    const events = pushBounded(f, noise(1 << 20), 100);
    expect(frames(events)).toHaveLength(Math.floor((1 << 20) / 100));
  });
});

describe('lengthPrefixedFramer', () => {
  it('reads 1, 2 and 4 byte lengths in both byte orders, with a header offset', () => {
    const one = lengthPrefixedFramer({ lengthBytes: 1, maxFrame: 16 });
    expect(frames(byteByByte(one, Uint8Array.of(2, 0x41, 0x42, 0, 1, 0x43)))).toEqual(['AB', '', 'C']);
    const le = lengthPrefixedFramer({
      lengthBytes: 2,
      endian: 'le',
      offset: 1,
      maxFrame: 16,
      includeHeader: true,
    });
    expect(frames(le.push(Uint8Array.of(0xaa, 1, 0, 0x5a), 0))).toEqual(['\xaa\x01\x00Z']);
    const be = lengthPrefixedFramer({ lengthBytes: 4, maxFrame: 16, lengthIncludesHeader: true });
    expect(frames(be.push(Uint8Array.of(0, 0, 0, 6, 0x4f, 0x4b, 0, 0, 0, 4), 0))).toEqual(['OK', '']);
  });

  it('reports a bogus length once and resynchronises on the next plausible header', () => {
    const f = lengthPrefixedFramer({ lengthBytes: 2, maxFrame: 8 });
    const events = f.push(Uint8Array.of(0xff, 0xff, 0xff, 0xfe, 0, 2, 0x68, 0x69), 0);
    expect(errors(events)).toEqual([
      { code: 'FRAME_TOO_LARGE', bytes: 2, excerpt: 'ffff', declared: 0xffff },
    ]);
    expect(frames(events)).toEqual(['hi']);
    const short = lengthPrefixedFramer({ lengthBytes: 1, maxFrame: 8, lengthIncludesHeader: true });
    const bad = short.push(Uint8Array.of(0, 0, 1, 2, 0x41), 0);
    expect(errors(bad).map((e) => e.code)).toEqual(['FRAME_BAD_LENGTH']);
    expect(frames(bad)).toEqual(['', 'A']);
  });

  it('times out a partial frame', () => {
    const f = lengthPrefixedFramer({ lengthBytes: 1, maxFrame: 8, timeoutMs: 10 });
    f.push(Uint8Array.of(5, 1), 0);
    expect(errors(f.flush(10)).map((e) => e.code)).toEqual(['FRAME_TIMEOUT']);
    expect(frames(f.push(Uint8Array.of(1, 0x41), 20))).toEqual(['A']);
  });

  it('stays bounded through 1 MB of noise, with few errors per run', () => {
    for (const lengthBytes of [1, 2, 4] as const) {
      const f = lengthPrefixedFramer({ lengthBytes, maxFrame: 64 });
      const events = pushBounded(f, noise(1 << 20, lengthBytes), 64);
      expect(errors(events).length).toBeLessThanOrEqual(frames(events).length + 1);
    }
  });
});

describe('interByteTimeoutFramer', () => {
  it('ends a frame after a silence, at flush or at the next late byte', () => {
    const f = interByteTimeoutFramer({ gapMs: 5, maxFrame: 16 });
    expect(f.push(Uint8Array.of(1, 2), 0)).toEqual([]);
    expect(f.push(Uint8Array.of(3), 3)).toEqual([]);
    expect(f.flush(7)).toEqual([]);
    expect(frames(f.flush(8))).toEqual(['\x01\x02\x03']);
    expect(f.flush(100)).toEqual([]);
    f.push(Uint8Array.of(4), 100);
    expect(frames(f.push(Uint8Array.of(5), 110))).toEqual(['\x04']);
    expect(frames(f.flush(Number.POSITIVE_INFINITY))).toEqual(['\x05']);
  });

  it('drops an oversized burst up to the next gap, reported once', () => {
    const f = interByteTimeoutFramer({ gapMs: 5, maxFrame: 4 });
    const events = [...f.push(Uint8Array.of(1, 2, 3), 0), ...f.push(Uint8Array.of(4, 5, 6), 1)];
    events.push(
      ...f.push(Uint8Array.of(7, 8), 2),
      ...f.flush(7),
      ...f.push(Uint8Array.of(9), 8),
      ...f.flush(13),
    );
    expect(errors(events)).toEqual([{ code: 'FRAME_TOO_LARGE', bytes: 6, excerpt: '01020304' }]);
    expect(frames(events)).toEqual(['\x09']);
  });

  it('stays bounded through 1 MB without a gap: one error', () => {
    const f = interByteTimeoutFramer({ gapMs: 5, maxFrame: 512 });
    const events: FrameEvent[] = [];
    const data = noise(1 << 20);
    for (let i = 0; i < data.length; i += 997) {
      events.push(...f.push(data.subarray(i, i + 997), i / 1e6));
      expect(f.retained).toBeLessThanOrEqual(512);
    }
    expect(errors(events)).toHaveLength(1);
    expect(f.flush(10)).toEqual([]);
  });
});

describe('framerFromConfig', () => {
  it('builds each framer type with defaults from the schema', () => {
    const line = framerFromConfig({ type: 'line', delimiter_hex: '0d0a' });
    expect(line.ok && frames(line.value.push(enc.encode('a\r\n'), 0))).toEqual(['a']);
    const fixed = framerFromConfig({ type: 'fixed', length: 2 });
    expect(fixed.ok && frames(fixed.value.push(enc.encode('abcd'), 0))).toEqual(['ab', 'cd']);
    const lp = framerFromConfig({ type: 'length_prefixed', length_bytes: 1 });
    expect(lp.ok && frames(lp.value.push(Uint8Array.of(1, 0x41), 0))).toEqual(['A']);
    const gap = framerFromConfig({ type: 'gap', gap_ms: 3 });
    expect(gap.ok && (gap.value.push(Uint8Array.of(1), 0), frames(gap.value.flush(3)))).toEqual(['\x01']);
  });

  it('refuses bad config with every problem listed', () => {
    const unknown = framerFromConfig({ type: 'line', max_frame: 0, colour: 'red' });
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.error.code).toBe('INVALID_CONFIG');
    const tooLong = framerFromConfig({ type: 'fixed', length: 10, max_frame: 4 });
    expect(!tooLong.ok && tooLong.error.details).toEqual({
      problems: [{ path: '/length', message: 'length 10 exceeds max_frame 4' }],
    });
    expect(framerFromConfig({ type: 'length_prefixed', length_bytes: 4, offset: 4, max_frame: 6 }).ok).toBe(
      false,
    );
  });
});
