import type { Socket } from 'node:net';

/** Replies queued behind a delay are capped; past this many the session stops reading (back-pressure). */
export const MAX_QUEUED_REPLIES = 1000;
/** Unread output past this many bytes makes the session stop reading until the client catches up. */
export const MAX_OUTPUT_BACKLOG = 1 << 20;

/**
 * One raw TCP session with the emulated printer: its socket, its answers waiting for their delay
 * (kept in order) and every timer it owns, so closing it leaves nothing behind.
 */
export class Session {
  readonly socket: Socket;
  /** Reading was started (the session is the active one and its accept delay is over). */
  reading = false;
  /** The client sent FIN. */
  ended = false;
  readonly #onFlushed: () => void;
  readonly #replies: { due: number; text: string }[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  #replyTimer: NodeJS.Timeout | undefined;
  #idleTimer: NodeJS.Timeout | undefined;

  /** onFlushed runs whenever the delayed replies have all been written. */
  constructor(socket: Socket, onFlushed: () => void) {
    this.socket = socket;
    this.#onFlushed = onFlushed;
  }

  get repliesPending(): number {
    return this.#replies.length;
  }

  /** Too much is waiting to go out: stop taking input until it has. */
  get backlogged(): boolean {
    return this.#replies.length >= MAX_QUEUED_REPLIES || this.socket.writableLength >= MAX_OUTPUT_BACKLOG;
  }

  get open(): boolean {
    return !this.socket.destroyed;
  }

  /** Sends an answer after delayMs, never before an answer queued earlier. */
  reply(text: string, delayMs: number): void {
    if (delayMs <= 0 && this.#replies.length === 0) {
      this.#write(text);
      return;
    }
    const last = this.#replies.at(-1)?.due ?? 0;
    this.#replies.push({ due: Math.max(performance.now() + delayMs, last), text });
    this.#drain();
  }

  /** Runs fn after ms unless the session is disposed first. */
  later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
  }

  /** (Re)starts the idle timer; undefined or 0 disarms it. */
  armIdle(ms: number | undefined, onIdle: () => void): void {
    this.disarmIdle();
    if (ms === undefined || !(ms > 0)) return;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      onIdle();
    }, ms);
  }

  disarmIdle(): void {
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
  }

  /** Clears every timer and drops unsent replies. */
  dispose(): void {
    this.disarmIdle();
    if (this.#replyTimer !== undefined) clearTimeout(this.#replyTimer);
    this.#replyTimer = undefined;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#replies.length = 0;
  }

  #drain(): void {
    if (this.#replyTimer !== undefined) return;
    for (let head = this.#replies[0]; head !== undefined; head = this.#replies[0]) {
      const wait = head.due - performance.now();
      if (wait > 0) {
        this.#replyTimer = setTimeout(() => {
          this.#replyTimer = undefined;
          this.#drain();
        }, Math.ceil(wait));
        return;
      }
      this.#replies.shift();
      this.#write(head.text);
    }
    this.#onFlushed();
  }

  #write(text: string): void {
    if (this.open && this.socket.writable) this.socket.write(text, 'latin1');
  }
}
