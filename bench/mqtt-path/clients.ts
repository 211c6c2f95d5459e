/** The bench's MQTT clients (MQTT.js), the value extractors and the pipeline readiness probe. */
import mqtt, { type MqttClient } from 'mqtt';
import type { Extract } from './load.js';
import type { Teardown } from './teardown.js';

export interface Clients {
  pub: MqttClient;
  sub: MqttClient;
  close: () => Promise<void>;
}

/** A publisher and a subscriber (subscribed to `listen` at QoS 0). aedes speaks 3.1.1 only: version 4. */
export async function connectClients(
  teardown: Teardown,
  url: string,
  protocolVersion: 4 | 5,
  listen: string,
  /** Distinguishes the client ids of several client pairs on one broker. */
  tag = 'main',
): Promise<Clients> {
  const options = { protocolVersion, reconnectPeriod: 0, clean: true, connectTimeout: 5000 };
  const opened: MqttClient[] = [];
  const close = teardown.add(`clients of ${url}`, async () => {
    await Promise.all(opened.map((c) => c.endAsync(true)));
  });
  try {
    const pub = await mqtt.connectAsync(url, { ...options, clientId: `bench-pub-${process.pid}-${tag}` });
    opened.push(pub);
    const sub = await mqtt.connectAsync(url, { ...options, clientId: `bench-sub-${process.pid}-${tag}` });
    opened.push(sub);
    await sub.subscribeAsync(listen, { qos: 0 });
    return { pub, sub, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Baseline: the payload itself is `{"v": seq, "t": sent ns}`. */
export const payloadStamp: Extract = (payload, found) => {
  const m = JSON.parse(payload.toString('utf8')) as { v?: unknown; t?: unknown };
  if (typeof m.v === 'number' && typeof m.t === 'number') found(m.v, m.t);
};

/** Gateway path: a CONTEXT_DIFF whose ops carry the sequence numbers as values of world/bench/*. */
export const diffValues: Extract = (payload, found) => {
  const diff = JSON.parse(payload.toString('utf8')) as { ops?: { ref?: unknown; value?: unknown }[] };
  for (const op of diff.ops ?? []) {
    if (typeof op.value === 'number' && typeof op.ref === 'string' && op.ref.startsWith('world/bench/'))
      found(op.value);
  }
};

/**
 * Publishes a probe value every 100 ms until the gateway's DIFF carries it back: the bridge and the
 * DIFF subscription are then both live. Returns ms until the first DIFF.
 */
export async function probePipeline(
  c: Clients,
  diffTopic: string,
  timeoutMs: number,
  /** Appended to the timeout error (a child's stderr). */
  detail: () => string = () => '',
): Promise<number> {
  const started = Date.now();
  const token = `probe-${process.pid}-${started}`;
  let timer: NodeJS.Timeout | undefined;
  let onMessage: ((topic: string, payload: Buffer) => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      onMessage = (topic, payload) => {
        if (topic === diffTopic && payload.includes(token)) resolve();
      };
      c.sub.on('message', onMessage);
      const tick = () => {
        if (Date.now() - started > timeoutMs) {
          reject(new Error(`no DIFF on ${diffTopic} within ${timeoutMs} ms\n${detail()}`));
          return;
        }
        c.pub.publish('bench/probe/value', JSON.stringify({ v: token }), { qos: 0 });
        timer = setTimeout(tick, 100);
      };
      tick();
    });
    return Date.now() - started;
  } finally {
    clearTimeout(timer);
    if (onMessage) c.sub.off('message', onMessage);
  }
}
