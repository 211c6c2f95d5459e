import { systemClock, type Clock } from './clock.js';

/** Source of random bytes; injected so ids are reproducible in tests. */
export type RandomBytes = (length: number) => Uint8Array;

export const cryptoRandom: RandomBytes = (length) =>
  globalThis.crypto.getRandomValues(new Uint8Array(length));

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;
const MAX_TIME = 2 ** 48 - 1;

export const ID_PATTERN = '^[0-9A-HJKMNP-TV-Z]{26}$';

/**
 * Time-sortable unique ids (ULID layout: 48-bit ms time, 80 random bits, Crockford base32, 26 chars).
 * Within one millisecond, or when the clock steps back, the random part is incremented so ids stay
 * strictly increasing for this generator.
 */
export class IdGenerator {
  readonly #clock: Clock;
  readonly #random: RandomBytes;
  #lastTime = -1;
  #lastRandom: number[] = [];

  constructor(clock: Clock = systemClock, random: RandomBytes = cryptoRandom) {
    this.#clock = clock;
    this.#random = random;
  }

  next(): string {
    const now = Math.min(Math.max(0, Math.floor(this.#clock.now())), MAX_TIME);
    if (now > this.#lastTime) {
      this.#lastTime = now;
      this.#lastRandom = randomDigits(this.#random(RANDOM_CHARS));
    } else {
      increment(this.#lastRandom);
    }
    return encodeTime(this.#lastTime) + this.#lastRandom.map((d) => ALPHABET[d]).join('');
  }
}

function randomDigits(bytes: Uint8Array): number[] {
  const digits: number[] = [];
  for (let i = 0; i < RANDOM_CHARS; i++) digits.push((bytes[i] ?? 0) & 31);
  // Leave headroom so incrementing within one millisecond never overflows in practice.
  digits[0] = (digits[0] ?? 0) & 15;
  return digits;
}

function increment(digits: number[]): void {
  for (let i = digits.length - 1; i >= 0; i--) {
    const d = (digits[i] ?? 0) + 1;
    if (d < 32) {
      digits[i] = d;
      return;
    }
    digits[i] = 0;
  }
}

function encodeTime(ms: number): string {
  let out = '';
  let t = ms;
  for (let i = 0; i < TIME_CHARS; i++) {
    out = (ALPHABET[t % 32] ?? '0') + out;
    t = Math.floor(t / 32);
  }
  return out;
}

/** The millisecond timestamp inside an id made by IdGenerator, or undefined if it is not one. */
export function idTime(id: string): number | undefined {
  if (!new RegExp(ID_PATTERN).test(id)) return undefined;
  let t = 0;
  for (const ch of id.slice(0, TIME_CHARS)) t = t * 32 + ALPHABET.indexOf(ch);
  return t;
}
