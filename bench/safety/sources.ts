/**
 * The heartbeat sources: N of them on one MQTT.js client, each publishing `{"seq": n}` on
 * `bench/hb/<i>` every period (QoS 0), their phases spread evenly over the period. A source can be
 * stopped (its last send time is kept) and resumed (it sends at once, then every period again).
 * `seq` counts over all sources, so a subscriber to `bench/hb/+` can find each message's send time
 * and measure the broker's own publish -> subscriber latency (the echo).
 */
import type { MqttClient } from 'mqtt';

/** Send times of the last RING messages, by seq. */
const RING = 1 << 14;
/** Send times kept per source (a few seconds' worth), to find gaps in its own sending. */
const HISTORY = 128;

export interface SourcesOptions {
  client: MqttClient;
  count: number;
  periodMs: number;
}

export class HeartbeatSources {
  readonly #o: SourcesOptions;
  readonly #timers: (NodeJS.Timeout | undefined)[];
  readonly #lastSent: number[];
  readonly #sentAt = new Float64Array(RING);
  readonly #history: Float64Array[];
  readonly #sends: number[];
  #seq = 0;
  /** Where echo latencies go while a phase records them. */
  #echo: number[] | undefined;

  constructor(o: SourcesOptions) {
    this.#o = o;
    this.#timers = Array.from({ length: o.count }, () => undefined);
    this.#lastSent = Array.from({ length: o.count }, () => NaN);
    this.#history = Array.from({ length: o.count }, () => new Float64Array(HISTORY));
    this.#sends = Array.from({ length: o.count }, () => 0);
  }

  get count(): number {
    return this.#o.count;
  }

  topic(i: number): string {
    return `bench/hb/${i}`;
  }

  /** Starts every source, the i-th after i/count of a period. */
  start(): void {
    for (let i = 0; i < this.#o.count; i++) {
      const timer = setTimeout(
        () => {
          this.resume(i);
        },
        (i * this.#o.periodMs) / this.#o.count,
      );
      this.#timers[i] = timer;
    }
  }

  running(i: number): boolean {
    return this.#timers[i] !== undefined;
  }

  /** Stops source i; returns the time (performance.now()) of its last send. */
  stop(i: number): number {
    clearTimeout(this.#timers[i]);
    clearInterval(this.#timers[i]);
    this.#timers[i] = undefined;
    return this.#lastSent[i] ?? NaN;
  }

  /** Sends from source i now, then every period; returns the send time. */
  resume(i: number): number {
    this.stop(i);
    this.#send(i);
    this.#timers[i] = setInterval(() => {
      this.#send(i);
    }, this.#o.periodMs);
    return this.#lastSent[i] ?? NaN;
  }

  /**
   * The longest time source i went without sending in the `windowMs` before `at` (the time since its
   * last send included): when this process stalls, a source it means to keep beating goes silent.
   */
  longestSilence(i: number, at: number, windowMs: number): number {
    const history = this.#history[i];
    const sends = this.#sends[i] ?? 0;
    if (!history) return NaN;
    let longest = 0;
    let later = at;
    for (let k = sends - 1; k >= Math.max(0, sends - HISTORY); k--) {
      const t = history[k % HISTORY] ?? NaN;
      if (t > at) continue;
      longest = Math.max(longest, later - t);
      if (t < at - windowMs) break;
      later = t;
    }
    return longest;
  }

  close(): void {
    for (let i = 0; i < this.#o.count; i++) this.stop(i);
  }

  /** Echo latencies (ms) of every heartbeat received from now on go to `into` (undefined: nowhere). */
  recordEcho(into: number[] | undefined): void {
    this.#echo = into;
  }

  /** The subscriber's message handler: finds the send time of a heartbeat it received. */
  readonly onEcho = (topic: string, payload: Buffer): void => {
    if (!this.#echo || !topic.startsWith('bench/hb/')) return;
    const at = performance.now();
    const seq = (JSON.parse(payload.toString('utf8')) as { seq?: unknown }).seq;
    if (typeof seq !== 'number' || seq > this.#seq || this.#seq - seq >= RING) return;
    this.#echo.push(at - (this.#sentAt[seq % RING] ?? NaN));
  };

  #send(i: number): void {
    const seq = ++this.#seq;
    const t = performance.now();
    this.#sentAt[seq % RING] = t;
    this.#lastSent[i] = t;
    const n = this.#sends[i] ?? 0;
    const history = this.#history[i];
    if (history) history[n % HISTORY] = t;
    this.#sends[i] = n + 1;
    this.#o.client.publish(this.topic(i), `{"seq":${seq}}`, { qos: 0 });
  }
}
