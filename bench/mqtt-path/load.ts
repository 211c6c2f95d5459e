/**
 * One load phase: a publisher sends numbered messages (paced, or as fast as QoS 0 allows with the
 * socket's backpressure respected), a subscriber finds the numbers again, and the phase reports
 * delivered messages/s and one-way latency percentiles. Both clients live in this process, so one
 * monotonic clock (process.hrtime) stamps both ends.
 */
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import type { MqttClient } from 'mqtt';

const EPOCH = process.hrtime.bigint();

/** Nanoseconds since the bench started, as a double (exact to well past a day). */
export function nowNs(): number {
  return Number(process.hrtime.bigint() - EPOCH);
}

/** Calls `found(seq, sentNs?)` for every bench value in a received message (sentNs when it carries one). */
export type Extract = (payload: Buffer, found: (seq: number, sentNs?: number) => void) => void;

export interface PhaseOptions {
  pub: MqttClient;
  sub: MqttClient;
  /** Published round-robin. */
  topics: readonly string[];
  /** Which received topics are searched with `extract`. */
  listens: (topic: string) => boolean;
  extract: Extract;
  /** Offered messages/s, or 'max'. */
  rate: number | 'max';
  warmupMs: number;
  durationMs: number;
  /** Called every 100 ms while the phase runs (RSS sampling). */
  sample?: () => void;
}

export interface PhaseResult {
  sent: number;
  delivered: number;
  /** Delivered messages/s over the measured window (first measured send to last delivery). */
  rate: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Send times by sequence number, growing as needed. */
class SendTimes {
  #times = new Float64Array(1 << 16);
  readonly base: number;
  count = 0;

  constructor(base: number) {
    this.base = base;
  }

  push(ns: number): number {
    if (this.count === this.#times.length) {
      const bigger = new Float64Array(this.#times.length * 2);
      bigger.set(this.#times);
      this.#times = bigger;
    }
    this.#times[this.count] = ns;
    return this.base + this.count++;
  }

  get(seq: number): number | undefined {
    const i = seq - this.base;
    return i >= 0 && i < this.count ? this.#times[i] : undefined;
  }
}

let nextBase = 1;

export async function runPhase(o: PhaseOptions): Promise<PhaseResult> {
  const times = new SendTimes(nextBase);
  const state = { measuredFrom: Infinity, delivered: 0, lastNs: 0 };
  const latencies: number[] = [];
  const failures = { count: 0 };
  const onMessage = (topic: string, payload: Buffer) => {
    if (!o.listens(topic)) return;
    const at = nowNs();
    o.extract(payload, (seq, sentNs) => {
      const sent = sentNs ?? times.get(seq);
      if (sent === undefined || sent < state.measuredFrom) return;
      latencies.push(at - sent);
      state.delivered++;
      state.lastNs = at;
    });
  };
  o.sub.on('message', onMessage);
  const sampler = o.sample ? setInterval(o.sample, 100) : undefined;
  try {
    const start = nowNs();
    const publish = publisher(o, times, failures);
    await publish(start, start + o.warmupMs * 1e6);
    state.measuredFrom = nowNs();
    const measuredSeq = times.base + times.count;
    await publish(state.measuredFrom, state.measuredFrom + o.durationMs * 1e6);
    const sent = times.base + times.count - measuredSeq;
    await settle(() => state.delivered, sent);
    nextBase = times.base + times.count + 1;
    if (failures.count > 0) throw new Error(`${failures.count} publishes failed`);
    latencies.sort((a, b) => a - b);
    const windowS = (state.lastNs - state.measuredFrom) / 1e9;
    return {
      sent,
      delivered: state.delivered,
      rate: windowS > 0 ? state.delivered / windowS : 0,
      p50Ms: percentile(latencies, 0.5) / 1e6,
      p99Ms: percentile(latencies, 0.99) / 1e6,
      maxMs: (latencies[latencies.length - 1] ?? NaN) / 1e6,
    };
  } finally {
    clearInterval(sampler);
    o.sub.off('message', onMessage);
  }
}

/** Waits until every sent value arrived, or nothing new arrived for 1 s (at most 5 s). */
async function settle(delivered: () => number, sent: number): Promise<void> {
  const deadline = Date.now() + 5000;
  let last = -1;
  let quietSince = Date.now();
  while (delivered() < sent && Date.now() < deadline && Date.now() - quietSince < 1000) {
    await sleep(20);
    if (delivered() !== last) {
      last = delivered();
      quietSince = Date.now();
    }
  }
}

export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** Publishes from `from` until `until` (ns), paced to the offered rate or as fast as allowed. */
function publisher(o: PhaseOptions, times: SendTimes, failures: { count: number }) {
  let i = 0;
  /** Publishes one message; resolves at once, or when the socket drains if the write was refused. */
  const send = (): Promise<void> | undefined => {
    const topic = o.topics[i++ % o.topics.length] ?? '';
    const t = nowNs();
    const seq = times.push(t);
    // MQTT.js calls back at once when the socket took the bytes, else on its 'drain'.
    const write: { flushed: boolean; onFlush?: () => void } = { flushed: false };
    o.pub.publish(topic, `{"v":${seq},"t":${t}}`, { qos: 0 }, (err) => {
      if (err) failures.count++;
      write.flushed = true;
      write.onFlush?.();
    });
    return write.flushed ? undefined : new Promise<void>((resolve) => (write.onFlush = resolve));
  };
  return async (from: number, until: number): Promise<void> => {
    let sent = 0;
    for (let now = nowNs(); now < until; now = nowNs()) {
      const due = o.rate === 'max' ? sent + 64 : Math.floor(((now - from) / 1e9) * o.rate);
      while (sent < due) {
        sent++;
        const blocked = send();
        if (blocked) await blocked;
      }
      if (o.rate === 'max') await yieldToLoop();
      else await sleep(1);
    }
  };
}
