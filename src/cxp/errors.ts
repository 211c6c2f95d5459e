import { truncateText } from './data-model.js';
import { ERROR_CODES, isErrorCode, type ErrorCode } from './error-codes.js';

/** Error messages are for people; they are cut to this many characters so replies stay bounded. */
export const MAX_MESSAGE_LENGTH = 1024;

/** The wire shape of an error (the capability package's CxpError). */
export interface CxpErrorWire {
  code: string;
  message: string;
  retryable: boolean;
  details: Record<string, unknown>;
}

export interface CxpErrorOptions {
  details?: Record<string, unknown>;
  /** Overrides the code's default retryability (e.g. a jam that can never clear by itself). */
  retryable?: boolean;
  cause?: unknown;
}

/** The base error of the project: callers branch on `code`, never on the message. */
export class CxpError extends Error {
  override readonly name = 'CxpError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: CxpErrorOptions = {}) {
    super(
      truncateText(message, MAX_MESSAGE_LENGTH),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.retryable = options.retryable ?? ERROR_CODES[code].retryable;
    this.details = options.details ?? {};
  }

  toWire(): CxpErrorWire {
    return { code: this.code, message: this.message, retryable: this.retryable, details: this.details };
  }
}

/** Result of an operation on untrusted input: never throws, always a value or a coded error. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: CxpError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: ErrorCode, message: string, options?: CxpErrorOptions): Result<T> {
  return { ok: false, error: new CxpError(code, message, options) };
}

/** Wraps anything thrown into a CxpError, keeping coded errors as they are. */
export function toCxpError(err: unknown, fallback: ErrorCode = 'INTERNAL_ERROR'): CxpError {
  if (err instanceof CxpError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new CxpError(fallback, message, { cause: err });
}

/** A CxpError again from its wire shape (an unknown code becomes INTERNAL_ERROR, keeping the text). */
export function fromWire(wire: CxpErrorWire): CxpError {
  const code = wire.code;
  if (isErrorCode(code))
    return new CxpError(code, wire.message, { retryable: wire.retryable, details: wire.details });
  return new CxpError('INTERNAL_ERROR', wire.message, {
    retryable: wire.retryable,
    details: { ...wire.details, code },
  });
}
