import { CxpError, type Result } from '../../src/cxp/errors.js';

/**
 * Parsers for what a Zebra printer answers on its raw port: `~HS` host status (three STX/ETX
 * strings, every field), `~HQES` error and warning masks, `~HI` identity and SGD `getvar` values.
 * Pure: bytes in, typed values or a coded error out. Layouts follow the ZPL II programming guide
 * (see docs/zebra.md for the field tables).
 */

export const STX = 0x02;
export const ETX = 0x03;

/** `~HS`, all fields of the three strings. */
export interface HostStatus {
  /** aaa: communication settings bit field. */
  commSettings: number;
  paperOut: boolean;
  paused: boolean;
  labelLengthDots: number;
  formatsInBuffer: number;
  bufferFull: boolean;
  diagnosticMode: boolean;
  partialFormat: boolean;
  corruptRam: boolean;
  underTemperature: boolean;
  overTemperature: boolean;
  /** mmm: function settings bit field. */
  functionSettings: number;
  headUp: boolean;
  ribbonOut: boolean;
  thermalTransfer: boolean;
  /** r: one character (0 rewind, 1 peel-off, 2 tear-off, 3 cutter, 4 applicator, 5 delayed cut, ...). */
  printMode: string;
  printWidthMode: string;
  labelWaiting: boolean;
  labelsRemaining: number;
  formatWhilePrinting: boolean;
  graphicsStored: number;
  password: string;
  staticRam: boolean;
}

const malformed = (what: string, detail: string, details: Record<string, unknown> = {}) =>
  ({
    ok: false,
    error: new CxpError('MALFORMED_MESSAGE', `${what}: ${detail}`, { details: { ...details } }),
  }) as const;

const DIGITS = /^\d+$/;

function num(field: string | undefined): number | undefined {
  return field !== undefined && DIGITS.test(field) ? Number(field) : undefined;
}

function flag(field: string | undefined): boolean | undefined {
  return field === '0' ? false : field === '1' ? true : undefined;
}

/** Parses the three `~HS` strings (STX/ETX and CR LF already removed). */
export function parseHostStatus(lines: readonly string[]): Result<HostStatus> {
  if (lines.length !== 3) return malformed('~HS', `expected 3 strings, got ${lines.length}`);
  const [l1 = '', l2 = '', l3 = ''] = lines;
  const a = l1.split(',');
  const b = l2.split(',');
  const c = l3.split(',');
  if (a.length !== 12 || b.length !== 11 || c.length !== 2)
    return malformed('~HS', 'wrong field count', { fields: [a.length, b.length, c.length] });
  const n = (f: string | undefined) => num(f?.trim());
  const f = (x: string | undefined) => flag(x?.trim());
  const status = {
    commSettings: n(a[0]),
    paperOut: f(a[1]),
    paused: f(a[2]),
    labelLengthDots: n(a[3]),
    formatsInBuffer: n(a[4]),
    bufferFull: f(a[5]),
    diagnosticMode: f(a[6]),
    partialFormat: f(a[7]),
    corruptRam: f(a[9]),
    underTemperature: f(a[10]),
    overTemperature: f(a[11]),
    functionSettings: n(b[0]),
    headUp: f(b[2]),
    ribbonOut: f(b[3]),
    thermalTransfer: f(b[4]),
    printMode: b[5]?.trim(),
    printWidthMode: b[6]?.trim(),
    labelWaiting: f(b[7]),
    labelsRemaining: n(b[8]),
    formatWhilePrinting: f(b[9]),
    graphicsStored: n(b[10]),
    password: c[0]?.trim(),
    staticRam: f(c[1]),
  };
  const bad = Object.entries(status)
    .filter(([, v]) => v === undefined || v === '')
    .map(([k]) => k);
  if (bad.length > 0) return malformed('~HS', `unreadable fields ${bad.join(', ')}`, { fields: bad });
  return { ok: true, value: status as HostStatus };
}

/** `~HQES` error masks (group 1) with their names; see the guide's ~HQES tables. */
export const HQES_ERRORS: readonly (readonly [number, string])[] = [
  [0x1, 'media_out'],
  [0x2, 'ribbon_out'],
  [0x4, 'head_open'],
  [0x8, 'cutter_fault'],
  [0x10, 'printhead_over_temperature'],
  [0x20, 'motor_over_temperature'],
  [0x40, 'bad_printhead_element'],
  [0x80, 'printhead_detection_error'],
  [0x100, 'invalid_firmware_config'],
  [0x200, 'printhead_thermistor_open'],
  [0x1000, 'paper_jam_during_retract'],
  [0x2000, 'presenter_not_running'],
  [0x4000, 'paper_feed_error'],
  [0x8000, 'clear_paper_path_failed'],
  [0x10000, 'paused'],
  [0x20000, 'retract_timed_out'],
  [0x40000, 'black_mark_calibrate_error'],
  [0x80000, 'black_mark_not_found'],
];

