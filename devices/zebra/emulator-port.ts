import type { Socket } from 'node:net';
import type { ReplyTarget, ZebraDevice, ZebraScript } from './emulator-device.js';
import { Session } from './emulator-session.js';

/** After the printer ends an idle session, the socket is destroyed if the client has not closed by then. */
const IDLE_CLOSE_GRACE_MS = 1000;

export interface RawPortOptions {
  device: ZebraDevice;
  /** The current script (read on every use: it may be replaced at any time). */
  script(): ZebraScript;
  /** Connections allowed to wait behind the active one; more are reset. */
  maxWaitingConnections: number;
  /** Received input was parsed (the caller checks whether the printer is idle). */
  onParsed(): void;
}

interface Received {
  readonly session: Session;
  readonly from: ReplyTarget;
  bytes: Buffer;
}

/**
 * The printer's raw TCP port: one session is read at a time, later ones wait unread (or are reset),
 * and reading stops while the receive buffer is full, so the client feels real TCP back-pressure.
 */
export class RawPort {
  readonly #options: RawPortOptions;
  readonly #waiting: Session[] = [];
  #active: Session | undefined;
  /** Received bytes not parsed yet (the receive buffer was full). */
  #input: Received[] = [];
  #pumping = false;
  /** Counts calls to pump(), including those made while it was running: each means "parse again". */
  #pumpRequests = 0;
  #accepted = 0;
  #closed = false;

  constructor(options: RawPortOptions) {
    this.#options = options;
  }

  /** Open connections: the active one and those waiting. */
  get connections(): number {
    return (this.#active === undefined ? 0 : 1) + this.#waiting.length;
  }

  get accepted(): number {
    return this.#accepted;
  }

  /** Bytes received and not parsed yet. */
  get inputPending(): boolean {
    return this.#input.length > 0;
  }

  /** The server's connection listener (the server must be created with pauseOnConnect). */
  accept(socket: Socket): void {
    this.#accepted++;
    socket.on('error', () => undefined); // a reset ends in 'close'
    const refused = this.connections > 0 && this.#options.script().refuseSecondConnection === true;
    if (this.#closed || refused || this.#waiting.length >= this.#options.maxWaitingConnections) {
      socket.resetAndDestroy();
      return;
    }
    socket.setNoDelay(true);
    const session = new Session(socket, () => {
      this.#finishIfDone(session);
      this.#flowControl();
    });
    socket.once('close', () => {
      this.#sessionClosed(session);
    });
    this.#waiting.push(session);
    this.#promote();
  }

  /** Parses received bytes until done or until the receive buffer is full. Safe to re-enter. */
  pump(): void {
    this.#pumpRequests++;
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (let seen = -1; seen !== this.#pumpRequests;) {
        seen = this.#pumpRequests;
        this.#parseInput();
      }
    } finally {
      this.#pumping = false;
    }
    this.#flowControl();
    this.#options.onParsed();
  }

  /** Destroys every session and drops unparsed input. */
  close(): void {
    this.#closed = true;
    this.#input = [];
    const sessions = this.#active === undefined ? [...this.#waiting] : [this.#active, ...this.#waiting];
    this.#active = undefined;
    this.#waiting.length = 0;
    for (const session of sessions) {
      session.dispose();
      session.socket.destroy();
    }
  }

  /** Makes the longest-waiting connection the active one once none is. */
  #promote(): void {
    if (this.#active !== undefined || this.#closed) return;
    const next = this.#waiting.shift();
    if (next === undefined) return;
    this.#active = next;
    const delay = this.#options.script().acceptDelayMs ?? 0;
    if (delay > 0) {
      next.later(delay, () => {
        this.#startReading(next);
      });
    } else this.#startReading(next);
  }

  #startReading(session: Session): void {
    if (!session.open) return;
    session.reading = true;
    const from: ReplyTarget = {
      reply: (text) => {
        session.reply(text, this.#options.script().replyDelayMs ?? 0);
      },
    };
    session.socket.on('data', (chunk: Buffer) => {
      this.#received(session, from, chunk);
    });
    session.socket.on('end', () => {
      session.ended = true;
      session.disarmIdle();
      this.#finishIfDone(session);
    });
    this.#armIdle(session);
    this.#flowControl();
  }

  #sessionClosed(session: Session): void {
    session.dispose();
    const waiting = this.#waiting.indexOf(session);
    if (waiting >= 0) this.#waiting.splice(waiting, 1);
    if (this.#active === session) {
      this.#active = undefined;
      this.#promote();
    }
  }

  #received(session: Session, from: ReplyTarget, chunk: Buffer): void {
    const script = this.#options.script();
    let bytes = chunk;
    const dropAfter = script.dropAfterBytes;
    const reset = dropAfter !== undefined && chunk.length >= dropAfter;
    if (dropAfter !== undefined) {
      script.dropAfterBytes = reset ? undefined : dropAfter - chunk.length;
      if (reset) bytes = chunk.subarray(0, Math.max(0, dropAfter));
    }
    if (bytes.length > 0) this.#input.push({ session, from, bytes });
    this.#armIdle(session);
    this.pump();
    if (reset) session.socket.resetAndDestroy();
  }

  #parseInput(): void {
    for (let item = this.#input[0]; item !== undefined; item = this.#input[0]) {
      const used = this.#options.device.feed(item.bytes, item.from);
      if (used < item.bytes.length) {
        item.bytes = item.bytes.subarray(used);
        return;
      }
      this.#input.shift();
      this.#finishIfDone(item.session);
    }
  }

  /** The active session is read only while its input gets parsed and its answers go out. */
  #flowControl(): void {
    const session = this.#active;
    if (session === undefined || !session.reading || !session.open) return;
    const socket = session.socket;
    if (this.#input.length > 0 || session.backlogged) {
      if (!socket.isPaused()) socket.pause();
      session.disarmIdle();
      if (session.backlogged && socket.writableLength > 0 && socket.listenerCount('drain') === 0) {
        socket.once('drain', () => {
          this.#flowControl();
        });
      }
    } else if (socket.isPaused()) {
      socket.resume();
      this.#armIdle(session);
    }
  }

  /** After the client's FIN: once its bytes are parsed and its answers sent, close our side too. */
  #finishIfDone(session: Session): void {
    if (!session.ended || !session.open || session.repliesPending > 0) return;
    if (this.#input.some((item) => item.session === session)) return;
    session.socket.end();
  }

  #armIdle(session: Session): void {
    if (session !== this.#active || session.ended) return;
    session.armIdle(this.#options.script().idleTimeoutMs, () => {
      if (this.#input.length > 0) return; // not reading, so not idle
      session.socket.end();
      session.later(IDLE_CLOSE_GRACE_MS, () => session.socket.destroy());
    });
  }
}
