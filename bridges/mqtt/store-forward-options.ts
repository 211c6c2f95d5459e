import type { Clock } from '../../src/cxp/clock.js';
import { CxpError } from '../../src/cxp/errors.js';

export type DropReason = 'size' | 'age' | 'corrupt';

export interface DiskQueueOptions {
  /** The queue's own directory; created with mode 0700 when missing. */
  readonly dir: string;
  /** Bound on the segment files together, at least 4096; default 64 MiB. */
  readonly maxBytes?: number;
  /** Entries older than this are dropped, above 0; default 24 h. */
  readonly maxAgeMs?: number;
  readonly clock: Clock;
  /** `always` fsyncs after every write (survives power loss, slower); default `never`. */
  readonly fsync?: 'never' | 'always';
  /** A new segment is started past this size; default maxBytes / 8, at most 4 MiB. */
  readonly segmentBytes?: number;
  /** Entries the queue gave up on, by reason. Called synchronously from open, append and peek. */
  readonly onDrop?: (reason: DropReason, count: number) => void;
  /** A write at the end of a tick, or a read in `peek`, failed (the write is retried). */
  readonly onError?: (error: CxpError) => void;
}

/** Options with their defaults applied, checked. */
export interface Settings {
  readonly dir: string;
  readonly clock: Clock;
  readonly maxBytes: number;
  readonly maxAgeMs: number;
  readonly segmentBytes: number;
  readonly maxRecordBytes: number;
  readonly fsync: boolean;
  readonly onDrop: ((reason: DropReason, count: number) => void) | undefined;
  readonly onError: ((error: CxpError) => void) | undefined;
}

const MIB = 1024 * 1024;
const MIN_MAX_BYTES = 4096;

/** Throws a CxpError (INTERNAL_ERROR) for options out of range. */
export function resolveDiskQueueSettings(options: DiskQueueOptions): Settings {
  const maxBytes = options.maxBytes ?? 64 * MIB;
  check('maxBytes', maxBytes, Number.isSafeInteger(maxBytes) && maxBytes >= MIN_MAX_BYTES);
  const maxAgeMs = options.maxAgeMs ?? 24 * 60 * 60 * 1000;
  check('maxAgeMs', maxAgeMs, maxAgeMs > 0);
  const segmentBytes = options.segmentBytes ?? Math.min(4 * MIB, Math.floor(maxBytes / 8));
  check('segmentBytes', segmentBytes, Number.isSafeInteger(segmentBytes) && segmentBytes >= 1);
  return {
    dir: options.dir,
    clock: options.clock,
    maxBytes,
    maxAgeMs,
    segmentBytes,
    maxRecordBytes: Math.floor(maxBytes / 4),
    fsync: options.fsync === 'always',
    onDrop: options.onDrop,
    onError: options.onError,
  };
}

function check(name: string, value: number, valid: boolean): void {
  if (valid) return;
  throw new CxpError('INTERNAL_ERROR', `disk queue option ${name} is out of range`, {
    details: { [name]: value },
    retryable: false,
  });
}
