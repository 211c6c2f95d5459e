import type { Clock } from '../cxp/clock.js';
import { CxpError } from '../cxp/errors.js';

export interface RateLimiterOptions {
  /** Sustained rate in tokens per second (a route's `max_rate_hz`); greater than 0. */
  readonly maxRateHz: number;
  /** Tokens that may be taken back to back after an idle period, at least 1; default 1. */
  readonly burst?: number;
  readonly clock: Clock;
}

/**
 * A token bucket: it holds up to `burst` tokens, starts full and refills at `maxRateHz` tokens per
 * second. With the default burst of 1, takes are spaced at least `1000 / maxRateHz` ms apart. A clock
 * that steps back refills nothing. Pure: the caller decides what to do with a refusal (drop, count,
 * or wait `msUntilNext()`).
 */
export class RateLimiter {
  readonly #ratePerMs: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;

  /** Throws a CxpError (INTERNAL_ERROR) for a rate or burst out of range. */
  constructor(options: RateLimiterOptions) {
    const { maxRateHz, burst = 1 } = options;
    if (!Number.isFinite(maxRateHz) || maxRateHz <= 0)
      invalid('maxRateHz must be a finite number above 0', maxRateHz);
    if (!Number.isFinite(burst) || burst < 1) invalid('burst must be a finite number of at least 1', burst);
    this.#ratePerMs = maxRateHz / 1000;
    this.#burst = burst;
    this.#clock = options.clock;
    this.#tokens = burst;
    this.#last = options.clock.now();
  }

  /** Takes one token if one is available; false means "over the rate now". */
  tryTake(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Milliseconds until a token is available (0 when one is available now). */
  msUntilNext(): number {
    this.#refill();
    return this.#tokens >= 1 ? 0 : Math.ceil((1 - this.#tokens) / this.#ratePerMs);
  }

  #refill(): void {
    const now = this.#clock.now();
    const elapsed = Math.max(0, now - this.#last);
    this.#last = now;
    this.#tokens = Math.min(this.#burst, this.#tokens + elapsed * this.#ratePerMs);
  }
}

function invalid(message: string, value: number): never {
  throw new CxpError('INTERNAL_ERROR', `rate limiter ${message}`, { details: { value }, retryable: false });
}
