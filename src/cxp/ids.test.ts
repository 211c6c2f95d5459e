import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { ID_PATTERN, IdGenerator, idTime } from './ids.js';

const zeros = (n: number) => new Uint8Array(n);

describe('IdGenerator', () => {
  it('makes 26-char Crockford ids that carry their millisecond', () => {
    const clock = new ManualClock(1_763_700_000_123);
    const id = new IdGenerator(clock).next();
    expect(id).toMatch(new RegExp(ID_PATTERN));
    expect(idTime(id)).toBe(1_763_700_000_123);
  });

  it('stays strictly increasing within one millisecond and when the clock steps back', () => {
    const clock = new ManualClock(1000);
    const gen = new IdGenerator(clock, zeros);
    const ids = [gen.next(), gen.next(), gen.next()];
    clock.set(500);
    ids.push(gen.next());
    clock.set(2000);
    ids.push(gen.next());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('carries the increment across random digits', () => {
    const gen = new IdGenerator(new ManualClock(1), (n) => new Uint8Array(n).fill(31));
    const a = gen.next();
    const b = gen.next();
    expect(b > a).toBe(true);
    expect(b.slice(-1)).toBe('0');
  });

  it('rejects non-ids in idTime', () => {
    expect(idTime('not-an-id')).toBeUndefined();
  });
});
