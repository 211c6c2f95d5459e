/** RFC 8010 dateTime values (RFC 2579 DateAndTime) and their conversion to and from a JS Date. */
import type { IppDateTime } from './types.js';

const FIELD_RANGES: readonly (readonly [keyof IppDateTime, number, number])[] = [
  ['year', 0, 0xffff],
  ['month', 1, 12],
  ['day', 1, 31],
  ['hours', 0, 23],
  ['minutes', 0, 59],
  ['seconds', 0, 60],
  ['deciSeconds', 0, 9],
  ['utcHours', 0, 14],
  ['utcMinutes', 0, 59],
];

/** Why a dateTime cannot be sent (the decoder keeps such bytes as a raw value), or undefined. */
export function dateTimeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'a dateTime must be an object';
  const fields = value as Record<string, unknown>;
  for (const [field, min, max] of FIELD_RANGES) {
    const n = fields[field];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max)
      return `dateTime ${field} must be an integer in ${min}..${max}`;
  }
  if (fields.utcDirection !== '+' && fields.utcDirection !== '-')
    return "dateTime utcDirection must be '+' or '-'";
  return undefined;
}

/** The 11 octets of a valid dateTime. */
export function writeDateTime(value: IppDateTime): Buffer {
  const out = Buffer.alloc(11);
  out.writeUInt16BE(value.year, 0);
  const rest = [value.month, value.day, value.hours, value.minutes, value.seconds, value.deciSeconds];
  rest.forEach((n, i) => out.writeUInt8(n, 2 + i));
  out.write(value.utcDirection, 8, 'latin1');
  out.writeUInt8(value.utcHours, 9);
  out.writeUInt8(value.utcMinutes, 10);
  return out;
}

/** Reads 11 octets; undefined when they are not a valid dateTime. */
export function readDateTime(bytes: Buffer): IppDateTime | undefined {
  if (bytes.length !== 11) return undefined;
  const direction = String.fromCharCode(bytes.readUInt8(8));
  const value = {
    year: bytes.readUInt16BE(0),
    month: bytes.readUInt8(2),
    day: bytes.readUInt8(3),
    hours: bytes.readUInt8(4),
    minutes: bytes.readUInt8(5),
    seconds: bytes.readUInt8(6),
    deciSeconds: bytes.readUInt8(7),
    utcDirection: direction as IppDateTime['utcDirection'],
    utcHours: bytes.readUInt8(9),
    utcMinutes: bytes.readUInt8(10),
  };
  return dateTimeProblem(value) === undefined ? value : undefined;
}

/**
 * The dateTime of an instant as seen at a UTC offset (minutes east of UTC; 0 = UTC), to 1/10 s.
 * Undefined for an invalid Date, a year outside 0..65535 or an offset beyond ±14:59.
 */
export function dateTimeFromDate(date: Date, offsetMinutes = 0): IppDateTime | undefined {
  const ms = date.getTime();
  if (!Number.isFinite(ms) || !Number.isInteger(offsetMinutes) || Math.abs(offsetMinutes) >= 15 * 60)
    return undefined;
  const local = new Date(ms + offsetMinutes * 60_000);
  const year = local.getUTCFullYear();
  if (year < 0 || year > 0xffff) return undefined;
  const offset = Math.abs(offsetMinutes);
  return {
    year,
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hours: local.getUTCHours(),
    minutes: local.getUTCMinutes(),
    seconds: local.getUTCSeconds(),
    deciSeconds: Math.floor(local.getUTCMilliseconds() / 100),
    utcDirection: offsetMinutes < 0 ? '-' : '+',
    utcHours: Math.floor(offset / 60),
    utcMinutes: offset % 60,
  };
}

/** The instant a dateTime names (a leap second 60 reads as the next second). */
export function dateTimeToDate(value: IppDateTime): Date {
  const local = new Date(0);
  local.setUTCFullYear(value.year, value.month - 1, value.day);
  local.setUTCHours(value.hours, value.minutes, value.seconds, value.deciSeconds * 100);
  const sign = value.utcDirection === '-' ? -1 : 1;
  const offsetMinutes = sign * (value.utcHours * 60 + value.utcMinutes);
  return new Date(local.getTime() - offsetMinutes * 60_000);
}

/** The UTC offset of a dateTime in minutes east of UTC. */
export function dateTimeOffsetMinutes(value: IppDateTime): number {
  return (value.utcDirection === '-' ? -1 : 1) * (value.utcHours * 60 + value.utcMinutes);
}
