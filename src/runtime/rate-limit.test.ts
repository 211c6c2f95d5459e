import { describe, expect, it } from 'vitest';
import { ManualClock } from '../cxp/clock.js';
import { CxpError } from '../cxp/errors.js';
import { RateLimiter } from './rate-limit.js';

describe('RateLimiter', () => {
  it('allows one take per period with the default burst of 1', () => {
    const clock = new ManualClock(1000);
    const limiter = new RateLimiter({ maxRateHz: 10, clock });
    expect(limiter.tryTake()).toBe(true);
    expect(limiter.tryTake()).toBe(false);
    clock.advance(50);
    expect(limiter.tryTake()).toBe(false);
    expect(limiter.msUntilNext()).toBe(50);
    clock.advance(50);
    expect(limiter.msUntilNext()).toBe(0);
    expect(limiter.tryTake()).toBe(true);
    expect(limiter.tryTake()).toBe(false);
  });

  it('does not bank more than the burst while idle', () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ maxRateHz: 5, burst: 3, clock });
    clock.advance(60_000);
    const taken = Array.from({ length: 5 }, () => limiter.tryTake());
    expect(taken).toEqual([true, true, true, false, false]);
  });

  it('holds the sustained rate over a long run', () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ maxRateHz: 3, clock });
    let taken = 0;
    for (let ms = 0; ms < 10_000; ms++) {
      if (limiter.tryTake()) taken++;
      clock.advance(1);
    }
    expect(taken).toBeGreaterThanOrEqual(30);
    expect(taken).toBeLessThanOrEqual(31);
  });

  it('refills nothing when the clock steps back', () => {
    const clock = new ManualClock(10_000);
    const limiter = new RateLimiter({ maxRateHz: 1, clock });
    expect(limiter.tryTake()).toBe(true);
    clock.set(0);
    expect(limiter.tryTake()).toBe(false);
    clock.advance(1000);
    expect(limiter.tryTake()).toBe(true);
  });

  it('rejects a bad rate or burst with a coded error', () => {
    const clock = new ManualClock();
    expect(() => new RateLimiter({ maxRateHz: 0, clock })).toThrow(CxpError);
    expect(() => new RateLimiter({ maxRateHz: Number.POSITIVE_INFINITY, clock })).toThrow(/maxRateHz/);
    expect(() => new RateLimiter({ maxRateHz: 1, burst: 0.5, clock })).toThrow(/burst/);
  });
});
