/**
 * The gateway path: print.submit requests (the PDF as document_base64, finishings fold-z, wait
 * true) published with QoS 1 by MQTT.js, `inflight` of them outstanding at a time (1: the next when
 * the previous is final; all: a batch), each ACTION_RESULT stamped on arrival. One warm-up job goes
 * first (not counted) so no phase pays for the gateway's first compiles and connections.
 */
import { procMemory } from '../mqtt-path/processes.js';
import type { Teardown } from '../mqtt-path/teardown.js';
import {
  actionRequest,
  cpuSeconds,
  grown,
  problemCounters,
  startRig,
  untilPressOnline,
  type Rig,
  type RigOptions,
} from './gateway-rig.js';
import type { GatewayUsage, JobTimes } from './report.js';

interface Answer {
  correlation_id?: string;
  status?: string;
  error?: { code?: string; message?: string };
  result?: { metadata?: { printer_job_id?: number } };
}

const FINAL = new Set(['succeeded', 'failed', 'rejected']);

export interface LoopOptions {
  tag: string;
  jobs: number;
  inflight: number;
  pdfBase64: string;
  timeoutMs: number;
}

/** Publishes the requests and collects their answers, `inflight` outstanding at a time. */
class RequestLoop {
  readonly times: JobTimes[] = [];
  readonly #rig: Rig;
  readonly #o: LoopOptions;
  readonly #id: RegExp;
  #next = 0;
  #finals = 0;
  #allDone: () => void = () => undefined;

  constructor(rig: Rig, o: LoopOptions) {
    this.#rig = rig;
    this.#o = o;
    this.#id = new RegExp(`^${o.tag}-(\\d+)$`);
  }

  /** Resolves when every request is final, or after timeoutMs (the rest get an error). */
  async run(): Promise<JobTimes[]> {
    const onMessage = (_topic: string, payload: Buffer) => {
      this.#onAnswer(payload, performance.now());
    };
    this.#rig.client.on('message', onMessage);
    const done = new Promise<void>((resolve) => (this.#allDone = resolve));
    const timer = setTimeout(this.#allDone, this.#o.timeoutMs);
    try {
      for (let k = 0; k < Math.min(this.#o.inflight, this.#o.jobs); k++) this.#publishNext();
      await done;
    } finally {
      clearTimeout(timer);
      this.#rig.client.off('message', onMessage);
    }
    const now = performance.now();
    for (let i = 0; i < this.#o.jobs; i++) {
      const t = (this.times[i] ??= { sent: now, error: 'not sent: the phase timed out' });
      if (t.done === undefined) t.error ??= `no final answer within ${this.#o.timeoutMs} ms`;
    }
    return this.times;
  }

  #publishNext(): void {
    if (this.#next >= this.#o.jobs) return;
    const i = this.#next++;
    const name = `${this.#o.tag}-${i}`;
    const params = { document_base64: this.#o.pdfBase64, finishings: ['fold-z'], job_name: name };
    this.times[i] = { sent: performance.now() };
    this.#rig.client.publish(
      this.#rig.inTopic,
      actionRequest(name, 'print.submit', params),
      { qos: 1 },
      (err) => {
        if (err) console.error(`request ${name} not published: ${err.message}`);
      },
    );
  }

  #onAnswer(payload: Buffer, at: number): void {
    const m = JSON.parse(payload.toString()) as Answer;
    const t = this.times[Number(this.#id.exec(m.correlation_id ?? '')?.[1] ?? NaN)];
    if (!t || t.done !== undefined || t.error !== undefined) return;
    if (m.status === 'accepted') t.accepted = at;
    if (m.status === undefined || !FINAL.has(m.status)) return;
    if (m.status === 'succeeded') {
      t.done = at;
      const printerJobId = m.result?.metadata?.printer_job_id;
      if (printerJobId !== undefined) t.printerJobId = printerJobId;
    } else t.error = `${m.status} ${m.error?.code ?? ''}: ${m.error?.message ?? ''}`;
    if (++this.#finals === this.#o.jobs) this.#allDone();
    else this.#publishNext();
  }
}

export interface GatewayPhase {
  jobs: number;
  inflight: number;
  pdfBase64: string;
  timeoutMs: number;
  /** Called just before the measured requests go out (the lab takes its snapshots). */
  onStart?: () => void | Promise<void>;
}

export interface GatewayPhaseResult {
  times: JobTimes[];
  usage: GatewayUsage;
  problems: string[];
}

/** How long the idle gateway's CPU use is measured before the phase. */
const IDLE_MS = 2000;

/** Starts a gateway on the lab's URL, warms it up, runs one phase, stops it. */
export async function runGatewayPhase(
  teardown: Teardown,
  rigOptions: RigOptions,
  phase: GatewayPhase,
): Promise<GatewayPhaseResult> {
  const rig = await startRig(teardown, rigOptions);
  try {
    await untilPressOnline(rig, 20_000);
    const warm = await new RequestLoop(rig, { ...phase, tag: 'warm', jobs: 1, inflight: 1 }).run();
    if (warm[0]?.done === undefined)
      throw new Error(`the warm-up job did not succeed: ${warm[0]?.error ?? '?'}`);
    const before = await problemCounters(rig);
    const idle0 = await cpuSeconds(rig.pid);
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const idleCpu = ((await cpuSeconds(rig.pid)) - idle0) / (IDLE_MS / 1000);
    await phase.onStart?.();
    const cpu0 = await cpuSeconds(rig.pid);
    const times = await new RequestLoop(rig, { ...phase, tag: 'job' }).run();
    const cpu = (await cpuSeconds(rig.pid)) - cpu0;
    const { rss, hwm } = await procMemory(rig.pid);
    const problems = grown(before, await problemCounters(rig)).map((p) => `gateway counter ${p}`);
    if (rig.stderr().trim() !== '') problems.push(`gateway stderr: ${rig.stderr().trim().slice(-600)}`);
    return { times, usage: { cpu, idleCpu, rss, hwm }, problems };
  } finally {
    await rig.stop();
  }
}
