import { CxpError } from '../cxp/errors.js';

/** Largest capacity accepted: the ring is allocated up front. */
export const MAX_QUEUE_CAPACITY = 1 << 24;

export const QUEUE_POLICIES = ['block', 'drop-oldest', 'drop-newest'] as const;
/**
 * What a full queue does with a new item (house style §11): `block` refuses it and the producer waits
 * for space (nothing is dropped or counted), `drop-oldest` discards the oldest item held to make room,
 * `drop-newest` discards the new item. Both drop policies count what they discard.
 */
export type QueuePolicy = (typeof QUEUE_POLICIES)[number];

/** The outcome of `push`: only `queued` and `dropped_oldest` mean the new item is held. */
export type PushOutcome = 'queued' | 'dropped_oldest' | 'dropped_newest' | 'full';

export interface BoundedQueueOptions {
  /** Items held at most; an integer from 1 to MAX_QUEUE_CAPACITY. */
  readonly capacity: number;
  readonly policy: QueuePolicy;
}

/** A bounded FIFO on a ring buffer: push and shift are O(1). Pure: no timers, no I/O. */
export class BoundedQueue<T> {
  readonly capacity: number;
  readonly policy: QueuePolicy;
  readonly #ring: (T | undefined)[];
  #head = 0;
  #size = 0;
  #dropped = 0;
  #waiters: (() => void)[] = [];

  /** Throws a CxpError (INTERNAL_ERROR) for a capacity that is not an integer in range. */
  constructor(options: BoundedQueueOptions) {
    const { capacity } = options;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_QUEUE_CAPACITY) {
      throw new CxpError(
        'INTERNAL_ERROR',
        `queue capacity must be an integer from 1 to ${MAX_QUEUE_CAPACITY}`,
        {
          details: { capacity },
          retryable: false,
        },
      );
    }
    this.capacity = capacity;
    this.policy = options.policy;
    this.#ring = new Array<T | undefined>(capacity).fill(undefined);
  }

  /** Items held now. */
  get size(): number {
    return this.#size;
  }

  /** Items discarded by a drop policy since construction (never reset; export it as a counter). */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Offers an item. On a full queue: `block` answers `full` and keeps nothing (wait with
   * `waitForSpace()` and push again); `drop-oldest` discards the head; `drop-newest` discards `item`.
   */
  push(item: T): PushOutcome {
    if (this.#size < this.capacity) {
      this.#write(item);
      return 'queued';
    }
    switch (this.policy) {
      case 'block':
        return 'full';
      case 'drop-newest':
        this.#dropped++;
        return 'dropped_newest';
      case 'drop-oldest':
        // Full ring: the tail slot is the head slot, so overwrite the oldest and move the head on.
        this.#ring[this.#head] = item;
        this.#head = (this.#head + 1) % this.capacity;
        this.#dropped++;
        return 'dropped_oldest';
    }
  }

  /** Removes and returns the oldest item, or undefined when empty. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const item = this.#ring[this.#head];
    this.#ring[this.#head] = undefined; // let the item be collected
    this.#head = (this.#head + 1) % this.capacity;
    this.#size--;
    this.#wake();
    return item;
  }

  /** Discards every held item (not counted as dropped) and wakes blocked producers. */
  clear(): void {
    this.#ring.fill(undefined);
    this.#head = 0;
    this.#size = 0;
    this.#wake();
  }

  /**
   * Resolves once the queue has room (at once if it has room now). All waiting producers are woken
   * together when room appears, so with several producers one may find the queue full again and must
   * wait again. With `signal`, rejects with its reason when it aborts.
   */
  waitForSpace(signal?: AbortSignal): Promise<void> {
    if (this.#size < this.capacity) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(toError(signal.reason));
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(toError(signal?.reason));
      };
      const waiter = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.#waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #write(item: T): void {
    this.#ring[(this.#head + this.#size) % this.capacity] = item;
    this.#size++;
  }

  #wake(): void {
    if (this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter();
  }
}

function toError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
