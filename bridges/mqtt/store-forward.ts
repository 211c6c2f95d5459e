import { closeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { CxpError, fail, ok, toCxpError, type Result } from '../../src/cxp/errors.js';
import { resolveDiskQueueSettings, type DiskQueueOptions, type Settings } from './store-forward-options.js';
import {
  acquireLock,
  listSegments,
  readCursor,
  releaseLockSync,
  scanSegment,
  writeCursorSync,
} from './store-forward-files.js';
import { EntryIndex, type IndexEntry } from './store-forward-index.js';
import { SegmentLog, type Segment } from './store-forward-segments.js';
import { decodeRecord, encodeRecord, type QueuedEntry, type QueuedMessage } from './store-forward-record.js';

export type { DiskQueueOptions, DropReason } from './store-forward-options.js';
export type { QueuedEntry, QueuedMessage } from './store-forward-record.js';

/** Buffered records are written at once when they reach this many bytes, else at the end of the tick. */
export const GROUP_COMMIT_BYTES = 64 * 1024;

type Entry = IndexEntry<Segment>;

/**
 * A disk-backed FIFO for outbound MQTT messages (store-and-forward) that survives a restart, kill -9
 * included. One process per directory (a `lock` file holding the pid enforces it; a dead holder's lock
 * is taken over).
 *
 * Durability: `append` buffers the record and writes it with one `write` at the end of the current
 * tick (a microtask), or at once when the buffer reaches 64 KiB; `flush()` and `close()` write at once.
 * A written record survives a crash of the process; it survives a power loss only with
 * `fsync: 'always'` (fsync after every write, cursor update and new segment). Records still buffered
 * when the process dies are lost, and their seqs may be given out again after the restart. Delivery is
 * at least once: acks are written as a cursor naming the highest contiguously acked seq, at most every
 * 100 ms (at the end of the tick with `fsync: 'always'`), so after a crash entries acked since the last write, and entries acked out of order above an unacked
 * one, come back. A write that fails at the end of a tick goes to `onError` and is retried; until it
 * succeeds `append` answers the error (INTERNAL_ERROR) and `flush()` rejects with it.
 *
 * Bounds: the segment files never exceed `maxBytes` together (acked records count until their whole
 * segment is acked and deleted). When an append would exceed it, the OLDEST segments are deleted and
 * their unacked entries dropped and counted (`onDrop('size', n)`): drops happen a segment at a time (at
 * most 1/8 of `maxBytes` by default). Entries older than `maxAgeMs` are dropped on open and when `peek`
 * reaches them (`onDrop('age', n)`). A torn or damaged tail is cut off on open (`onDrop('corrupt', 1)`
 * per cut; records before it are kept); a record that fails its CRC or whose file is gone when `peek`
 * reads it back is dropped (`onDrop('corrupt', n)`). A message whose record (payload, topic,
 * properties and 32 bytes of framing) is larger than `maxBytes / 4` is refused with MESSAGE_TOO_LARGE.
 *
 * Memory: payloads are not kept: `peek` reads them back from disk, or from the at most ~64 KiB write
 * buffer. The index keeps about 100 bytes per unacked entry (seq, segment, offset, length, enqueuedAt),
 * so memory is bounded by `maxBytes` divided by the smallest record size.
 */
/** Longest a cursor-only change (acks, no new records) waits before it is written. */
const CURSOR_WRITE_MS = 100;

export class DiskQueue {
  readonly #s: Settings;
  readonly #log: SegmentLog;
  readonly #index = new EntryIndex<Segment>();
  #nextSeq = 1;
  #cursor = 0;
  #scheduled = false;
  #cursorTimer: NodeJS.Timeout | undefined;
  #writeError: CxpError | undefined;
  #closed = false;

  private constructor(settings: Settings) {
    this.#s = settings;
    this.#log = new SegmentLog(settings.dir, settings.fsync);
  }

  /** Opens (creating `dir` with mode 0700 if missing) and rebuilds the index. Rejects with a CxpError. */
  static async open(options: DiskQueueOptions): Promise<DiskQueue> {
    const settings = resolveDiskQueueSettings(options);
    await mkdir(settings.dir, { recursive: true, mode: 0o700 });
    await acquireLock(settings.dir);
    const queue = new DiskQueue(settings);
    try {
      await queue.#load();
    } catch (err) {
      queue.#closed = true;
      queue.#log.close();
      releaseLockSync(settings.dir);
      throw toCxpError(err);
    }
    return queue;
  }

  /** Entries not yet acked or dropped. */
  get size(): number {
    return this.#index.live;
  }

  /** Bytes of the segment files, buffered records included. */
  get bytes(): number {
    return this.#log.bytes;
  }

  /** Stores a message; answers its seq (increasing, kept across restarts). May drop the oldest entries. */
  append(message: QueuedMessage): Result<number> {
    if (this.#closed) return fail('INTERNAL_ERROR', 'the disk queue is closed', { retryable: false });
    const seq = this.#nextSeq;
    const enqueuedAt = this.#s.clock.now();
    const encoded = encodeRecord({ ...message, seq, enqueuedAt });
    if (!encoded.ok) return encoded;
    const record = encoded.value;
    if (record.length > this.#s.maxRecordBytes) {
      return fail('MESSAGE_TOO_LARGE', 'the message is too large for the disk queue', {
        details: { limit: this.#s.maxRecordBytes, size: record.length },
      });
    }
    let dropped: number;
    try {
      if (this.#writeError !== undefined) this.#flushNow();
      this.#rotateIfFull(record.length);
      dropped = this.#makeRoom(record.length);
    } catch (err) {
      return { ok: false, error: toCxpError(err) };
    }
    const { segment, offset } = this.#log.append(record);
    this.#index.add({ seq, segment, offset, length: record.length, enqueuedAt });
    this.#nextSeq = seq + 1;
    if (this.#log.pendingBytes >= GROUP_COMMIT_BYTES) this.#tryFlush();
    else this.#schedule();
    if (dropped > 0) this.#s.onDrop?.('size', dropped);
    return ok(seq);
  }

  /** Up to `max` unacked entries from the head, oldest first; expired or damaged ones are dropped. */
  peek(max: number): QueuedEntry[] {
    const out: QueuedEntry[] = [];
    if (this.#closed || !(max > 0)) return out;
    const oldest = this.#s.clock.now() - this.#s.maxAgeMs;
    const fds = new Map<Segment, number>();
    let expired = 0;
    let corrupt = 0;
    try {
      for (const entry of this.#index.liveEntries()) {
        if (out.length >= max) break;
        const decoded = entry.enqueuedAt < oldest ? 'expired' : this.#read(entry, fds);
        if (typeof decoded === 'object') {
          out.push(decoded);
          continue;
        }
        this.#index.consume(entry);
        if (decoded === 'expired') expired++;
        else corrupt++;
      }
    } catch (err) {
      this.#s.onError?.(toCxpError(err)); // a read failed: hand out what was read
    } finally {
      for (const fd of fds.values()) closeSync(fd);
    }
    this.#advance();
    if (expired > 0) this.#s.onDrop?.('age', expired);
    if (corrupt > 0) this.#s.onDrop?.('corrupt', corrupt);
    return out;
  }

  /** Acknowledges one entry, in any order; unknown or repeated seqs are ignored. */
  ack(seq: number): void {
    if (this.#closed) return;
    const entry = this.#index.find(seq);
    if (entry === undefined || !this.#index.consume(entry)) return;
    this.#advance();
  }

  /** Writes buffered records and the ack cursor now (and fsyncs with `fsync: 'always'`). */
  flush(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    try {
      this.#flushNow();
      return Promise.resolve();
    } catch (err) {
      this.#writeError = toCxpError(err);
      return Promise.reject(this.#writeError);
    }
  }

  /** Flushes, then releases the files and the directory lock. Idempotent. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    let error: CxpError | undefined;
    try {
      this.#flushNow();
    } catch (err) {
      error = toCxpError(err);
    }
    this.#closed = true;
    clearTimeout(this.#cursorTimer);
    this.#cursorTimer = undefined;
    this.#log.close();
    releaseLockSync(this.#s.dir);
    return error === undefined ? Promise.resolve() : Promise.reject(error);
  }

  async #load(): Promise<void> {
    this.#cursor = await readCursor(this.#s.dir);
    let lastSeq = 0;
    let corrupt = 0;
    for (const file of await listSegments(this.#s.dir)) {
      const scan = await scanSegment(file.path, lastSeq);
      if (scan.truncated) corrupt++;
      const segment = this.#log.adopt(file.firstSeq, file.path, scan.size);
      for (const { seq, offset, length, enqueuedAt } of scan.records) {
        if (seq > this.#cursor) this.#index.add({ seq, segment, offset, length, enqueuedAt });
        lastSeq = seq;
      }
      this.#nextSeq = Math.max(this.#nextSeq, file.firstSeq, lastSeq + 1);
    }
    this.#nextSeq = Math.max(this.#nextSeq, this.#cursor + 1);
    this.#log.openForAppend(this.#nextSeq);
    const expired = this.#index.consumeBefore(this.#s.clock.now() - this.#s.maxAgeMs);
    const dropped = this.#makeRoom(0);
    this.#deleteConsumedSegments();
    if (corrupt > 0) this.#s.onDrop?.('corrupt', corrupt);
    if (expired > 0) this.#s.onDrop?.('age', expired);
    if (dropped > 0) this.#s.onDrop?.('size', dropped);
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#tryFlush();
    });
  }

  #tryFlush(): void {
    if (this.#closed) return;
    try {
      this.#flushNow();
    } catch (err) {
      this.#writeError = toCxpError(err);
      this.#s.onError?.(this.#writeError);
    }
  }

  /** Writes buffered records, then the cursor, then deletes fully consumed segments. Throws on failure. */
  #flushNow(): void {
    this.#log.writePending();
    const target = this.#cursorTarget();
    if (target !== this.#cursor) {
      writeCursorSync(this.#s.dir, target, this.#s.fsync);
      this.#cursor = target;
    }
    this.#deleteConsumedSegments();
    this.#writeError = undefined;
  }

  #rotateIfFull(recordBytes: number): void {
    const current = this.#log.current;
    if (current.size === 0 || current.size + recordBytes <= this.#s.segmentBytes) return;
    this.#log.writePending();
    this.#log.startSegment(this.#nextSeq);
  }

  /** Deletes the oldest segments until `recordBytes` more fit; answers how many live entries went. */
  #makeRoom(recordBytes: number): number {
    let dropped = 0;
    for (;;) {
      const oldest = this.#log.oldest;
      if (this.#log.bytes + recordBytes <= this.#s.maxBytes || oldest === undefined || oldest.size === 0)
        break;
      dropped += this.#index.consumeLeading(oldest);
      this.#log.removeOldest(this.#nextSeq);
    }
    this.#advance();
    return dropped;
  }

  /**
   * Moves the index head on and schedules a cursor write when the head moved. A cursor-only change
   * is written at most every CURSOR_WRITE_MS (with `fsync: 'always'`, at the end of the tick): one
   * atomic rename per acknowledgement was the largest CPU cost of a gateway sending a few QoS 1
   * messages per job (bench/zebra, bench/ipp). Appended records are still written every tick; an ack
   * lost in a crash only means a message delivered again (at least once).
   */
  #advance(): void {
    this.#index.advance();
    if (this.#cursorTarget() === this.#cursor) return;
    if (this.#s.fsync) this.#schedule();
    else if (this.#cursorTimer === undefined) {
      this.#cursorTimer = setTimeout(() => {
        this.#cursorTimer = undefined;
        this.#tryFlush();
      }, CURSOR_WRITE_MS);
      this.#cursorTimer.unref();
    }
  }

  /** The highest seq at and below which every entry is consumed. */
  #cursorTarget(): number {
    const head = this.#index.head;
    return head === undefined ? this.#nextSeq - 1 : head.seq - 1;
  }

  /** Deletes the segments before the one holding the head entry (never the current one). */
  #deleteConsumedSegments(): void {
    const keep = this.#index.head?.segment ?? this.#log.current;
    while (this.#log.count > 1 && this.#log.oldest !== keep) this.#log.removeOldest(this.#nextSeq);
  }

  /** Reads an entry back; undefined when its record is damaged or missing. */
  #read(entry: Entry, fds: Map<Segment, number>): QueuedEntry | undefined {
    const decoded = decodeRecord(this.#log.read(entry.segment, entry.offset, entry.length, fds));
    return decoded?.seq === entry.seq ? decoded : undefined;
  }
}
