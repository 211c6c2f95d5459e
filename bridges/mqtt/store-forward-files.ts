/**
 * The files of a store-and-forward directory: segments `seg-<first seq, 16 digits>.log`, the ack cursor
 * `ack.json` (replaced atomically), and `lock` (the pid of the process that has the queue open).
 */
import { unlinkSync } from 'node:fs';
import { fsyncDirSync, writeFileAtomicSync } from '../../src/runtime/atomic-file.js';
import { open, readdir, readFile, truncate, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CxpError } from '../../src/cxp/errors.js';
import { checkRecord, type RecordInfo } from './store-forward-record.js';

const SEGMENT_PATTERN = /^seg-(\d{16})\.log$/;
const CURSOR_FILE = 'ack.json';
const LOCK_FILE = 'lock';

export interface SegmentFile {
  readonly firstSeq: number;
  readonly path: string;
}

export interface ScannedRecord extends RecordInfo {
  readonly offset: number;
}

export interface ScanResult {
  readonly records: ScannedRecord[];
  /** Bytes of valid records; the file is truncated to this when it held more. */
  readonly size: number;
  /** True when a torn or damaged tail was cut off. */
  readonly truncated: boolean;
}

export function segmentPath(dir: string, firstSeq: number): string {
  return join(dir, `seg-${String(firstSeq).padStart(16, '0')}.log`);
}

/** The segment files of `dir`, oldest first. Other files are ignored. */
export async function listSegments(dir: string): Promise<SegmentFile[]> {
  const segments: SegmentFile[] = [];
  for (const name of await readdir(dir)) {
    const digits = SEGMENT_PATTERN.exec(name)?.[1];
    if (digits !== undefined) segments.push({ firstSeq: Number(digits), path: join(dir, name) });
  }
  return segments.sort((a, b) => a.firstSeq - b.firstSeq);
}

/**
 * Reads a segment's records up to the first one that is torn, damaged or not above `afterSeq` (or its
 * predecessor), and cuts the file there so appends continue on a record boundary.
 */
export async function scanSegment(path: string, afterSeq: number): Promise<ScanResult> {
  const data = await readFile(path);
  const records: ScannedRecord[] = [];
  let offset = 0;
  let lastSeq = afterSeq;
  for (;;) {
    const info = checkRecord(data, offset);
    if (info === undefined || info === 'bad' || info.seq <= lastSeq) break;
    records.push({ ...info, offset });
    lastSeq = info.seq;
    offset += info.length;
  }
  const truncated = offset < data.length;
  if (truncated) await truncate(path, offset);
  return { records, size: offset, truncated };
}

/** The highest contiguously consumed seq recorded in the cursor, 0 when there is none or it is unreadable. */
export async function readCursor(dir: string): Promise<number> {
  try {
    const parsed: unknown = JSON.parse(await readFile(join(dir, CURSOR_FILE), 'utf8'));
    const acked = typeof parsed === 'object' && parsed !== null ? (parsed as { acked?: unknown }).acked : 0;
    return typeof acked === 'number' && Number.isSafeInteger(acked) && acked > 0 ? acked : 0;
  } catch {
    return 0;
  }
}

/** Replaces the cursor atomically (tmp file + rename); with `sync`, fsyncs the file and the directory. */
export function writeCursorSync(dir: string, acked: number, sync: boolean): void {
  writeFileAtomicSync(join(dir, CURSOR_FILE), JSON.stringify({ v: 1, acked }), { sync });
}

export { fsyncDirSync };

/**
 * Takes the directory for this process. A lock left by a process that is gone (killed, crashed) is
 * taken over; a live holder, this process included, is refused with INTERNAL_ERROR.
 */
export async function acquireLock(dir: string): Promise<void> {
  const path = join(dir, LOCK_FILE);
  if (await createLock(path)) return;
  const holder = Number(await readFile(path, 'utf8').catch(() => ''));
  if (!(Number.isSafeInteger(holder) && holder > 0 && isAlive(holder))) {
    await unlink(path).catch(() => undefined); // stale: its process is gone
    if (await createLock(path)) return;
  }
  throw new CxpError('INTERNAL_ERROR', `the queue directory ${dir} is in use by process ${holder}`, {
    details: { dir, pid: holder },
  });
}

/** Creates the lock file holding this pid; false when it exists already. */
async function createLock(path: string): Promise<boolean> {
  try {
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writeFile(String(process.pid));
    } finally {
      await handle.close();
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

export function releaseLockSync(dir: string): void {
  try {
    unlinkSync(join(dir, LOCK_FILE));
  } catch {
    // already gone: nothing to release
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
