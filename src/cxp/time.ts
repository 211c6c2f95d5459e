/** Time formats of the wire: RFC 3339 UTC timestamps and compact durations. */

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;

/** Formats epoch milliseconds as RFC 3339 UTC with millisecond precision: 2026-11-21T05:38:00.123Z. */
export function formatTimestamp(ms: number): string {
  // Many stamps in a row share a millisecond (a batch of signals): format each millisecond once.
  if (ms !== lastMs) {
    lastMs = ms;
    lastText = new Date(ms).toISOString();
  }
  return lastText;
}

let lastMs = Number.NaN;
let lastText = '';

/** True for a full RFC 3339 date-time (with offset) whose fields are in range. */
export function isRfc3339(value: string): boolean {
  const m = RFC3339.exec(value);
  if (!m) return false;
  const [, y, mo, d, h, mi, s, , , oh, om] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(Number(y), month)) return false;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return false;
  if (oh !== undefined && (Number(oh) > 23 || Number(om) > 59)) return false;
  return Number(s) < 60 || isLeapSecondMinute(Number(h), Number(mi), m[8] ?? 'Z');
}

/** A leap second (second 60) exists only in the last minute of a UTC day. */
function isLeapSecondMinute(hour: number, minute: number, offset: string): boolean {
  const sign = offset.startsWith('-') ? -1 : 1;
  const offsetMinutes = /^[zZ]$/.test(offset)
    ? 0
    : sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
  const utcMinute = (((hour * 60 + minute - offsetMinutes) % 1440) + 1440) % 1440;
  return utcMinute === 1439;
}

/** Epoch milliseconds of an RFC 3339 timestamp, or undefined when it is not one. */
export function parseTimestamp(value: string): number | undefined {
  if (!isRfc3339(value)) return undefined;
  // Date.parse misreads long fractions and knows no leap second: keep milliseconds, and read
  // 23:59:60 as 23:59:59 plus one second.
  const upper = value
    .toUpperCase()
    .replace(/\.(\d+)/, (_m, digits: string) => `.${digits.slice(0, 3).padEnd(3, '0')}`);
  const leap = upper.slice(17, 19) === '60';
  const ms = Date.parse(leap ? `${upper.slice(0, 17)}59${upper.slice(19)}` : upper);
  if (!Number.isFinite(ms)) return undefined;
  return leap ? ms + 1000 : ms;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Grammar of durations such as `retention_ttl`: one or more `<integer><unit>` with units ms, s, m, h, d. */
export const DURATION_PATTERN = '^(?:[0-9]{1,9}(?:ms|s|m|h|d))+$';
const DURATION_PART = /([0-9]{1,9})(ms|s|m|h|d)/g;

/** Milliseconds in a duration like `2h`, `1h30m` or `500ms`; undefined when it does not parse. */
export function parseDuration(value: string): number | undefined {
  if (!new RegExp(DURATION_PATTERN).test(value)) return undefined;
  let total = 0;
  for (const [, n, unit] of value.matchAll(DURATION_PART)) total += Number(n) * (UNIT_MS[unit ?? ''] ?? 0);
  return total;
}
