/**
 * bench/codec: CXP codec and context store throughput, each beside a baseline.
 * Run: npm run bench:codec   (prints Markdown tables; numbers are medians of 7 rounds)
 *
 * Baselines: the same bytes through plain JSON.parse/stringify and plain msgpackr pack/unpack, with
 * no validation; the ratio column is what validation and the I-JSON checks cost. Store baseline: a
 * plain Map.set of the same signals.
 */
import { cpus } from 'node:os';
import { Packr } from 'msgpackr';
import { ManualClock } from '../../src/cxp/clock.js';
import { IdGenerator } from '../../src/cxp/ids.js';
import { decodeMessage, encodeMessage, MessageFactory } from '../../src/cxp/message.js';
import type { CxpMessage } from '../../src/cxp/schema/index.js';
import { ContextStore } from '../../src/context/store.js';
import { fmt, measure, table } from '../harness.js';

const clock = new ManualClock(Date.UTC(2026, 10, 21, 6, 0, 0));
const messages = new MessageFactory({
  clock,
  ids: new IdGenerator(clock),
  source: { id: 'gw-bench', kind: 'gateway' },
});
const packr = new Packr({ useRecords: false, mapsAsObjects: true });

const samples: Record<string, CxpMessage> = {
  'small ACK': messages.create('CONTEXT_ACK', { ack: 42, status: 'ok' }),
  'small ACTION_REQUEST': messages.create('ACTION_REQUEST', {
    action: 'print.submit',
    target: 'zebra-1',
    params: { template: 'tote', copies: 1 },
  }),
  'DIFF (5 ops)': messages.create('CONTEXT_DIFF', {
    base_version: 1041,
    version: 1042,
    store_id: 'gw-bench',
    ops: Array.from({ length: 5 }, (_, i) => ({
      op: 'replace' as const,
      ref: `world/cell-1/sensor-${i}`,
      value: { temperature_c: 21.5 + i, humidity: 0.41 },
      provenance: { source: `serial:/dev/ttyUSB${i}`, stamp: '2026-11-21T06:00:00.000Z', confidence: 0.95 },
    })),
  }),
  SAFETY_EVENT: messages.create('SAFETY_EVENT', {
    condition_key: 'printer:zebra-1#fault.actuator_jam',
    seq: 18231,
    boot_id: '01JD8Z9X7Q5R2B3C4D5E6F7G8H',
    kind: 'fault.actuator_jam',
    severity: 'PROTECTIVE',
    state: 'RAISED',
    latched: true,
    message: 'zebra-1 reports a media jam',
    frame: {
      frame_id: 'map',
      pose: { position: { x: 12.1, y: -3.4, z: 0 }, orientation: { x: 0, y: 0, z: 0.38, w: 0.92 } },
      tf_status: 'OK',
    },
    timebase: {
      clock: 'ros',
      stamp: { sec: 1763704800, nanosec: 120000000 },
      utc: '2026-11-21T06:00:00.120Z',
      monotonic_ns: '912345678901',
      sync: { method: 'chrony', state: 'LOCKED' },
    },
    related_refs: ['resources/printers/zebra-1'],
    recommended_action: 'reject_command',
    assurance: 'non_safety_rated',
    subject: { transport: 'printer', id: 'zebra-1', data_quality: 'GOOD' },
  }),
};

const codecRows: (string | number)[][] = [];
for (const [name, message] of Object.entries(samples)) {
  const json = encodeMessage(message, 'json');
  const pack = encodeMessage(message, 'msgpack');
  const text = JSON.stringify(message);
  const cxpJson = measure(`${name} json`, () => decodeMessage(encodeMessage(message, 'json')));
  const baseJson = measure('', () => {
    JSON.parse(JSON.stringify(JSON.parse(text)));
  });
  const cxpPack = measure(`${name} msgpack`, () =>
    decodeMessage(encodeMessage(message, 'msgpack'), { encoding: 'msgpack' }),
  );
  const basePack = measure('', () => {
    packr.unpack(packr.pack(packr.unpack(pack)));
  });
  const cxpDecodePack = measure('', () => decodeMessage(pack, { encoding: 'msgpack' }));
  codecRows.push(
    [
      name,
      'JSON',
      json.byteLength,
      fmt(cxpJson.opsPerSec),
      fmt(baseJson.opsPerSec),
      (baseJson.opsPerSec / cxpJson.opsPerSec).toFixed(2),
      '-',
    ],
    [
      name,
      'MessagePack',
      pack.byteLength,
      fmt(cxpPack.opsPerSec),
      fmt(basePack.opsPerSec),
      (basePack.opsPerSec / cxpPack.opsPerSec).toFixed(2),
      fmt(cxpDecodePack.opsPerSec),
    ],
  );
}

