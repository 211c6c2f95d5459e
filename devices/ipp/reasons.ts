import type { ErrorCode } from '../../src/cxp/error-codes.js';
import { CxpError, type CxpErrorWire } from '../../src/cxp/errors.js';

/**
 * `printer-state-reasons` (RFC 8011 §5.4.12, PWG 5100.9) as coded faults and warnings. A reason is a
 * keyword with an optional `-report`, `-warning` or `-error` suffix. Conditions that stop the press
 * (a jam, no paper, an open door) are faults whatever the suffix (ippeveprinter, for one, reports a jam
 * as `media-jam-warning`); other reasons are faults with `-error` or no suffix, warnings with
 * `-warning`, and ignored with `-report`.
 */

interface Known {
  code: ErrorCode;
  retryable: boolean;
  message: string;
}

const FAULTS: Readonly<Record<string, Known>> = {
  'media-jam': { code: 'MEDIA_JAM', retryable: true, message: 'media jam' },
  'input-tray-missing': { code: 'MEDIA_OUT', retryable: true, message: 'input tray missing' },
  'media-empty': { code: 'MEDIA_OUT', retryable: true, message: 'out of media' },
  'media-needed': { code: 'MEDIA_OUT', retryable: true, message: 'media needed' },
  'toner-empty': { code: 'DEVICE_FAULT', retryable: true, message: 'toner empty' },
  'marker-supply-empty': { code: 'DEVICE_FAULT', retryable: true, message: 'marker supply empty' },
  'developer-empty': { code: 'DEVICE_FAULT', retryable: true, message: 'developer empty' },
  'door-open': { code: 'DEVICE_FAULT', retryable: true, message: 'door open' },
  'cover-open': { code: 'DEVICE_FAULT', retryable: true, message: 'cover open' },
  'interlock-open': { code: 'DEVICE_FAULT', retryable: true, message: 'interlock open' },
  'output-area-full': { code: 'DEVICE_FAULT', retryable: true, message: 'output area full' },
  'output-tray-missing': { code: 'DEVICE_FAULT', retryable: true, message: 'output tray missing' },
  'fuser-over-temp': { code: 'DEVICE_FAULT', retryable: true, message: 'fuser over temperature' },
  'fuser-under-temp': { code: 'DEVICE_FAULT', retryable: true, message: 'fuser warming up' },
  paused: { code: 'PAUSED', retryable: true, message: 'paused' },
  offline: { code: 'DEVICE_OFFLINE', retryable: true, message: 'offline' },
  shutdown: { code: 'DEVICE_OFFLINE', retryable: true, message: 'shut down' },
};

/** Reasons that are neither faults nor warnings whatever their suffix. */
const INFORMATIONAL = new Set(['none', 'moving-to-paused', 'connecting-to-device', 'other']);

export interface ReasonReading {
  errors: CxpErrorWire[];
  warnings: string[];
}

function split(reason: string): { base: string; suffix: 'report' | 'warning' | 'error' | undefined } {
  const m = /^(.*)-(report|warning|error)$/.exec(reason);
  return m
    ? { base: m[1] ?? reason, suffix: m[2] as 'report' | 'warning' | 'error' }
    : { base: reason, suffix: undefined };
}

/** Faults (most specific codes) and warnings from the printer's reasons. */
export function readReasons(reasons: readonly string[], printer: string): ReasonReading {
  const errors: CxpErrorWire[] = [];
  const warnings: string[] = [];
  for (const reason of reasons) {
    const { base, suffix } = split(reason);
    if (INFORMATIONAL.has(base) || suffix === 'report') continue;
    const known = FAULTS[base];
    // Finisher faults (stapler-*, punch-*, folder-*, binder-*, trimmer-* ...) name their unit.
    const finisher =
      /^(stapler|punch|folder|binder|trimmer|stacker|finisher|inserter|bander|wrapper|cutter)-/.test(base);
    if (
      known &&
      (suffix !== 'warning' || base === 'media-jam' || base === 'media-empty' || base === 'door-open')
    )
      errors.push(
        new CxpError(known.code, `${printer}: ${known.message}`, {
          retryable: known.retryable,
          details: { reason },
        }).toWire(),
      );
    else if (suffix === 'warning' || base.endsWith('-low') || base.endsWith('-almost-full'))
      warnings.push(reason);
    else
      errors.push(
        new CxpError('DEVICE_FAULT', `${printer}: ${reason}`, {
          retryable: !finisher,
          details: { reason, ...(finisher ? { unit: base.split('-')[0] } : {}) },
        }).toWire(),
      );
  }
  return { errors, warnings };
}
