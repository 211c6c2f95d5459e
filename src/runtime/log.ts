import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Paths redacted in every log line, wherever a component puts credentials. */
export const REDACT_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'passphrase',
  '*.passphrase',
  'key',
  '*.key',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
];

export interface RootLoggerOptions {
  level: LogLevel;
  base?: Record<string, unknown>;
  /** Where lines go; default stdout (journald reads it). */
  destination?: NodeJS.WritableStream;
}

/** The one root logger: JSON lines, credentials redacted; components take `log.child({component})`. */
export function createRootLogger(options: RootLoggerOptions): Logger {
  const config: LoggerOptions = {
    level: options.level,
    base: options.base ?? {},
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}
