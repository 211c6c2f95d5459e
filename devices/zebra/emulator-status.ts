/**
 * What the Zebra emulator answers: `~HS`, `~HQES`, `~HI` and the SGD variables, built from the field
 * layouts and bit tables documented in the ZPL programming guide. Pure functions of a status snapshot.
 */
import type { ZebraFaults } from './emulator-state.js';

const STX = '\x02';
const ETX = '\x03';
const CRLF = '\r\n';

export interface PrinterIdentity {
  readonly model: string;
  readonly firmware: string;
  readonly dpmm: number;
  readonly memoryKb: number;
  readonly options: string;
  readonly uniqueId: string;
}

export type PrintMode = 'rewind' | 'peel off' | 'tear off' | 'cutter' | 'applicator' | 'delayed cut';
export type PrintMethod = 'direct thermal' | 'thermal trans';
export type MediaTracking = 'gap/notch' | 'continuous' | 'mark';

/** Printer settings that formats (`^PW`, `^LL`, `^MM`, `^MT`, `^MN`) and SGD setvar change. */
export interface PrinterSettings {
  friendlyName: string;
  languages: string;
  printWidthDots: number;
  labelLengthDots: number;
  printMode: PrintMode;
  printMethod: PrintMethod;
  mediaTracking: MediaTracking;
}

export interface StatusSnapshot {
  readonly identity: PrinterIdentity;
  readonly settings: Readonly<PrinterSettings>;
  readonly faults: Readonly<ZebraFaults>;
  readonly formatsInBuffer: number;
  readonly labelsRemaining: number;
  readonly bufferFull: boolean;
  readonly partialFormat: boolean;
  readonly printed: number;
}

/** ~HS print mode digit, and the ^MM letter, for each mode. */
const PRINT_MODES: readonly { mode: PrintMode; digit: string; letter: string }[] = [
  { mode: 'rewind', digit: '0', letter: 'R' },
  { mode: 'peel off', digit: '1', letter: 'P' },
  { mode: 'tear off', digit: '2', letter: 'T' },
  { mode: 'cutter', digit: '3', letter: 'C' },
  { mode: 'applicator', digit: '4', letter: 'A' },
  { mode: 'delayed cut', digit: '5', letter: 'D' },
];

const MEDIA_TRACKING: Readonly<Record<string, MediaTracking>> = {
  N: 'continuous',
  Y: 'gap/notch',
  W: 'gap/notch',
  M: 'mark',
};

const bit = (flag: boolean): string => (flag ? '1' : '0');
const pad = (value: number, width: number): string =>
  String(Math.max(0, Math.trunc(value))).padStart(width, '0');

/** The three ~HS strings, without STX/ETX framing. */
export function hostStatusStrings(s: StatusSnapshot): [string, string, string] {
  const f = s.faults;
  const mode = PRINT_MODES.find((m) => m.mode === s.settings.printMode)?.digit ?? '2';
  const first = [
    '030', // aaa communication settings
    bit(f.paperOut),
    bit(f.paused),
    pad(s.settings.labelLengthDots, 4),
    pad(s.formatsInBuffer, 3),
    bit(s.bufferFull),
    '0', // g communications diagnostic mode
    bit(s.partialFormat),
    '000', // iii unused
    '0', // j corrupt RAM
    bit(f.headUnderTemp),
    bit(f.headOverTemp),
  ];
  const second = [
    '000', // mmm function settings
    '0', // n unused
    bit(f.headOpen),
    bit(f.ribbonOut),
    bit(s.settings.printMethod === 'thermal trans'),
    mode,
    '4', // s print width mode
    '0', // t label waiting
    pad(s.labelsRemaining, 8),
    '1', // v format while printing: always 1
    '000', // www graphics stored
  ];
  return [first.join(','), second.join(','), '1234,0'];
}

/** The ~HS answer: three STX…ETX CR LF strings. */
export function hostStatusReply(s: StatusSnapshot): string {
  return hostStatusStrings(s)
    .map((line) => STX + line + ETX + CRLF)
    .join('');
}

/** Group 1 error bits, from the guide's ~HQES error table. Paused has no bit outside the KR403. */
export function errorMask(f: Readonly<ZebraFaults>): number {
  return (
    (f.paperOut ? 0x1 : 0) |
    (f.ribbonOut ? 0x2 : 0) |
    (f.headOpen ? 0x4 : 0) |
    (f.cutterFault ? 0x8 : 0) |
    (f.headOverTemp ? 0x10 : 0) |
    (f.motorOverTemp ? 0x20 : 0)
  );
}

/** Group 1 warning bits, from the guide's ~HQES warning table. */
export function warningMask(f: Readonly<ZebraFaults>): number {
  return (f.needCalibrate ? 0x1 : 0) | (f.cleanHead ? 0x2 : 0);
}

const hex8 = (value: number): string => value.toString(16).toUpperCase().padStart(8, '0');

export function hqesReply(f: Readonly<ZebraFaults>): string {
  const errors = errorMask(f);
  const warnings = warningMask(f);
  return (
    STX +
    CRLF +
    '  PRINTER STATUS' +
    CRLF +
    `    ERRORS:         ${bit(errors !== 0)} 00000000 ${hex8(errors)}` +
    CRLF +
    `    WARNINGS:       ${bit(warnings !== 0)} 00000000 ${hex8(warnings)}` +
    CRLF +
    ETX +
    CRLF
  );
}

