import { CxpError } from '../cxp/errors.js';

export interface BackoffOptions {
  /** Delay before the first retry, in ms; default 500. */
  readonly initialMs?: number;
  /** Cap of the delay before jitter, in ms; default 30000. */
  readonly maxMs?: number;
  /** Growth factor per attempt, at least 1; default 2. */
  readonly multiplier?: number;
  /** Fraction of the delay added or removed at random, 0..1; default 0.2. */
  readonly jitter?: number;
  /** Uniform source in [0, 1); injected so tests are reproducible. Default Math.random. */
  readonly random?: () => number;
}

/**
 * Capped exponential backoff with symmetric jitter (house style §10). Attempt n (from 0) waits
 * `min(maxMs, initialMs * multiplier^n)` scaled by a uniform factor in `[1 - jitter, 1 + jitter]`, so
 * a delay is never negative and never above `maxMs * (1 + jitter)`. `reset()` after a success.
 * Pure: it computes delays and never sleeps.
 */
export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #multiplier: number;
  readonly #jitter: number;
  readonly #random: () => number;
  #attempts = 0;

  /** Throws a CxpError (INTERNAL_ERROR) for options out of range. */
  constructor(options: BackoffOptions = {}) {
    this.#initialMs = checked('initialMs', options.initialMs ?? 500, 0, Number.MAX_SAFE_INTEGER);
    this.#maxMs = checked('maxMs', options.maxMs ?? 30_000, this.#initialMs, Number.MAX_SAFE_INTEGER);
    this.#multiplier = checked('multiplier', options.multiplier ?? 2, 1, 1000);
    this.#jitter = checked('jitter', options.jitter ?? 0.2, 0, 1);
    this.#random = options.random ?? Math.random;
  }

  /** Delays handed out since construction or the last reset. */
  get attempts(): number {
    return this.#attempts;
  }

  /** The delay to wait before the next attempt, in whole milliseconds. */
  next(): number {
    const growth = this.#multiplier ** this.#attempts; // may reach Infinity; capped below
    const base = this.#initialMs === 0 ? 0 : Math.min(this.#maxMs, this.#initialMs * growth);
    this.#attempts++;
    const r = Math.min(1, Math.max(0, this.#random()));
    const factor = 1 + this.#jitter * (2 * r - 1);
    const ceiling = this.#maxMs * (1 + this.#jitter);
    return Math.min(ceiling, Math.max(0, Math.round(base * factor)));
  }

  /** Starts over from `initialMs` (call after a successful connection). */
  reset(): void {
    this.#attempts = 0;
  }
}

function checked(name: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new CxpError('INTERNAL_ERROR', `backoff ${name} must be a number from ${min} to ${max}`, {
      details: { [name]: value },
      retryable: false,
    });
  }
  return value;
}
