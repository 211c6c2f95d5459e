import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/cxp/clock.js';
import { encodeTrusted } from '../../src/cxp/codec.js';
import { IdGenerator } from '../../src/cxp/ids.js';
import { decodeMessage, encodeMessage, MessageFactory } from '../../src/cxp/message.js';
import type { ContributionInput } from '../../src/context/contribution.js';
import { ContextProvider } from '../../src/context/sparse/provider.js';
import { ContextStore } from '../../src/context/store.js';

const RUNS = 1000;
const T0 = Date.UTC(2026, 10, 21, 6, 0, 0);

const refs = ['world/a', 'world/a/b', 'task/t1', 'resources/printers/z1', 'safety/e1', 'memory/m'];
const sources = ['ros2:/odom', 'mqtt:plc', 'serial:scale', 'agent-7'];

const put: fc.Arbitrary<ContributionInput> = fc.record(
  {
    ref: fc.constantFrom(...refs),
    source: fc.constantFrom(...sources),
    value: fc.jsonValue({ maxDepth: 2 }).filter((v) => !JSON.stringify(v).includes('"__proto__"')),
    confidence: fc.double({ min: 0, max: 1, noNaN: true }),
    stamp: fc.integer({ min: T0 - 10_000, max: T0 + 10_000 }),
    policy: fc.record(
      {
        retention_ttl: fc.constantFrom('500ms', '2s', '1m'),
        audience: fc.constant(['role:ops']),
        purpose: fc.constant(['maintenance']),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['ref', 'source', 'value'] },
);

type Step =
  | { kind: 'put'; input: ContributionInput }
  | { kind: 'batch'; inputs: ContributionInput[] }
  | { kind: 'retract'; ref: string; source: string }
  | { kind: 'tick'; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: put.map((input) => ({ kind: 'put' as const, input })) },
  {
    weight: 1,
    arbitrary: fc
      .array(put, { minLength: 1, maxLength: 4 })
      .map((inputs) => ({ kind: 'batch' as const, inputs })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ ref: fc.constantFrom(...refs), source: fc.constantFrom(...sources) })
      .map((r) => ({ kind: 'retract' as const, ...r })),
  },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 3000 }).map((ms) => ({ kind: 'tick' as const, ms })) },
);

function run(steps: Step[]) {
  const clock = new ManualClock(T0);
  const store = new ContextStore({ clock, storeId: 'p', historyOps: 1_000_000 });
  const provider = new ContextProvider({
    store,
    clock,
    messages: new MessageFactory({
      clock,
      ids: new IdGenerator(clock),
      source: { id: 'gw', kind: 'gateway' },
    }),
  });
  const wire: Uint8Array[] = [];
  store.onChange((change) => {
    const diff = provider.diffMessage(change);
    const bytes = encodeMessage(diff, 'msgpack');
    // The gateway publishes DIFFs with the trusted encoder (no data-model walk): same bytes.
    expect(encodeTrusted(diff, 'msgpack')).toEqual(bytes);
    expect(encodeTrusted(diff, 'json')).toEqual(encodeMessage(diff, 'json'));
    wire.push(bytes);
  });
  for (const s of steps) {
    if (s.kind === 'put') store.put(s.input);
    else if (s.kind === 'batch') store.putMany(s.inputs);
    else if (s.kind === 'retract') store.retract(s.ref, s.source);
    else {
      clock.advance(s.ms);
      store.expire();
    }
  }
  return { clock, store, wire };
}

describe('DIFF stream', () => {
  it('replaying every DIFF from version 0, through the wire, reproduces the store exactly', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const { clock, store, wire } = run(steps);
        const replica = new ContextStore({ clock, storeId: 'r' });
        for (const bytes of wire) {
          const decoded = decodeMessage(bytes, { encoding: 'msgpack' });
          if (!decoded.ok || decoded.message.type !== 'CONTEXT_DIFF') throw new Error('bad diff on the wire');
          expect(replica.applyDiff(decoded.message)).toEqual({ ok: true, value: 'applied' });
        }
        expect(replica.snapshot()).toEqual(store.snapshot());
      }),
      { numRuns: RUNS },
    );
  });

  it('one compacted DIFF from version 0 reproduces the store exactly', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const { clock, store } = run(steps);
        const replica = new ContextStore({ clock, storeId: 'r' });
        const diff = store.diffSince(0);
        if (!diff.ok) throw diff.error;
        if (diff.value.version > 0) expect(replica.applyDiff(diff.value).ok).toBe(true);
        expect(replica.snapshot()).toEqual(store.snapshot());
      }),
      { numRuns: RUNS },
    );
  });
});