export const HQES_WARNINGS: readonly (readonly [number, string])[] = [
  [0x1, 'need_to_calibrate_media'],
  [0x2, 'clean_printhead'],
  [0x4, 'replace_printhead'],
  [0x8, 'paper_near_end'],
];

export interface MaskLine {
  flag: boolean;
  group2: number;
  group1: number;
  /** Names of the known bits set in group 1. */
  names: string[];
  /** Set bits no table names (group 2, or unnamed group-1 bits): still a fault, reported generically. */
  unknownBits: boolean;
}

export interface ExtendedStatus {
  errors: MaskLine;
  warnings: MaskLine;
}

function maskLine(text: string, label: string, table: readonly (readonly [number, string])[]) {
  const m = new RegExp(`${label}:\\s*([01])\\s+([0-9A-Fa-f]{8})\\s+([0-9A-Fa-f]{8})`).exec(text);
  if (!m) return undefined;
  const group2 = parseInt(m[2] ?? '0', 16);
  const group1 = parseInt(m[3] ?? '0', 16);
  const names = table.filter(([mask]) => (group1 & mask) !== 0).map(([, name]) => name);
  const known = table.reduce((acc, [mask]) => acc | mask, 0);
  return {
    flag: m[1] === '1',
    group2,
    group1,
    names,
    unknownBits: group2 !== 0 || (group1 & ~known) !== 0,
  };
}

/** Parses a `~HQES` answer (the text between STX and ETX). */
export function parseExtendedStatus(text: string): Result<ExtendedStatus> {
  const errors = maskLine(text, 'ERRORS', HQES_ERRORS);
  const warnings = maskLine(text, 'WARNINGS', HQES_WARNINGS);
  if (!errors || !warnings) return malformed('~HQES', 'no ERRORS and WARNINGS lines');
  return { ok: true, value: { errors, warnings } };
}

/** Parses SGD `zpl.system_status`: flag,errflag,errg2,errg1,warnflag,warng2,warng1. */
export function parseSystemStatus(value: string): Result<ExtendedStatus> {
  const p = value.split(',').map((s) => s.trim());
  if (
    p.length !== 7 ||
    !p
      .slice(2, 4)
      .concat(p.slice(5))
      .every((h) => /^[0-9A-Fa-f]{8}$/.test(h))
  )
    return malformed('zpl.system_status', 'expected 7 fields', { value: value.slice(0, 80) });
  const text = `ERRORS: ${p[1] ?? ''} ${p[2] ?? ''} ${p[3] ?? ''}\nWARNINGS: ${p[4] ?? ''} ${p[5] ?? ''} ${p[6] ?? ''}`;
  return parseExtendedStatus(text);
}

export interface HostIdentity {
  model: string;
  firmware: string;
  dpmm: number;
  memoryKb: number;
  options: string;
}

/** Parses `~HI`: model,firmware,dots per mm,memory KB,options. */
export function parseHostIdentity(text: string): Result<HostIdentity> {
  const p = text.split(',').map((s) => s.trim());
  const dpmm = num(p[2]);
  const memory = /^(\d+)\s*KB$/i.exec(p[3] ?? '');
  if (p.length < 4 || !p[0] || !p[1] || dpmm === undefined || !memory)
    return malformed('~HI', 'expected model,firmware,dpmm,memory KB[,options]', {
      value: text.slice(0, 80),
    });
  return {
    ok: true,
    value: { model: p[0], firmware: p[1], dpmm, memoryKb: Number(memory[1]), options: p[4] ?? '' },
  };
}

/**
 * Splits a byte stream into STX...ETX frames. Bytes outside frames are skipped; a frame longer than
 * `maxFrame` is discarded (a garbage stream cannot grow memory).
 */
export class FrameReader {
  readonly #maxFrame: number;
  #buf: number[] = [];
  #inFrame = false;
  #overflow = false;

  constructor(maxFrame = 4096) {
    this.#maxFrame = maxFrame;
  }

  /** Feeds bytes; returns the frames completed by them (text between STX and ETX, latin1). */
  push(chunk: Uint8Array): string[] {
    const out: string[] = [];
    for (const byte of chunk) {
      if (byte === STX) {
        this.#inFrame = true;
        this.#overflow = false;
        this.#buf = [];
      } else if (byte === ETX) {
        if (this.#inFrame && !this.#overflow) out.push(Buffer.from(this.#buf).toString('latin1'));
        this.#inFrame = false;
        this.#buf = [];
      } else if (this.#inFrame) {
        if (this.#buf.length >= this.#maxFrame) this.#overflow = true;
        else this.#buf.push(byte);
      }
    }
    return out;
  }
}

/**
 * Reads one SGD reply: the value between double quotes (SGD replies carry no terminator). Returns
 * undefined until the closing quote has arrived.
 */
export function sgdValue(text: string): string | undefined {
  const start = text.indexOf('"');
  if (start < 0) return undefined;
  const end = text.indexOf('"', start + 1);
  return end < 0 ? undefined : text.slice(start + 1, end);
}
