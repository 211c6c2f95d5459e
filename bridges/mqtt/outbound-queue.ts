import { fail, ok, type Result } from '../../src/cxp/errors.js';
import type { Clock } from '../../src/cxp/clock.js';

import type { QueuedEntry, QueuedMessage } from './store-forward-record.js';

export type { QueuedEntry, QueuedMessage };

/**
 * The FIFO every QoS 1/2 publish goes through. The disk implementation (store-forward.ts) survives
 * restarts; the memory one below is used when store-and-forward is disabled. Both are bounded.
 */
export interface OutboundQueue {
  append(message: QueuedMessage): Result<number>;
  /** Unacknowledged entries from the head, oldest first, at most `max`. */
  peek(max: number): QueuedEntry[];
  ack(seq: number): void;
  readonly size: number;
  close(): Promise<void>;
}

export interface MemoryOutboundQueueOptions {
  maxMessages: number;
  maxAgeMs: number;
  clock: Clock;
  onDrop?: (reason: 'size' | 'age', count: number) => void;
}

/** Bounded in-memory FIFO: beyond `maxMessages` the oldest are dropped; entries expire after `maxAgeMs`. */
export class MemoryOutboundQueue implements OutboundQueue {
  readonly #o: MemoryOutboundQueueOptions;
  #entries: QueuedEntry[] = [];
  readonly #acked = new Set<number>();
  #seq = 0;
  #closed = false;

  constructor(options: MemoryOutboundQueueOptions) {
    this.#o = options;
  }

  get size(): number {
    return this.#entries.length - this.#acked.size;
  }

  append(message: QueuedMessage): Result<number> {
    if (this.#closed) return fail('INTERNAL_ERROR', 'the outbound queue is closed', { retryable: false });
    this.#seq += 1;
    this.#entries.push({ ...message, seq: this.#seq, enqueuedAt: this.#o.clock.now() });
    const excess = this.size - this.#o.maxMessages;
    if (excess > 0) this.#dropOldest(excess);
    return ok(this.#seq);
  }

  peek(max: number): QueuedEntry[] {
    this.#expire();
    const out: QueuedEntry[] = [];
    for (const e of this.#entries) {
      if (out.length >= max) break;
      if (!this.#acked.has(e.seq)) out.push(e);
    }
    return out;
  }

  ack(seq: number): void {
    this.#acked.add(seq);
    while (this.#entries.length > 0 && this.#acked.has(this.#entries[0]?.seq ?? -1)) {
      this.#acked.delete(this.#entries.shift()?.seq ?? -1);
    }
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  #dropOldest(count: number): void {
    let dropped = 0;
    this.#entries = this.#entries.filter((e) => {
      if (dropped >= count || this.#acked.has(e.seq)) return true;
      dropped += 1;
      return false;
    });
    this.#o.onDrop?.('size', dropped);
  }

  #expire(): void {
    const limit = this.#o.clock.now() - this.#o.maxAgeMs;
    const before = this.#entries.length;
    this.#entries = this.#entries.filter((e) => e.enqueuedAt >= limit || this.#acked.has(e.seq));
    if (this.#entries.length < before) this.#o.onDrop?.('age', before - this.#entries.length);
  }
}
