import { describe, expect, it } from 'vitest';
import { MqttFrameGuard } from './frame-guard.js';

/** The fixed header of a control packet with the given remaining length. */
function header(remaining: number, type = 0x30): number[] {
  const length: number[] = [];
  let rest = remaining;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    length.push(byte);
  } while (rest > 0);
  return [type, ...length];
}

/** A whole control packet (body of zeros). */
const packet = (remaining: number, type = 0x30): number[] => [
  ...header(remaining, type),
  ...new Array<number>(remaining).fill(0),
];

const feedAll = (guard: MqttFrameGuard, bytes: number[], chunk: number): string[] => {
  const verdicts: string[] = [];
  for (let i = 0; i < bytes.length; i += chunk) {
    verdicts.push(guard.feed(Uint8Array.from(bytes.slice(i, i + chunk))));
  }
  return verdicts;
};

describe('MqttFrameGuard', () => {
  it.each([1, 2, 3, 7, 1000])('follows packet boundaries in chunks of %i bytes', (chunk) => {
    const stream = [...packet(0, 0xc0), ...packet(10), ...packet(127), ...packet(128), ...packet(16_384)];
    const guard = new MqttFrameGuard(16_384);
    expect(new Set(feedAll(guard, stream, chunk))).toEqual(new Set(['ok']));
    // The next header is read as a header: one more byte than allowed is refused.
    expect(guard.feed(Uint8Array.from(header(16_385)))).toBe('too-large');
    expect(guard.declared).toBe(16_385);
  });

  it.each([
    [127, 126],
    [128, 127],
    [16_383, 16_382],
    [16_384, 16_383],
    [2_097_152, 2_097_151],
    [268_435_455, 268_435_454],
  ])('refuses a declared length of %i over a limit of %i from the header alone', (declared, limit) => {
    const guard = new MqttFrameGuard(limit);
    const bytes = header(declared);
    expect(guard.feed(Uint8Array.from(bytes.slice(0, 1)))).toBe('ok');
    expect(guard.feed(Uint8Array.from(bytes.slice(1)))).toBe('too-large');
    expect(guard.declared).toBe(declared);
  });

  it('flags a remaining length longer than four bytes as malformed, and stays so', () => {
    const guard = new MqttFrameGuard(1_000_000_000);
    expect(guard.feed(Uint8Array.from([0x30, 0xff, 0xff, 0xff, 0xff]))).toBe('malformed');
    expect(guard.feed(Uint8Array.from(packet(0, 0xc0)))).toBe('malformed');
  });

  it('accepts an empty chunk', () => {
    expect(new MqttFrameGuard(10).feed(new Uint8Array(0))).toBe('ok');
  });
});
