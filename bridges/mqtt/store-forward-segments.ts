import { closeSync, fsyncSync, ftruncateSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { CxpError } from '../../src/cxp/errors.js';
import { fsyncDirSync, segmentPath } from './store-forward-files.js';

export interface Segment {
  readonly firstSeq: number;
  readonly path: string;
  /** Bytes of records in the segment, buffered ones included. */
  size: number;
  /** Bytes handed to the OS. */
  durable: number;
}

/**
 * The segment files of one queue, oldest first. Appends go to the last (current) segment through a
 * write buffer that `writePending` hands to the OS in one write.
 */
export class SegmentLog {
  readonly #dir: string;
  readonly #fsync: boolean;
  readonly #segments: Segment[] = [];
  #fd = -1;
  #bytes = 0;
  /** Buffered records of the current segment, one buffer each, from its `durable` offset on. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  constructor(dir: string, fsync: boolean) {
    this.#dir = dir;
    this.#fsync = fsync;
  }

  /** Bytes of all segments, buffered records included. */
  get bytes(): number {
    return this.#bytes;
  }

  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  get oldest(): Segment | undefined {
    return this.#segments[0];
  }

  get count(): number {
    return this.#segments.length;
  }

  get current(): Segment {
    const current = this.#segments.at(-1);
    if (current === undefined) throw new CxpError('INTERNAL_ERROR', 'the disk queue has no segment');
    return current;
  }

  /** Registers a segment file found on open (call oldest first, then `openForAppend`). */
  adopt(firstSeq: number, path: string, size: number): Segment {
    const segment: Segment = { firstSeq, path, size, durable: size };
    this.#segments.push(segment);
    this.#bytes += size;
    return segment;
  }

  /** Opens the last adopted segment for appending, or creates the first one, named after `nextSeq`. */
  openForAppend(nextSeq: number): void {
    const last = this.#segments.at(-1);
    if (last === undefined) this.startSegment(nextSeq);
    else this.#fd = openSync(last.path, 'a', 0o600);
  }

  /** Buffers a record at the end of the current segment; answers where it will sit. */
  append(record: Buffer): { segment: Segment; offset: number } {
    const segment = this.current;
    const offset = segment.size;
    this.#pending.push(record);
    this.#pendingBytes += record.length;
    segment.size += record.length;
    this.#bytes += record.length;
    return { segment, offset };
  }

  /** Writes the buffered records (fsyncing with `fsync`); on failure the file is cut back and it throws. */
  writePending(): void {
    if (this.#pending.length === 0) return;
    const segment = this.current;
    const data = Buffer.concat(this.#pending);
    try {
      for (let at = 0; at < data.length;) at += writeSync(this.#fd, data, at);
      if (this.#fsync) fsyncSync(this.#fd);
    } catch (err) {
      truncateQuietly(this.#fd, segment.durable); // back to a record boundary; the write is retried
      throw new CxpError('INTERNAL_ERROR', `cannot write ${segment.path}`, { cause: err });
    }
    segment.durable += data.length;
    this.#pending = [];
    this.#pendingBytes = 0;
  }

  /** Starts a new current segment; the file is created now, so its name keeps `firstSeq` on disk. */
  startSegment(firstSeq: number): void {
    const path = segmentPath(this.#dir, firstSeq);
    const fd = openSync(path, 'a', 0o600);
    if (this.#fsync) {
      try {
        fsyncDirSync(this.#dir); // the new name survives a power loss
      } catch (err) {
        closeSync(fd);
        throw err;
      }
    }
    this.#closeFd();
    this.#fd = fd;
    this.#segments.push({ firstSeq, path, size: 0, durable: 0 });
  }

  /**
   * Deletes the oldest segment. When it is the current one, its buffered records are discarded and a
   * new segment named after `nextSeq` replaces it.
   */
  removeOldest(nextSeq: number): void {
    const oldest = this.#segments[0];
    if (oldest === undefined) return;
    if (oldest === this.current) {
      this.#pending = [];
      this.#pendingBytes = 0;
      this.startSegment(nextSeq);
    }
    this.#segments.shift();
    this.#bytes -= oldest.size;
    try {
      unlinkSync(oldest.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  /**
   * The record at `offset` (from the buffer if not yet written); shorter or empty when it is missing.
   * Throws when the file cannot be read for another reason than being gone.
   */
  read(segment: Segment, offset: number, length: number, fds: Map<Segment, number>): Buffer {
    if (segment === this.current && offset >= segment.durable) return this.#readPending(offset);
    let fd = fds.get(segment);
    if (fd === undefined) {
      fd = openIfExists(segment.path);
      if (fd === undefined) return Buffer.alloc(0); // the file is gone, and its records with it
      fds.set(segment, fd);
    }
    const buffer = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, buffer, got, length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return buffer.subarray(0, got);
  }

  close(): void {
    this.#closeFd();
  }

  #readPending(offset: number): Buffer {
    let at = this.current.durable;
    for (const record of this.#pending) {
      if (at === offset) return record;
      at += record.length;
    }
    return Buffer.alloc(0);
  }

  #closeFd(): void {
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
  }
}

function openIfExists(path: string): number | undefined {
  try {
    return openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function truncateQuietly(fd: number, length: number): void {
  try {
    ftruncateSync(fd, length);
  } catch {
    // a later read finds the damaged bytes by their CRC and drops them as corrupt
  }
}
