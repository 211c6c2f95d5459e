import { CxpError } from '../../../src/cxp/errors.js';

/** Modbus exception responses (function code with the high bit set, then one exception code). */

interface ExceptionInfo {
  readonly name: string;
  /** Whether the same request may succeed later without changes. */
  readonly retryable: boolean;
}

const EXCEPTIONS: Readonly<Record<number, ExceptionInfo>> = {
  1: { name: 'illegal function', retryable: false },
  2: { name: 'illegal data address', retryable: false },
  3: { name: 'illegal data value', retryable: false },
  4: { name: 'server device failure', retryable: false },
  5: { name: 'acknowledge', retryable: true },
  6: { name: 'server device busy', retryable: true },
  // 7 is from the older Modicon protocol reference; current specifications leave it unassigned.
  7: { name: 'negative acknowledge', retryable: false },
  8: { name: 'memory parity error', retryable: false },
  9: { name: 'unassigned exception code', retryable: false },
  10: { name: 'gateway path unavailable', retryable: false },
  11: { name: 'gateway target device failed to respond', retryable: true },
};

export const EXCEPTION_FLAG = 0x80;

/** The name of an exception code, `unknown exception` outside 1..11. */
export function exceptionName(code: number): string {
  return EXCEPTIONS[code]?.name ?? 'unknown exception';
}

export interface ExceptionErrorOptions {
  unit: number;
  functionCode: number;
  exception: number;
}

/** DEVICE_FAULT for an exception response; details carry `exception` and `name`. */
export function exceptionError(options: ExceptionErrorOptions): CxpError {
  const { unit, functionCode, exception } = options;
  const name = exceptionName(exception);
  const fn = `0x${functionCode.toString(16).padStart(2, '0')}`;
  return new CxpError(
    'DEVICE_FAULT',
    `unit ${unit} answered function ${fn} with exception ${exception} (${name})`,
    {
      retryable: EXCEPTIONS[exception]?.retryable ?? false,
      details: { exception, name, unit, function: functionCode, faults: [name] },
    },
  );
}
