/**
 * Liveness of one serial device, as a pure state machine on a monotonic clock (ms): whether its
 * port is open, whether it has sent anything within its expected interval, and whether its frames
 * keep failing. What it concludes is a view (state and faults) that the bridge writes to context
 * for the safety supervisor and to /metrics.
 */

export type LivenessState = 'opening' | 'ok' | 'noisy' | 'silent' | 'disconnected';

export type LivenessFaultCode = 'DEVICE_OFFLINE' | 'DEVICE_SILENT' | 'DEVICE_NOISY';

export interface LivenessFault {
  code: LivenessFaultCode;
  message: string;
}

export interface LivenessView {
  /** The port is open. */
  online: boolean;
  /** The worst condition: disconnected, then silent, then noisy. */
  state: LivenessState;
  faults: LivenessFault[];
  /** Monotonic ms of the last frame or poll answer, undefined when none since start. */
  lastDataAt: number | undefined;
}

export interface LivenessOptions {
  /** Longest expected silence; undefined: silence is not a fault. */
  expectEveryMs: number | undefined;
  /** This many errors within burstWindowMs make the device noisy. */
  burstCount: number;
  burstWindowMs: number;
}

export class Liveness {
  readonly #o: LivenessOptions;
  /** Times of the last burstCount errors, a ring. */
  readonly #errors: Float64Array;
  #errorCount = 0;
  #next = 0;
  #open = false;
  #everOpened = false;
  #openedAt = 0;
  #closedReason = 'not opened yet';
  #lastData: number | undefined;
  #key = '';

  constructor(options: LivenessOptions) {
    this.#o = options;
    this.#errors = new Float64Array(options.burstCount);
  }

  opened(now: number): void {
    this.#open = true;
    this.#everOpened = true;
    this.#openedAt = now;
  }

  closed(reason: string): void {
    this.#open = false;
    this.#closedReason = reason;
  }

  data(now: number): void {
    this.#lastData = now;
  }

  error(now: number): void {
    this.#errors[this.#next] = now;
    this.#next = (this.#next + 1) % this.#errors.length;
    this.#errorCount = Math.min(this.#errorCount + 1, this.#errors.length);
  }

  /** Whether the last burstCount errors all fell within the window ending at `now`. O(1). */
  noisy(now: number): boolean {
    return this.#errorCount === this.#errors.length && this.#oldest() > now - this.#o.burstWindowMs;
  }

  /** The oldest of the errors held (the next one the ring overwrites). */
  #oldest(): number {
    return this.#errors[this.#errorCount === this.#errors.length ? this.#next : 0] ?? 0;
  }

  view(now: number): LivenessView {
    const faults: LivenessFault[] = [];
    if (!this.#open) faults.push({ code: 'DEVICE_OFFLINE', message: this.#closedReason });
    else {
      const silence = this.#silence(now);
      if (silence !== undefined) faults.push({ code: 'DEVICE_SILENT', message: silence });
    }
    if (this.noisy(now))
      faults.push({
        code: 'DEVICE_NOISY',
        message: `${this.#o.burstCount} frame or decode errors within ${this.#o.burstWindowMs} ms`,
      });
    const state: LivenessState = !this.#open
      ? this.#everOpened
        ? 'disconnected'
        : 'opening'
      : faults.some((f) => f.code === 'DEVICE_SILENT')
        ? 'silent'
        : faults.length > 0
          ? 'noisy'
          : 'ok';
    return { online: this.#open, state, faults, lastDataAt: this.#lastData };
  }

  /** The view when its state, fault codes or closed reason changed since the last call that returned one. */
  changed(now: number): LivenessView | undefined {
    const v = this.view(now);
    // The reason a port is not open is part of the change (not opened yet -> cannot open: ENOENT).
    const key = `${v.state}|${v.faults.map((f) => f.code).join(',')}|${this.#open ? '' : this.#closedReason}`;
    if (key === this.#key) return undefined;
    this.#key = key;
    return v;
  }

  /** When the view can next change without new input (silence begins, a burst ages out). */
  nextCheck(now: number): number | undefined {
    const times: number[] = [];
    const every = this.#o.expectEveryMs;
    if (this.#open && every !== undefined) {
      const since = Math.max(this.#lastData ?? this.#openedAt, this.#openedAt);
      if (since + every > now) times.push(since + every);
    }
    if (this.noisy(now)) times.push(this.#oldest() + this.#o.burstWindowMs);
    return times.length === 0 ? undefined : Math.min(...times);
  }

  #silence(now: number): string | undefined {
    const every = this.#o.expectEveryMs;
    if (every === undefined) return undefined;
    const last = this.#lastData;
    if (last === undefined || last < this.#openedAt) {
      const waited = now - this.#openedAt;
      if (waited < every) return undefined;
      return last === undefined
        ? `no data since the port opened ${Math.round(waited)} ms ago (expected every ${every} ms)`
        : `no data since the port reopened ${Math.round(waited)} ms ago (expected every ${every} ms)`;
    }
    const quiet = now - last;
    return quiet >= every ? `no data for ${Math.round(quiet)} ms (expected every ${every} ms)` : undefined;
  }
}
