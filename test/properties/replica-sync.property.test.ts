import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/cxp/clock.js';
import { IdGenerator } from '../../src/cxp/ids.js';
import { MessageFactory } from '../../src/cxp/message.js';
import { ContextProvider } from '../../src/context/sparse/provider.js';
import { ContextReplica, type ReplicaOutput } from '../../src/context/sparse/replica.js';
import { ContextStore } from '../../src/context/store.js';

const RUNS = 1000;
const T0 = Date.UTC(2026, 10, 21, 6, 0, 0);
const refs = ['world/a', 'world/b/c', 'task/t', 'resources/p/z1', 'safety/e'];

type Step =
  | { kind: 'put'; ref: string; source: string; value: number; ttl: string | undefined }
  | { kind: 'retract'; ref: string; source: string }
  | { kind: 'tick'; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('put' as const),
      ref: fc.constantFrom(...refs),
      source: fc.constantFrom('s1', 's2'),
      value: fc.integer(),
      ttl: fc.option(fc.constantFrom('500ms', '2s'), { nil: undefined }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('retract' as const),
      ref: fc.constantFrom(...refs),
      source: fc.constantFrom('s1', 's2'),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 1500 }) }),
  },
);

/** What happens to each DIFF on the way: delivered, lost, or delivered twice. */
const fate = fc.constantFrom('deliver', 'deliver', 'deliver', 'drop', 'twice');

describe('replica over a lossy DIFF stream', () => {
  it('converges to the provider exactly, whatever is lost or repeated, and ends synced', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(step, fate), { maxLength: 40 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 50 }),
        (steps, pageItems, history) => {
          const clock = new ManualClock(T0);
          const ids = new IdGenerator(clock);
          const store = new ContextStore({ clock, storeId: 'p', historyOps: history });
          const provider = new ContextProvider({
            store,
            clock,
            messages: new MessageFactory({ clock, ids, source: { id: 'gw', kind: 'gateway' } }),
            expandLimits: { maxItems: pageItems },
          });
          const mirror = new ContextStore({ clock, mode: 'replica' });
          const replica = new ContextReplica({
            store: mirror,
            messages: new MessageFactory({ clock, ids, source: { id: 'r', kind: 'agent' } }),
            catchUpRetryAfter: 2,
          });
          const outbox: ReplicaOutput[] = replica.resync();
          const answer = () => {
            for (let m = outbox.shift(); m; m = outbox.shift()) {
              if (m.type === 'CONTEXT_REQUEST') {
                const r = replica.handleExpand(provider.handleRequest(m, {}));
                if (!r.ok) throw r.error;
                outbox.push(...r.value);
              } else {
                const r = provider.handleAck(m);
                if (!r.ok) outbox.push(...replica.handleAck(errorAck(r.error)));
                else if (r.value) outbox.push(...replica.handleDiff(r.value));
              }
            }
          };
          const errorAck = (e: import('../../src/cxp/errors.js').CxpError) =>
            new MessageFactory({ clock, ids, source: { id: 'gw', kind: 'gateway' } }).errorReply(e);
          let pendingFate = 'deliver';
          store.onChange((change) => {
            const diff = provider.diffMessage(change);
            if (pendingFate !== 'drop') outbox.push(...replica.handleDiff(diff));
            if (pendingFate === 'twice') outbox.push(...replica.handleDiff(diff));
          });
          for (const [s, f] of steps) {
            pendingFate = f;
            if (s.kind === 'put') {
              store.put({
                ref: s.ref,
                source: s.source,
                value: s.value,
                ...(s.ttl ? { policy: { retention_ttl: s.ttl } } : {}),
              });
            } else if (s.kind === 'retract') store.retract(s.ref, s.source);
            else {
              clock.advance(s.ms);
              store.expire();
              mirror.expire();
            }
            answer();
          }
          // Quiesce: one more change delivered, everything answered, expiry on both sides.
          pendingFate = 'deliver';
          store.put({ ref: 'task/final', source: 's1', value: 1 });
          answer();
          store.put({ ref: 'task/final', source: 's1', value: 2 });
          answer();
          expect(replica.state).toBe('synced');
          expect(mirror.snapshot()).toEqual(store.snapshot());
        },
      ),
      { numRuns: RUNS },
    );
  });
});
