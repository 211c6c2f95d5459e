import { describe, expect, it } from 'vitest';
import { CxpError } from '../cxp/errors.js';
import { Backoff } from './backoff.js';

const fixed = (value: number) => () => value;

describe('Backoff', () => {
  it('grows exponentially from initialMs and caps at maxMs without jitter', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000, multiplier: 2, jitter: 0 });
    const delays = Array.from({ length: 7 }, () => backoff.next());
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
    expect(backoff.attempts).toBe(7);
  });

  it('uses the documented defaults', () => {
    const backoff = new Backoff({ random: fixed(0.5) });
    expect(backoff.next()).toBe(500);
    expect(backoff.next()).toBe(1000);
    for (let i = 0; i < 20; i++) backoff.next();
    expect(backoff.next()).toBe(30_000);
  });

  it('applies jitter symmetrically around the delay', () => {
    const low = new Backoff({ initialMs: 1000, jitter: 0.2, random: fixed(0) });
    const high = new Backoff({ initialMs: 1000, jitter: 0.2, random: fixed(0.999_999) });
    const mid = new Backoff({ initialMs: 1000, jitter: 0.2, random: fixed(0.5) });
    expect(low.next()).toBe(800);
    expect(high.next()).toBe(1200);
    expect(mid.next()).toBe(1000);
  });

  it('never goes negative or above maxMs * (1 + jitter), even with a misbehaving random', () => {
    for (const r of [-5, 0, 0.25, 0.75, 1, 7]) {
      const backoff = new Backoff({ initialMs: 10, maxMs: 5000, jitter: 1, random: fixed(r) });
      for (let i = 0; i < 100; i++) {
        const delay = backoff.next();
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(10_000);
      }
    }
  });

  it('stays capped after very many attempts (no overflow to NaN or Infinity)', () => {
    const backoff = new Backoff({ initialMs: 1, maxMs: 50, multiplier: 1000, jitter: 0 });
    for (let i = 0; i < 500; i++) backoff.next();
    expect(backoff.next()).toBe(50);
    const zero = new Backoff({ initialMs: 0, maxMs: 50, multiplier: 1000, jitter: 0 });
    for (let i = 0; i < 500; i++) zero.next();
    expect(zero.next()).toBe(0);
  });

  it('starts over after reset', () => {
    const backoff = new Backoff({ initialMs: 100, jitter: 0 });
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.attempts).toBe(0);
    expect(backoff.next()).toBe(100);
  });

  it('rejects options out of range with a coded error', () => {
    expect(() => new Backoff({ jitter: 1.5 })).toThrow(CxpError);
    expect(() => new Backoff({ initialMs: -1 })).toThrow(/initialMs/);
    expect(() => new Backoff({ initialMs: 1000, maxMs: 10 })).toThrow(/maxMs/);
    expect(() => new Backoff({ multiplier: 0.5 })).toThrow(/multiplier/);
    expect(() => new Backoff({ initialMs: Number.NaN })).toThrow(/initialMs/);
  });
});
