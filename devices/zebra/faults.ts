import type { ErrorCode } from '../../src/cxp/error-codes.js';
import { CxpError } from '../../src/cxp/errors.js';
import type { CxpErrorWire } from '../../src/cxp/errors.js';
import type { ExtendedStatus, HostStatus } from './status.js';

/**
 * What one status poll learned, and what it means: the printer's state and its faults as coded
 * CxpErrors (the `current_errors` of PrinterStatus and the reasons a job is held).
 */
export interface StatusSnapshot {
  /** The printer answered at all (TCP and at least one query). */
  online: boolean;
  /** Why it is offline (connect refused, timeout...). */
  offlineReason?: string;
  /** ~HS; absent when it did not answer (newer firmware stays silent while in error). */
  host?: HostStatus;
  /** ~HQES; absent when it did not answer either. */
  extended?: ExtendedStatus;
  /** SGD device.languages; a printer not in a ZPL mode prints ZPL as text or not at all. */
  languages?: string;
  /** ~HS timed out while the printer otherwise answered: possibly in error. */
  hostStatusSilent: boolean;
  /** Epoch ms. */
  at: number;
}

export type PrinterState = 'offline' | 'error' | 'paused' | 'printing' | 'ready';

export interface FaultReading {
  state: PrinterState;
  /** Faults now, most specific first. Empty when the printer is healthy. */
  errors: CxpErrorWire[];
  /** ~HQES warnings (need calibration, clean the head...): reported, never block a job. */
  warnings: string[];
  /** True when a job must not be sent now (offline, an error, or paused). */
  blocking: boolean;
}

function fault(
  code: ErrorCode,
  message: string,
  source: string,
  retryable?: boolean,
  details: Record<string, unknown> = {},
): CxpErrorWire {
  return new CxpError(code, message, {
    ...(retryable === undefined ? {} : { retryable }),
    details: { source, ...details },
  }).toWire();
}

/** Faults from ~HS and ~HQES together (a condition both report is listed once). */
export function readFaults(s: StatusSnapshot, printer: string): FaultReading {
  if (!s.online)
    return {
      state: 'offline',
      errors: [fault('DEVICE_OFFLINE', `${printer} does not answer: ${s.offlineReason ?? 'unknown'}`, 'tcp')],
      warnings: [],
      blocking: true,
    };
  const h = s.host;
  const names = new Set(s.extended?.errors.names ?? []);
  const errors: CxpErrorWire[] = [];
  const add = (when: boolean, code: ErrorCode, message: string, source: string, retryable?: boolean) => {
    if (when) errors.push(fault(code, `${printer}: ${message}`, source, retryable));
  };
  add(
    h?.paperOut === true || names.has('media_out'),
    'MEDIA_OUT',
    'out of media',
    src(h?.paperOut, 'media_out', names),
  );
  add(
    h?.ribbonOut === true || names.has('ribbon_out'),
    'RIBBON_OUT',
    'ribbon out',
    src(h?.ribbonOut, 'ribbon_out', names),
  );
  add(
    h?.headUp === true || names.has('head_open'),
    'HEAD_OPEN',
    'print head open',
    src(h?.headUp, 'head_open', names),
  );
  add(names.has('cutter_fault'), 'DEVICE_FAULT', 'cutter fault', '~HQES', false);
  add(
    h?.overTemperature === true || names.has('printhead_over_temperature'),
    'DEVICE_FAULT',
    'print head over temperature',
    src(h?.overTemperature, 'printhead_over_temperature', names),
    true,
  );
  add(names.has('motor_over_temperature'), 'DEVICE_FAULT', 'motor over temperature', '~HQES', true);
  add(h?.underTemperature === true, 'DEVICE_FAULT', 'print head under temperature', '~HS', true);
  add(h?.corruptRam === true, 'DEVICE_FAULT', 'configuration lost (corrupt RAM)', '~HS', false);
  const other = [...names].filter((n) => !HANDLED.has(n));
  add(other.length > 0, 'DEVICE_FAULT', `printer errors: ${other.join(', ')}`, '~HQES', false);
  const unnamed = s.extended?.errors.unknownBits === true && other.length === 0;
  add(
    unnamed || (s.extended?.errors.flag === true && errors.length === 0),
    'DEVICE_FAULT',
    'the printer reports an error no table names',
    '~HQES',
    false,
  );
  if (s.languages !== undefined && !/zpl/i.test(s.languages))
    errors.push(
      fault(
        'DEVICE_FAULT',
        `${printer}: command language is "${s.languages}", not ZPL`,
        'device.languages',
        false,
        { languages: s.languages },
      ),
    );
  if (s.hostStatusSilent && errors.length === 0)
    errors.push(
      fault(
        'DEVICE_FAULT',
        `${printer}: no answer to ~HS and ~HQES reports nothing: possibly in error`,
        '~HS timeout',
        true,
      ),
    );
  if (!s.host && !s.extended)
    errors.push(fault('DEVICE_OFFLINE', `${printer}: connected but answers no status query`, 'queries'));
  const paused = h?.paused === true || names.has('paused');
  if (paused) errors.push(fault('PAUSED', `${printer}: paused`, '~HS'));
  if (h?.bufferFull === true) errors.push(fault('BUFFER_FULL', `${printer}: receive buffer full`, '~HS'));
  const warnings = s.extended?.warnings.names ?? [];
  const hardErrors = errors.filter((e) => e.code !== 'PAUSED' && e.code !== 'BUFFER_FULL');
  const busy = (h?.formatsInBuffer ?? 0) > 0 || (h?.labelsRemaining ?? 0) > 0 || h?.partialFormat === true;
  const state: PrinterState =
    hardErrors.length > 0 ? 'error' : paused ? 'paused' : busy ? 'printing' : 'ready';
  return { state, errors, warnings, blocking: hardErrors.length > 0 || paused };
}

const HANDLED = new Set([
  'media_out',
  'ribbon_out',
  'head_open',
  'cutter_fault',
  'printhead_over_temperature',
  'motor_over_temperature',
  'paused',
]);

function src(hs: boolean | undefined, name: string, names: Set<string>): string {
  return hs === true && names.has(name) ? '~HS,~HQES' : hs === true ? '~HS' : '~HQES';
}