export function hostIdentificationReply(id: PrinterIdentity): string {
  return `${STX}${id.model},${id.firmware},${id.dpmm},${id.memoryKb}KB,${id.options}${ETX}${CRLF}`;
}

/** `zpl.system_status`: pause flag, error flag, error groups 2 and 1, warning flag, warning groups. */
export function systemStatusValue(s: StatusSnapshot): string {
  const errors = errorMask(s.faults);
  const warnings = warningMask(s.faults);
  return [
    bit(s.faults.paused),
    bit(errors !== 0),
    '00000000',
    hex8(errors),
    bit(warnings !== 0),
    '00000000',
    hex8(warnings),
  ].join(',');
}

/** Applies the setting commands of a format (`^PW`, `^LL`, `^MM`, `^MT`, `^MN`) to the printer. */
export function applyFormatSettings(settings: PrinterSettings, commands: ReadonlyMap<string, string>): void {
  for (const [name, params] of commands) {
    const first = params.split(',')[0]?.trim() ?? '';
    const letter = first.charAt(0).toUpperCase();
    if (name === 'PW' || name === 'LL') {
      const dots = Number.parseInt(first, 10);
      if (!Number.isSafeInteger(dots) || dots < 1 || dots > 32_000) continue;
      if (name === 'PW') settings.printWidthDots = dots;
      else settings.labelLengthDots = dots;
    } else if (name === 'MM') {
      const mode = PRINT_MODES.find((m) => m.letter === letter)?.mode;
      if (mode !== undefined) settings.printMode = mode;
    } else if (name === 'MT') {
      if (letter === 'T') settings.printMethod = 'thermal trans';
      if (letter === 'D') settings.printMethod = 'direct thermal';
    } else {
      const tracking = MEDIA_TRACKING[letter];
      if (tracking !== undefined) settings.mediaTracking = tracking;
    }
  }
}

interface Variable {
  get(s: StatusSnapshot): string;
  /** Returns false when the value is not acceptable (the setting stays as it was). */
  set?(settings: PrinterSettings, value: string): boolean;
}

const dots =
  (key: 'printWidthDots' | 'labelLengthDots') =>
  (settings: PrinterSettings, value: string): boolean => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 1 || n > 32_000) return false;
    settings[key] = n;
    return true;
  };

const text = (key: 'friendlyName' | 'languages'): Variable => ({
  get: (s) => s.settings[key],
  set: (settings, value) => {
    settings[key] = value;
    return true;
  },
});

const printModeVariable: Variable = {
  get: (s) => s.settings.printMode,
  set: (settings, value) => {
    const mode = PRINT_MODES.find((m) => m.mode === value)?.mode;
    if (mode !== undefined) settings.printMode = mode;
    return mode !== undefined;
  },
};

const DPI: Readonly<Record<number, string>> = { 6: '152', 8: '203', 12: '300', 24: '600' };

/** The SGD variables the emulator knows. Anything else answers "?". */
const VARIABLES: ReadonlyMap<string, Variable> = new Map<string, Variable>([
  ['device.host_status', { get: (s) => hostStatusStrings(s).join(CRLF) }],
  ['zpl.system_status', { get: systemStatusValue }],
  ['media.status', { get: (s) => (s.faults.paperOut ? 'out' : 'ok') }],
  ['head.latch', { get: (s) => (s.faults.headOpen ? 'open' : 'ok') }],
  ['odometer.total_label_count', { get: (s) => String(s.printed) }],
  ['appl.name', { get: (s) => s.identity.firmware }],
  ['device.unique_id', { get: (s) => s.identity.uniqueId }],
  ['head.resolution.in_dpi', { get: (s) => DPI[s.identity.dpmm] ?? '203' }],
  ['media.type', { get: () => 'label' }],
  ['device.friendly_name', text('friendlyName')],
  ['device.languages', text('languages')],
  ['ezpl.print_width', { get: (s) => String(s.settings.printWidthDots), set: dots('printWidthDots') }],
  ['zpl.label_length', { get: (s) => String(s.settings.labelLengthDots), set: dots('labelLengthDots') }],
  ['ezpl.print_mode', printModeVariable],
  ['media.printmode', printModeVariable],
  [
    'ezpl.print_method',
    {
      get: (s) => s.settings.printMethod,
      set: (settings, v) => {
        if (v !== 'direct thermal' && v !== 'thermal trans') return false;
        settings.printMethod = v;
        return true;
      },
    },
  ],
  ['ezpl.media_type', { get: (s) => s.settings.mediaTracking }],
  ['media.sense_mode', { get: (s) => (s.settings.mediaTracking === 'mark' ? 'bar' : 'gap') }],
]);

/** The getvar value, or undefined for a variable the printer does not have. */
export function getVariable(name: string, s: StatusSnapshot): string | undefined {
  return VARIABLES.get(name)?.get(s);
}

/** setvar: changes a writable variable; unknown, read-only or invalid values change nothing. */
export function setVariable(name: string, value: string, settings: PrinterSettings): boolean {
  return VARIABLES.get(name)?.set?.(settings, value) ?? false;
}
