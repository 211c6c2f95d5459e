/**
 * One detection phase: sources are stopped one after another (a new stop every STOP_EVERY_MS plus
 * up to STOP_JITTER_MS at random, round robin over the sources that are beating), and each stop
 * waits for the RAISED event of its condition key on the safety topic. The sample is the event's
 * arrival here minus the deadline (the source's last send + timeout_ms), on this process's
 * monotonic clock. The source then resumes; the CLEARED that follows frees it for a later stop.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { MqttClient } from 'mqtt';
import type { HeartbeatSources } from './sources.js';

/** New stops this often (plus jitter): about two or three conditions are open at any time. */
const STOP_EVERY_MS = 100;
const STOP_JITTER_MS = 50;
/** No RAISED this long after the deadline: missed. */
export const MISS_AFTER_MS = 2000;

export interface Sample {
  /** Arrival here minus (last send + timeout), ms. */
  e2eMs: number;
  /** timebase.detection_latency_ms of the event. */
  field: number | undefined;
  /** The age the gateway saw (from the event's message) minus timeout_ms: its own lateness, ±0.5 ms. */
  gatewayLateMs: number | undefined;
  /** Arrival here (wall clock) minus the event's timebase.utc (the gateway's Date.now(), whole ms). */
  outMs: number | undefined;
}

export interface DetectionResult {
  samples: Sample[];
  /** Resume -> CLEARED arrival, ms. */
  clears: number[];
  /** RAISED before the deadline. */
  early: number;
  missed: number;
  /** RAISED for a source that was beating (a false alarm), with what the event said. */
  spurious: string[];
  /** RAISED for a source meant to beat that had in fact not sent for timeout_ms (this process stalled). */
  benchSilences: string[];
  /** Events of other keys or kinds (not expected here). */
  other: string[];
}

interface SafetyEvent {
  condition_key?: string;
  state?: string;
  message?: string;
  timebase?: { detection_latency_ms?: number; utc?: string };
}

type SourceState =
  | { s: 'beating' }
  | { s: 'stopped'; deadline: number; measured: boolean; missTimer: NodeJS.Timeout }
  | { s: 'resumed'; at: number; measured: boolean };

const KEY = /^hb:world\/hb\/(\d+)#fault\.heartbeat_stale$/;
const AGE = /not updated for (\d+) ms \(timeout (\d+) ms\)/;

export interface DetectionOptions {
  sources: HeartbeatSources;
  events: MqttClient;
  safetyTopic: string;
  timeoutMs: number;
  /** Samples measured, after `warmup` samples that are not. */
  samples: number;
  warmup: number;
}

export async function runDetection(o: DetectionOptions): Promise<DetectionResult> {
  const r: DetectionResult = {
    samples: [],
    clears: [],
    early: 0,
    missed: 0,
    spurious: [],
    benchSilences: [],
    other: [],
  };
  const states: SourceState[] = Array.from({ length: o.sources.count }, () => ({ s: 'beating' }));
  let stops = 0;
  const onMessage = (topic: string, payload: Buffer): void => {
    if (topic !== o.safetyTopic) return;
    const at = performance.now();
    const event = JSON.parse(payload.toString('utf8')) as SafetyEvent;
    const i = Number(KEY.exec(event.condition_key ?? '')?.[1] ?? NaN);
    const state = states[i];
    if (!state) r.other.push(`${event.state ?? '?'} ${event.condition_key ?? '?'}`);
    else if (event.state === 'RAISED') onRaised(o, r, states, i, state, event, at);
    else if (event.state === 'CLEARED' && state.s === 'resumed') {
      if (state.measured) r.clears.push(at - state.at);
      states[i] = { s: 'beating' };
    }
  };
  o.events.on('message', onMessage);
  try {
    let next = 0;
    while (r.samples.length + r.missed < o.samples) {
      await sleep(STOP_EVERY_MS + Math.random() * STOP_JITTER_MS);
      const i = pick(states, next);
      if (i === undefined) continue;
      next = i + 1;
      stop(o, r, states, i, ++stops > o.warmup);
    }
    await until(() => states.every((s) => s.s === 'beating'), MISS_AFTER_MS + 2 * o.timeoutMs);
  } finally {
    o.events.off('message', onMessage);
    for (const s of states) if (s.s === 'stopped') clearTimeout(s.missTimer);
  }
  return r;
}

/** The next beating source from `from` on, round robin. */
function pick(states: readonly SourceState[], from: number): number | undefined {
  for (let k = 0; k < states.length; k++) {
    const i = (from + k) % states.length;
    if (states[i]?.s === 'beating') return i;
  }
  return undefined;
}

function stop(o: DetectionOptions, r: DetectionResult, states: SourceState[], i: number, measured: boolean) {
  const deadline = o.sources.stop(i) + o.timeoutMs;
  const missTimer = setTimeout(
    () => {
      if (measured) r.missed++;
      states[i] = { s: 'beating' };
      o.sources.resume(i);
    },
    deadline + MISS_AFTER_MS - performance.now(),
  );
  states[i] = { s: 'stopped', deadline, measured, missTimer };
}

function onRaised(
  o: DetectionOptions,
  r: DetectionResult,
  states: SourceState[],
  i: number,
  state: SourceState,
  event: SafetyEvent,
  at: number,
): void {
  if (state.s !== 'stopped') {
    const silent = o.sources.longestSilence(i, at, MISS_AFTER_MS);
    const what = `${event.condition_key ?? '?'} while ${state.s} (longest silence of the source here ${silent.toFixed(0)} ms): ${event.message ?? ''}`;
    (silent >= o.timeoutMs ? r.benchSilences : r.spurious).push(what);
    return;
  }
  clearTimeout(state.missTimer);
  if (state.measured) {
    if (at < state.deadline) r.early++;
    const age = AGE.exec(event.message ?? '');
    const utc = Date.parse(event.timebase?.utc ?? '');
    r.samples.push({
      e2eMs: at - state.deadline,
      field: event.timebase?.detection_latency_ms,
      gatewayLateMs: age ? Number(age[1]) - Number(age[2]) : undefined,
      outMs: Number.isNaN(utc) ? undefined : performance.timeOrigin + at - utc,
    });
  }
  states[i] = { s: 'resumed', at: o.sources.resume(i), measured: state.measured };
}

async function until(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done() && performance.now() < deadline) await sleep(10);
}