// Store apply rate: sensor signals (one number each) spread over 1 000 refs and 4 sources.
const REFS = 1000;
const signalRefs = Array.from({ length: REFS }, (_, i) => `world/cell-${i % 10}/sensor-${i}`);
const sources = ['serial:scale', 'mqtt:plc', 'ros2:/odom', 'agent-7'];
const store = new ContextStore({ clock, historyOps: 10_000 });
let k = 0;
const put = measure('store.put', () => {
  k++;
  store.put({ ref: signalRefs[k % REFS] ?? '', source: sources[k & 3] ?? '', value: k * 0.5 });
});
const batch = Array.from({ length: 100 }, (_, i) => ({
  ref: signalRefs[i] ?? '',
  source: 'serial:scale',
  value: 0,
}));
const putMany = measure('store.putMany(100)', () => {
  k++;
  for (const b of batch) b.value = k;
  store.putMany(batch);
});
const plain = new Map<string, Map<string, unknown>>();
const baseline = measure('Map.set', () => {
  k++;
  const ref = signalRefs[k % REFS] ?? '';
  let m = plain.get(ref);
  if (!m) plain.set(ref, (m = new Map<string, unknown>()));
  m.set(sources[k & 3] ?? '', { value: k * 0.5, stamp: clock.now() });
});
const replica = new ContextStore({ clock });
const source = new ContextStore({ clock, historyOps: 1_000_000 });
const diffs: { base_version: number; version: number; ops: never[] }[] = [];
source.onChange((c) => diffs.push({ base_version: c.base, version: c.version, ops: c.ops as never[] }));
for (let i = 0; i < 200_000; i++)
  source.put({ ref: signalRefs[i % REFS] ?? '', source: sources[i & 3] ?? '', value: i });
const t0 = process.hrtime.bigint();
for (const d of diffs) replica.applyDiff(d);
const applyRate = diffs.length / (Number(process.hrtime.bigint() - t0) / 1e9);

// Memory per contribution, after GC (run with --expose-gc), beside a Map of the same values.
const gc = (globalThis as { gc?: () => void }).gc;
function heapAfter(build: () => unknown): { bytes: number; keep: unknown } {
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const keep = build();
  gc?.();
  return { bytes: process.memoryUsage().heapUsed - before, keep };
}
const CONTRIBUTIONS = 40_000;
const memStore = heapAfter(() => {
  const s = new ContextStore({ clock, historyOps: 1 });
  for (let i = 0; i < CONTRIBUTIONS; i++) {
    s.put({ ref: `world/cell-${i % 100}/sensor-${i >> 2}`, source: sources[i & 3] ?? '', value: i * 0.5 });
  }
  return s;
});
const memMap = heapAfter(() => {
  const m = new Map<string, Map<string, unknown>>();
  for (let i = 0; i < CONTRIBUTIONS; i++) {
    const ref = `world/cell-${i % 100}/sensor-${i >> 2}`;
    let bySource = m.get(ref);
    if (!bySource) m.set(ref, (bySource = new Map<string, unknown>()));
    bySource.set(sources[i & 3] ?? '', { value: i * 0.5, stamp: clock.now() });
  }
  return m;
});
const perStore = memStore.bytes / CONTRIBUTIONS;
const perMap = memMap.bytes / CONTRIBUTIONS;
console.log(
  `# bench/codec: ${new Date().toISOString()}, Node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}\n`,
);
console.log('## Encode + decode + validate, messages/s (baseline: same bytes, no validation)\n');
console.log(
  table(
    [
      'message',
      'encoding',
      'bytes',
      'cxp enc+dec+validate/s',
      'baseline/s',
      'baseline ÷ cxp',
      'cxp decode+validate only/s',
    ],
    codecRows,
  ),
);
console.log('\n## Context store apply rate (signals/s)\n');
console.log(
  table(
    ['operation', 'signals/s', 'baseline (Map.set)/s', 'baseline ÷ store'],
    [
      [
        'store.put (1 signal, 1 version)',
        fmt(put.opsPerSec),
        fmt(baseline.opsPerSec),
        (baseline.opsPerSec / put.opsPerSec).toFixed(2),
      ],
      [
        'store.putMany (100 signals, 1 version)',
        fmt(putMany.opsPerSec * 100),
        fmt(baseline.opsPerSec),
        (baseline.opsPerSec / (putMany.opsPerSec * 100)).toFixed(2),
      ],
      ['replica.applyDiff (1 op per diff)', fmt(applyRate), '-', '-'],
    ],
  ),
);
console.log(
  `\n## Memory per stored contribution (${fmt(CONTRIBUTIONS)} numeric signals, history 1 op)${gc ? '' : ' (no --expose-gc: rough)'}\n`,
);
console.log(
  table(
    ['store bytes/contribution', 'baseline Map bytes/contribution', 'store ÷ baseline'],
    [[perStore.toFixed(0), perMap.toFixed(0), (perStore / perMap).toFixed(2)]],
  ),
);
