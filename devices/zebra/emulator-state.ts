/**
 * The printing side of the Zebra emulator: the receive buffer of formats, the batch on the head, the
 * fault flags an operator (or a test) sets, and a print engine that takes `msPerLabel` per label.
 * No I/O: timers are injected, so it runs on real or fake time.
 */

export interface ZebraFaults {
  paperOut: boolean;
  ribbonOut: boolean;
  headOpen: boolean;
  paused: boolean;
  bufferFull: boolean;
  cutterFault: boolean;
  headOverTemp: boolean;
  headUnderTemp: boolean;
  motorOverTemp: boolean;
  /** ~HQES warning: media needs calibrating. */
  needCalibrate: boolean;
  /** ~HQES warning: clean the printhead. */
  cleanHead: boolean;
}

export const NO_FAULTS: Readonly<ZebraFaults> = Object.freeze({
  paperOut: false,
  ribbonOut: false,
  headOpen: false,
  paused: false,
  bufferFull: false,
  cutterFault: false,
  headOverTemp: false,
  headUnderTemp: false,
  motorOverTemp: false,
  needCalibrate: false,
  cleanHead: false,
});

/** Faults that stop the print engine (a label in progress is lost and printed again afterwards). */
const STOPPING: readonly (keyof ZebraFaults)[] = [
  'paperOut',
  'ribbonOut',
  'headOpen',
  'cutterFault',
  'headOverTemp',
  'motorOverTemp',
];

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

export interface PrintEngineOptions {
  msPerLabel: number;
  /** Receive buffer capacity in formats; at capacity the buffer is full. */
  maxBufferedFormats: number;
  timers: Timers;
  /** Labels left before the media runs out (undefined: never). Read and written by the engine. */
  mediaCountdown: { get(): number | undefined; set(value: number | undefined): void };
  /** A label came off the printer. formatIndex is -1 for a configuration label (`~WC`). */
  onPrinted(formatIndex: number, labelNumber: number): void;
  /** A format left the buffer or the buffer was cleared: there may be room for more input. */
  onRoom(): void;
}

interface Batch {
  readonly formatIndex: number;
  /** Labels of this batch printed so far. */
  done: number;
  remaining: number;
}

export class PrintEngine {
  readonly #options: PrintEngineOptions;
  readonly #queue: Batch[] = [];
  #faults: ZebraFaults = { ...NO_FAULTS };
  #timer: unknown;
  #printed = 0;
  #stopped = false;

  constructor(options: PrintEngineOptions) {
    this.#options = options;
  }

  get faults(): Readonly<ZebraFaults> {
    return { ...this.#faults };
  }

  get printed(): number {
    return this.#printed;
  }

  /** Formats waiting or printing. */
  get formatsInBuffer(): number {
    return this.#queue.length;
  }

  /** Labels still to print in the batch on the head. */
  get labelsRemaining(): number {
    return this.#queue[0]?.remaining ?? 0;
  }

  /** The receive buffer holds as many formats as it can. */
  get full(): boolean {
    return this.#queue.length >= this.#options.maxBufferedFormats;
  }

  get idle(): boolean {
    return this.#queue.length === 0;
  }

  /** A fault that stops printing is present (paused is not one). */
  get stopped(): boolean {
    return STOPPING.some((fault) => this.#faults[fault]);
  }

  setFaults(change: Partial<ZebraFaults>): void {
    this.#faults = { ...this.#faults, ...change };
    if (this.stopped) this.#cancelTimer();
    this.#schedule();
  }

  enqueue(formatIndex: number, quantity: number): void {
    this.#queue.push({ formatIndex, done: 0, remaining: quantity });
    this.#schedule();
  }

  /** `~JA`: everything in the buffer goes; a label on the head is finished first. */
  cancelAll(): void {
    const current = this.#queue[0];
    this.#queue.length = 0;
    if (current !== undefined && this.#timer !== undefined) {
      current.remaining = 1;
      this.#queue.push(current);
    }
    this.#options.onRoom();
  }

  /** `~JP`: pause, and cancel the format being printed (the label on the head included). */
  pauseAndCancelCurrent(): void {
    this.#cancelTimer();
    this.#faults.paused = true;
    if (this.#queue.shift() !== undefined) this.#options.onRoom();
  }

  /** Stops the engine for good (no more timers). */
  stop(): void {
    this.#stopped = true;
    this.#cancelTimer();
  }

  #schedule(): void {
    if (this.#stopped || this.#timer !== undefined || this.#queue.length === 0) return;
    if (this.#faults.paused || this.stopped) return;
    this.#timer = this.#options.timers.setTimeout(() => {
      this.#timer = undefined;
      this.#finishLabel();
    }, this.#options.msPerLabel);
  }

  #cancelTimer(): void {
    if (this.#timer === undefined) return;
    this.#options.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #finishLabel(): void {
    const batch = this.#queue[0];
    if (batch === undefined || this.stopped) return;
    const countdown = this.#options.mediaCountdown;
    const before = countdown.get();
    if (before !== undefined && before <= 0) {
      countdown.set(undefined);
      this.setFaults({ paperOut: true });
      return;
    }
    batch.remaining--;
    batch.done++;
    this.#printed++;
    if (batch.remaining === 0) this.#queue.shift();
    if (before !== undefined) countdown.set(before - 1);
    if (before === 1) {
      countdown.set(undefined);
      this.#faults.paperOut = true;
    }
    this.#options.onPrinted(batch.formatIndex, batch.done);
    if (batch.remaining === 0) this.#options.onRoom();
    this.#schedule();
  }
}
