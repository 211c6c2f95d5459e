import { CxpError, fail, type Result } from '../../src/cxp/errors.js';

/**
 * The write side of one serial port: exchanges (bytes out, optionally a reply in) run one at a
 * time in submission order, so a command and its answer are never interleaved with another, and a
 * Modbus poll never talks over a write. Commands wait in a bounded queue (DEVICE_BUSY beyond it);
 * polls are not counted against it (the poller keeps at most one of each in flight).
 */

/** What the port hands the waiting exchange: a raw chunk (Modbus) or a whole frame (stream). */
export interface ReplyReader<R> {
  /**
   * undefined: not part of the reply, the port decodes it as usual; 'more': taken, keep waiting;
   * a Result: the reply is complete (or wrong).
   */
  take(input: Buffer): Result<R> | 'more' | undefined;
  /** Forget partial input before a retry. */
  reset(): void;
}

export interface Exchange<R> {
  bytes: Uint8Array;
  /** Absent: done once the bytes are written. */
  reader?: ReplyReader<R>;
  timeoutMs: number;
  /** Repeats after a timeout or a MALFORMED_MESSAGE reply. */
  retries: number;
  /** Counted against the queue's capacity (commands) or not (polls). */
  counted: boolean;
  /** What the exchange is, for error messages. */
  what: string;
}

export interface ExchangeQueueOptions {
  capacity: number;
  /** Writes bytes; resolves once they are handed to the OS (or with the coded failure). */
  write(bytes: Uint8Array): Promise<Result<void>>;
  /** Silence kept between the end of one exchange and the next write (Modbus t3.5), ms. */
  gapMs: number;
}

interface Queued {
  exchange: Exchange<unknown>;
  resolve(result: Result<unknown>): void;
  attempt: number;
}

export class ExchangeQueue {
  readonly #o: ExchangeQueueOptions;
  readonly #queue: Queued[] = [];
  #current: Queued | undefined;
  #waiting: Queued | undefined;
  #timer: NodeJS.Timeout | undefined;
  #counted = 0;
  #busy = false;

  constructor(options: ExchangeQueueOptions) {
    this.#o = options;
  }

  /** Commands waiting or running. */
  get pending(): number {
    return this.#counted;
  }

  /** An exchange is waiting for its reply. */
  get awaitingReply(): boolean {
    return this.#waiting !== undefined;
  }

  submit<R>(exchange: Exchange<R>): Promise<Result<R | undefined>> {
    if (exchange.counted && this.#counted >= this.#o.capacity)
      return Promise.resolve(
        fail('DEVICE_BUSY', `${this.#o.capacity} commands already wait for this port`, {
          details: { capacity: this.#o.capacity },
        }),
      );
    return new Promise((resolve) => {
      if (exchange.counted) this.#counted++;
      this.#queue.push({
        exchange: exchange,
        resolve: resolve as (r: Result<unknown>) => void,
        attempt: 0,
      });
      this.#pump();
    });
  }

  /** Input for the exchange waiting for its reply; false when nothing took it. */
  offer(input: Buffer): boolean {
    const w = this.#waiting;
    if (!w?.exchange.reader) return false;
    const taken = w.exchange.reader.take(input);
    if (taken === undefined) return false;
    if (taken !== 'more') this.#replied(w, taken);
    return true;
  }

  /** Fails the running and every queued exchange (the port closed, or the bridge stops). */
  failAll(error: CxpError): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const all = [...(this.#current ? [this.#current] : []), ...this.#queue.splice(0)];
    this.#current = undefined;
    this.#waiting = undefined;
    this.#busy = false;
    this.#counted = 0;
    for (const q of all) q.resolve({ ok: false, error });
  }

  #pump(): void {
    if (this.#busy) return;
    const next = this.#queue.shift();
    if (!next) return;
    this.#busy = true;
    this.#current = next;
    void this.#run(next);
  }

  async #run(q: Queued): Promise<void> {
    const { exchange } = q;
    exchange.reader?.reset();
    if (exchange.reader) this.#waiting = q; // a reply may start before the write callback
    const written = await this.#o.write(exchange.bytes);
    if (this.#current !== q) return; // failed meanwhile
    if (!written.ok) {
      this.#finish(q, written);
      return;
    }
    if (!exchange.reader) {
      this.#finish(q, { ok: true, value: undefined });
      return;
    }
    if (this.#waiting !== q) return; // the reply is already complete
    this.#timer = setTimeout(() => {
      this.#replied(
        q,
        fail('DEVICE_TIMEOUT', `no reply to ${exchange.what} within ${exchange.timeoutMs} ms`, {
          details: { timeout_ms: exchange.timeoutMs, attempt: q.attempt + 1 },
        }),
      );
    }, exchange.timeoutMs);
  }

  #replied(q: Queued, result: Result<unknown>): void {
    if (this.#waiting !== q) return;
    this.#waiting = undefined;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const retryable =
      !result.ok && (result.error.code === 'DEVICE_TIMEOUT' || result.error.code === 'MALFORMED_MESSAGE');
    if (retryable && q.attempt < q.exchange.retries) {
      q.attempt++;
      this.#afterGap(() => {
        if (this.#current === q) void this.#run(q);
      });
      return;
    }
    this.#finish(q, result);
  }

  #finish(q: Queued, result: Result<unknown>): void {
    if (this.#current !== q) return;
    if (this.#waiting === q) this.#waiting = undefined;
    if (q.exchange.counted) this.#counted--;
    q.resolve(result);
    this.#afterGap(() => {
      if (this.#current !== q) return;
      this.#current = undefined;
      this.#busy = false;
      this.#pump();
    });
  }

  #afterGap(then: () => void): void {
    if (this.#o.gapMs <= 0) {
      queueMicrotask(then);
      return;
    }
    this.#timer = setTimeout(then, this.#o.gapMs);
  }
}
