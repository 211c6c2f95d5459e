/** The in-memory index of the store-and-forward queue. Pure: no I/O. */

export interface IndexEntry<S> {
  readonly seq: number;
  /** The segment holding the record. */
  readonly segment: S;
  readonly offset: number;
  readonly length: number;
  readonly enqueuedAt: number;
  /** Acked, or dropped by age, size or damage. */
  consumed: boolean;
}

export type NewIndexEntry<S> = Omit<IndexEntry<S>, 'consumed'>;

/** Compaction threshold: consumed entries before the head are cut off past this many. */
const COMPACT_AFTER = 1024;

/**
 * Entries in increasing seq order (gaps allowed), with the head at the first unconsumed one.
 * Consumed entries past the head (out-of-order acks) stay until the head moves over them.
 */
export class EntryIndex<S> {
  #entries: IndexEntry<S>[] = [];
  #head = 0;
  #live = 0;

  /** Entries not consumed. */
  get live(): number {
    return this.#live;
  }

  /** The oldest unconsumed entry (as of the last `advance`). */
  get head(): IndexEntry<S> | undefined {
    return this.#entries[this.#head];
  }

  /** Adds an entry with a seq above every other. */
  add(fields: NewIndexEntry<S>): IndexEntry<S> {
    const entry: IndexEntry<S> = { ...fields, consumed: false };
    this.#entries.push(entry);
    this.#live++;
    return entry;
  }

  /** Marks an entry consumed; true when it was live. Call `advance` afterwards. */
  consume(entry: IndexEntry<S>): boolean {
    if (entry.consumed) return false;
    entry.consumed = true;
    this.#live--;
    return true;
  }

  /** The entry with this seq at or after the head (binary search). */
  find(seq: number): IndexEntry<S> | undefined {
    let lo = this.#head;
    let hi = this.#entries.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const entry = this.#entries[mid];
      if (entry === undefined) return undefined;
      if (entry.seq === seq) return entry;
      if (entry.seq < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** Unconsumed entries from the head, oldest first. Consuming while iterating is allowed. */
  *liveEntries(): Generator<IndexEntry<S>> {
    for (let i = this.#head; i < this.#entries.length; i++) {
      const entry = this.#entries[i];
      if (entry !== undefined && !entry.consumed) yield entry;
    }
  }

  /** Consumes the entries of `segment` found at the head; answers how many were live. */
  consumeLeading(segment: S): number {
    let count = 0;
    for (let i = this.#head; i < this.#entries.length; i++) {
      const entry = this.#entries[i];
      if (entry?.segment !== segment) break;
      if (this.consume(entry)) count++;
    }
    return count;
  }

  /** Consumes every live entry enqueued before `time`; answers how many. */
  consumeBefore(time: number): number {
    let count = 0;
    for (const entry of this.liveEntries()) if (entry.enqueuedAt < time && this.consume(entry)) count++;
    return count;
  }

  /** Moves the head over consumed entries, cutting them off now and then. */
  advance(): void {
    while (this.#entries[this.#head]?.consumed === true) this.#head++;
    if (this.#head > COMPACT_AFTER && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }
}
