import { fail, ok, type Result } from '../../../src/cxp/errors.js';

/** RTU character timing, so the serial adapter can delimit frames by silence. Pure. */

export interface SerialFormatOptions {
  baudRate: number;
  /** RTU uses 8 data bits; 7 is accepted for odd devices. Default 8. */
  dataBits?: 7 | 8;
  parity: 'none' | 'even' | 'odd';
  stopBits: 1 | 2;
}

export interface RtuTiming {
  /** One character on the wire: start bit, data bits, parity bit, stop bits. */
  characterBits: number;
  characterMicros: number;
  /** Longest gap allowed inside a frame (1.5 characters). */
  interCharacterMicros: number;
  /** Silence that ends a frame and must precede the next request (3.5 characters). */
  silentIntervalMicros: number;
}

// Checked at run time too: the format usually comes from configuration.
const DATA_BITS: readonly number[] = [7, 8];
const STOP_BITS: readonly number[] = [1, 2];
const PARITIES: readonly string[] = ['none', 'even', 'odd'];

/** Above this rate the serial line specification fixes the intervals instead of scaling them. */
const FIXED_TIMING_ABOVE_BAUD = 19_200;
const FIXED_T15_MICROS = 750;
const FIXED_T35_MICROS = 1750;

/** Character time, t1.5 and t3.5 (rounded up to whole microseconds); INVALID_PARAMS for a bad format. */
export function rtuTiming(options: SerialFormatOptions): Result<RtuTiming> {
  const { baudRate, parity, stopBits } = options;
  const dataBits = options.dataBits ?? 8;
  const valid =
    Number.isFinite(baudRate) &&
    baudRate > 0 &&
    DATA_BITS.includes(dataBits) &&
    STOP_BITS.includes(stopBits) &&
    PARITIES.includes(parity);
  if (!valid) {
    return fail(
      'INVALID_PARAMS',
      'invalid serial format (baud rate > 0, 7 or 8 data bits, 1 or 2 stop bits)',
      {
        details: { baud_rate: baudRate, data_bits: dataBits, parity, stop_bits: stopBits },
      },
    );
  }
  const characterBits = 1 + dataBits + (parity === 'none' ? 0 : 1) + stopBits;
  const characterMicros = (characterBits * 1e6) / baudRate;
  const fixed = baudRate > FIXED_TIMING_ABOVE_BAUD;
  return ok({
    characterBits,
    characterMicros,
    interCharacterMicros: fixed ? FIXED_T15_MICROS : Math.ceil(1.5 * characterMicros),
    silentIntervalMicros: fixed ? FIXED_T35_MICROS : Math.ceil(3.5 * characterMicros),
  });
}

/** The 3.5-character silent interval in microseconds. */
export function silentIntervalMicros(options: SerialFormatOptions): Result<number> {
  const timing = rtuTiming(options);
  return timing.ok ? ok(timing.value.silentIntervalMicros) : timing;
}
