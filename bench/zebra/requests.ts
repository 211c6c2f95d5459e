/**
 * The bench's side of one gateway phase: print.submit requests (template + variables) published
 * with QoS 1, `inflight` of them outstanding at a time, and their ACTION_RESULTs stamped on arrival.
 */
import { actionRequest, type Rig } from './gateway-rig.js';
import { labelVariables, TEMPLATE_NAME } from './label.js';

export interface RequestTimes {
  /** performance.now() when published, when `accepted` arrived, when the final answer arrived. */
  sent: number;
  accepted?: number;
  final?: number;
  status?: string;
  error?: string;
}

export interface RequestLoopOptions {
  /** Prefix of the request ids, unique per phase. */
  tag: string;
  requests: number;
  copies: number;
  inflight: number;
  timeoutMs: number;
}

const FINAL = new Set(['succeeded', 'failed', 'rejected']);

interface Answer {
  correlation_id?: string;
  status?: string;
  error?: { code?: string };
}

export class RequestLoop {
  readonly times: RequestTimes[] = [];
  readonly #rig: Rig;
  readonly #o: RequestLoopOptions;
  readonly #id: RegExp;
  #next = 0;
  #finals = 0;
  #allDone: () => void = () => undefined;

  constructor(rig: Rig, options: RequestLoopOptions) {
    this.#rig = rig;
    this.#o = options;
    this.#id = new RegExp(`^${options.tag}-(\\d+)$`);
  }

  get finals(): number {
    return this.#finals;
  }

  /** Publishes the first `inflight` requests; resolves when all are final, or after timeoutMs. */
  async run(): Promise<void> {
    const onMessage = (_topic: string, payload: Buffer) => {
      this.#onAnswer(payload, performance.now());
    };
    this.#rig.client.on('message', onMessage);
    const done = new Promise<void>((resolve) => (this.#allDone = resolve));
    const timer = setTimeout(this.#allDone, this.#o.timeoutMs);
    try {
      for (let k = 0; k < Math.min(this.#o.inflight, this.#o.requests); k++) this.#publishNext();
      await done;
    } finally {
      clearTimeout(timer);
      this.#rig.client.off('message', onMessage);
    }
  }

  #publishNext(): void {
    if (this.#next >= this.#o.requests) return;
    const i = this.#next++;
    const params = {
      template: TEMPLATE_NAME,
      variables: labelVariables(i),
      ...(this.#o.copies === 1 ? {} : { copies: this.#o.copies }),
    };
    const request = actionRequest(`${this.#o.tag}-${i}`, 'print.submit', params);
    this.times[i] = { sent: performance.now() };
    this.#rig.client.publish(this.#rig.inTopic, request, { qos: 1 }, (err) => {
      if (err) console.error(`request ${i} not published: ${err.message}`);
    });
  }

  #onAnswer(payload: Buffer, at: number): void {
    let m: Answer;
    try {
      m = JSON.parse(payload.toString()) as Answer;
    } catch {
      console.error(`unreadable answer: ${payload.toString().slice(0, 200)}`);
      return;
    }
    const t = this.times[Number(this.#id.exec(m.correlation_id ?? '')?.[1] ?? NaN)];
    if (!t || t.final !== undefined) return;
    if (m.status === 'accepted') t.accepted = at;
    if (m.status === undefined || !FINAL.has(m.status)) return;
    t.final = at;
    t.status = m.status;
    if (m.status !== 'succeeded') t.error = m.error?.code ?? 'no code';
    this.#finals += 1;
    if (this.#finals === this.#o.requests) this.#allDone();
    else this.#publishNext();
  }
}
