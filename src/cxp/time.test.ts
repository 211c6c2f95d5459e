import { describe, expect, it } from 'vitest';
import { formatTimestamp, isRfc3339, parseDuration, parseTimestamp } from './time.js';

describe('RFC 3339', () => {
  it.each([
    ['2026-11-21T05:38:00Z', true],
    ['2026-11-21T05:38:00.123456789+01:00', true],
    ['2024-02-29T00:00:00z', true],
    ['2023-02-29T00:00:00Z', false],
    ['2026-13-01T00:00:00Z', false],
    ['2026-11-21T24:00:00Z', false],
    ['2026-11-21T05:38:00', false],
    ['2026-11-21 05:38:00Z', false],
    ['2026-11-21T05:38:00+25:00', false],
    ['yesterday', false],
    ['2026-11-21T05:38:03.0201234567Z', true],
    ['2016-12-31T23:59:60Z', true],
    ['2017-01-01T00:59:60+01:00', true],
    ['2016-12-31T18:59:60-05:00', true],
    ['2026-11-21T08:25:60.100Z', false],
  ])('%s -> %s', (value, expected) => {
    expect(isRfc3339(value)).toBe(expected);
  });

  it('formats and parses milliseconds', () => {
    expect(formatTimestamp(0)).toBe('1970-01-01T00:00:00.000Z');
    expect(parseTimestamp('1970-01-01T00:00:01.500Z')).toBe(1500);
    expect(parseTimestamp('2026-01-01t00:00:00z')).toBe(Date.UTC(2026, 0, 1));
    expect(parseTimestamp('nope')).toBeUndefined();
    expect(parseTimestamp('2016-12-31T23:59:60.5Z')).toBe(Date.UTC(2017, 0, 1, 0, 0, 0, 500));
    expect(parseTimestamp('2026-01-01T00:00:03.0201234567Z')).toBe(Date.UTC(2026, 0, 1, 0, 0, 3, 20));
  });
});

describe('durations', () => {
  it.each([
    ['2h', 7_200_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1d', 86_400_000],
    ['10s', 10_000],
  ])('%s = %d ms', (value, ms) => {
    expect(parseDuration(value)).toBe(ms);
  });

  it.each(['', '2', 'h', '2 h', '-1s', '1.5h', '2w', 'PT2H'])('rejects %j', (value) => {
    expect(parseDuration(value)).toBeUndefined();
  });
});
