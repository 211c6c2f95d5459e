import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../cxp/clock.js';
import { IdGenerator } from '../../cxp/ids.js';
import { MessageFactory } from '../../cxp/message.js';
import type { MessageOf } from '../../cxp/schema/index.js';
import { ContextStore } from '../store.js';
import { answerIntent, evaluateIntent, type DecisionHook } from './intent.js';
import { ContextProvider, filterOps } from './provider.js';
import { ContextReplica, type ReplicaOutput } from './replica.js';

const T0 = Date.UTC(2026, 10, 21, 6, 0, 0);

function world(options: { historyOps?: number; maxItems?: number } = {}) {
  const clock = new ManualClock(T0);
  const ids = new IdGenerator(clock);
  const store = new ContextStore({ clock, storeId: 'boot-a', historyOps: options.historyOps ?? 1000 });
  const provider = new ContextProvider({
    store,
    clock,
    messages: new MessageFactory({ clock, ids, source: { id: 'gw', kind: 'gateway' } }),
    expandLimits: { maxItems: options.maxItems ?? 1000 },
  });
  const replicaStore = new ContextStore({ clock, storeId: 'mirror', mode: 'replica' });
  const replica = new ContextReplica({
    store: replicaStore,
    messages: new MessageFactory({ clock, ids, source: { id: 'agent', kind: 'agent' } }),
    purpose: 'monitoring',
  });
  const diffs: MessageOf<'CONTEXT_DIFF'>[] = [];
  store.onChange((change) => diffs.push(provider.diffMessage(change)));
  /** Delivers replica output to the provider and provider answers back, until quiet. */
  const pump = (outputs: ReplicaOutput[]) => {
    const queue = [...outputs];
    for (let msg = queue.shift(); msg; msg = queue.shift()) {
      if (msg.type === 'CONTEXT_REQUEST') {
        const expanded = replica.handleExpand(provider.handleRequest(msg, {}));
        if (!expanded.ok) throw expanded.error;
        queue.push(...expanded.value);
      } else if (msg.status === 'ok') {
        const answer = provider.handleAck(msg);
        if (!answer.ok) queue.push(...replica.handleAck(provider_error(answer.error)));
        else if (answer.value) queue.push(...replica.handleDiff(answer.value));
      }
    }
  };
  const provider_error = (error: import('../../cxp/errors.js').CxpError) =>
    new MessageFactory({ clock, ids, source: { id: 'gw', kind: 'gateway' } }).errorReply(error);
  return { clock, store, provider, replica, replicaStore, diffs, pump };
}

describe('sparse flow: DIFF stream with gap detection and resync', () => {
  it('syncs by full EXPAND first, then applies DIFFs in order', () => {
    const w = world();
    w.store.put({ ref: 'world/a', source: 's1', value: 1 });
    w.pump(w.replica.handleDiff(w.diffs[0]!));
    expect(w.replica.state).toBe('synced');
    expect(w.replicaStore.snapshot()).toEqual(w.store.snapshot());
    w.store.put({ ref: 'world/b', source: 's2', value: 2, confidence: 0.3 });
    w.store.put({ ref: 'world/a', source: 's2', value: 3 });
    for (const d of w.diffs.slice(1)) w.pump(w.replica.handleDiff(d));
    expect(w.replicaStore.snapshot()).toEqual(w.store.snapshot());
    expect(w.replica.handleDiff(w.diffs[1]!)).toHaveLength(1);
    expect(w.replicaStore.version).toBe(3);
  });

  it('asks for a catch-up DIFF when one is lost, and ignores later gaps meanwhile', () => {
    const w = world();
    w.pump(w.replica.resync());
    for (let i = 0; i < 5; i++) w.store.put({ ref: `task/t${i}`, source: 'mes', value: i });
    w.pump(w.replica.handleDiff(w.diffs[0]!));
    expect(w.replica.state).toBe('synced');
    const out = w.replica.handleDiff(w.diffs[3]!);
    expect(out).toEqual([expect.objectContaining({ type: 'CONTEXT_ACK', ack: 1, status: 'ok' })]);
    expect(w.replica.state).toBe('catching-up');
    expect(w.replica.handleDiff(w.diffs[4]!)).toEqual([]);
    w.pump(out);
    expect(w.replica.state).toBe('synced');
    expect(w.replicaStore.snapshot()).toEqual(w.store.snapshot());
  });

  it('holds DIFFs that arrive before the catch-up answer and applies them once it lands', () => {
    const w = world();
    w.pump(w.replica.resync());
    for (let i = 0; i < 3; i++) w.store.put({ ref: `task/t${i}`, source: 'mes', value: i });
    w.pump(w.replica.handleDiff(w.diffs[0]!));
    // DIFF 2 is lost; DIFF 3 shows the gap and asks for a catch-up from version 1.
    const ask = w.replica.handleDiff(w.diffs[2]!);
    expect(ask).toEqual([expect.objectContaining({ type: 'CONTEXT_ACK', ack: 1 })]);
    const answer = w.provider.handleAck(ask[0] as MessageOf<'CONTEXT_ACK'>);
    if (!answer.ok || !answer.value) throw new Error('no catch-up answer');
    // Later broadcast DIFFs overtake the answer (another topic through the broker).
    for (let i = 3; i < 6; i++) w.store.put({ ref: `task/t${i}`, source: 'mes', value: i });
    for (const d of w.diffs.slice(3)) expect(w.replica.handleDiff(d)).toEqual([]);
    expect(w.replica.heldDiffs).toBe(4);
    // The answer (1 -> 3) lands: 3 -> 4, 4 -> 5, 5 -> 6 follow from the held ones, each acknowledged.
    const acks = w.replica.handleDiff(answer.value);
    expect(acks).toHaveLength(4);
    expect(w.replica.state).toBe('synced');
    expect(w.replica.heldDiffs).toBe(0);
    expect(w.replicaStore.version).toBe(6);
    expect(w.replicaStore.snapshot()).toEqual(w.store.snapshot());
  });

  it('keeps at most maxHeldDiffs early DIFFs, letting the oldest go', () => {
    const w = world();
    const replica = new ContextReplica({
      store: new ContextStore({ clock: w.clock, storeId: 'small', mode: 'replica' }),
      messages: new MessageFactory({
        clock: w.clock,
        ids: new IdGenerator(w.clock),
        source: { id: 'a', kind: 'agent' },
      }),
      maxHeldDiffs: 2,
    });
    const load = (out: ReplicaOutput[]) => {
      const expanded = replica.handleExpand(
        w.provider.handleRequest(out[0] as MessageOf<'CONTEXT_REQUEST'>, {}),
      );
      if (!expanded.ok) throw expanded.error;
    };
    load(replica.resync());
    for (let i = 0; i < 6; i++) w.store.put({ ref: `task/t${i}`, source: 'mes', value: i });
    for (const d of w.diffs.slice(1)) replica.handleDiff(d);
    expect(replica.heldDiffs).toBe(2);
  });

  it('falls back to a full EXPAND when the provider cannot catch it up', () => {
    const w = world({ historyOps: 1 });
    w.pump(w.replica.resync());
    for (let i = 0; i < 5; i++) w.store.put({ ref: `task/t${i}`, source: 'mes', value: i });
    const out = w.replica.handleDiff(w.diffs[3]!);
    w.pump(out);
    expect(w.replica.state).toBe('synced');
    expect(w.replicaStore.snapshot()).toEqual(w.store.snapshot());
  });

  it('finishes a paged resync while the provider keeps changing (no livelock)', () => {
    const w = world({ maxItems: 2 });
    for (let i = 0; i < 5; i++) w.store.put({ ref: `world/r${i}`, source: 's', value: i });
    const queue: ReplicaOutput[] = w.replica.resync();
    let delivered = w.diffs.length;
    for (let round = 0; round < 50 && queue.length > 0; round++) {
      w.store.put({ ref: 'world/sensor', source: 's', value: round });
      const msg = queue.shift()!;
      if (msg.type === 'CONTEXT_REQUEST') {
        const next = w.replica.handleExpand(w.provider.handleRequest(msg, {}));
        if (!next.ok) throw next.error;
        queue.push(...next.value);
      } else {
        const answer = w.provider.handleAck(msg);
        if (answer.ok && answer.value) queue.push(...w.replica.handleDiff(answer.value));
      }
      for (; delivered < w.diffs.length; delivered++)
        queue.push(...w.replica.handleDiff(w.diffs[delivered]!));
    }
    expect(w.replica.state).toBe('synced');
    expect(w.replicaStore.snapshot()).toEqual(w.store.snapshot());
  });

  it('resyncs when the provider restarted (new store_id)', () => {
    const w = world();
    w.store.put({ ref: 'world/a', source: 's', value: 1 });
    w.pump(w.replica.resync());
    const restarted = new ContextStore({ clock: w.clock, storeId: 'boot-b' });
    const p2 = new ContextProvider({
      store: restarted,
      clock: w.clock,
      messages: new MessageFactory({
        clock: w.clock,
        ids: new IdGenerator(w.clock),
        source: { id: 'gw', kind: 'gateway' },
      }),
    });
    let diff: MessageOf<'CONTEXT_DIFF'> | undefined;
    restarted.onChange((c) => (diff = p2.diffMessage(c)));
    restarted.put({ ref: 'world/z', source: 's', value: 9 });
    expect(w.replica.handleDiff(diff!).map((m) => m.type)).toEqual(['CONTEXT_REQUEST']);
  });

  it('pages a truncated resync and catches up on changes made meanwhile', () => {
    const w = world({ maxItems: 2 });
    for (let i = 0; i < 5; i++) w.store.put({ ref: `world/r${i}`, source: 's', value: i });
    let outputs = w.replica.resync();
    const first = w.provider.handleRequest(outputs[0] as MessageOf<'CONTEXT_REQUEST'>, {});
    expect(first).toMatchObject({ truncated: true });
    w.store.put({ ref: 'world/r0', source: 's', value: 'changed' });
    w.store.retract('world/r4', 's');
    w.store.put({ ref: 'world/r9', source: 's', value: 9 });
    const next = w.replica.handleExpand(first);
    if (!next.ok) throw next.error;
    outputs = next.value;
    w.pump(outputs);
    expect(w.replica.state).toBe('synced');
    expect(w.replicaStore.snapshot()).toEqual(w.store.snapshot());
  });

  it('falls back to a full resync when the provider no longer has the history', () => {
    const w = world({ historyOps: 1, maxItems: 1 });
    w.store.put({ ref: 'world/a', source: 's', value: 1 });
    w.store.put({ ref: 'world/b', source: 's', value: 2 });
    const req = w.replica.resync()[0] as MessageOf<'CONTEXT_REQUEST'>;
    const page1 = w.provider.handleRequest(req, {});
    for (let i = 0; i < 3; i++) w.store.put({ ref: `world/c${i}`, source: 's', value: i });
    const next = w.replica.handleExpand(page1);
    if (!next.ok) throw next.error;
    w.pump(next.value);
    expect(w.replicaStore.snapshot()).toEqual(w.store.snapshot());
  });

  it('ignores stray EXPANDs and rejects resync pages without contributions', () => {
    const w = world();
    w.store.put({ ref: 'world/a', source: 's', value: 1 });
    const stray = w.provider.handleRequest(
      { cxp_version: '1.0', type: 'CONTEXT_REQUEST', request: ['**'], id: 'other' },
      {},
    );
    expect(w.replica.handleExpand(stray)).toEqual({ ok: true, value: [] });
    const req = w.replica.resync()[0] as MessageOf<'CONTEXT_REQUEST'>;
    const detailed = w.provider.handleRequest({ ...req, depth: 'detailed' }, {});
    const r = w.replica.handleExpand({ ...detailed, correlation_id: req.id });
    expect(r.ok ? undefined : r.error.code).toBe('MALFORMED_MESSAGE');
    expect(w.replica.state).toBe('unsynced');
    const req2 = w.replica.resync()[0] as MessageOf<'CONTEXT_REQUEST'>;
    const noVersion = w.replica.handleExpand({ ...detailed, version: undefined, correlation_id: req2.id });
    expect(noVersion.ok ? undefined : noVersion.error.code).toBe('MALFORMED_MESSAGE');
    const req3 = w.replica.resync()[0] as MessageOf<'CONTEXT_REQUEST'>;
    const badStamp = w.replica.handleExpand({
      ...detailed,
      correlation_id: req3.id,
      payload: { 'world/a': { contributions: [{ value: 1, provenance: { source: 's' } }] } },
    });
    expect(badStamp.ok ? undefined : badStamp.error.code).toBe('INVALID_CONTRIBUTION');
  });

  it('answers a bad DIFF with an error ACK and ignores unrelated ACKs', () => {
    const w = world();
    w.store.put({ ref: 'world/a', source: 's', value: 1 });
    w.pump(w.replica.resync());
    const bad = w.provider.diffMessage({ base: 1, version: 2, ops: [{ op: 'remove', ref: 'nope' }] });
    const out = w.replica.handleDiff(bad);
    expect(out[0]).toMatchObject({ type: 'CONTEXT_ACK', status: 'rejected', error: { code: 'INVALID_REF' } });
    expect(w.replica.handleAck({ cxp_version: '1.0', type: 'CONTEXT_ACK', ack: 2, status: 'ok' })).toEqual(
      [],
    );
    expect(
      w.provider.handleAck({ cxp_version: '1.0', type: 'CONTEXT_ACK', ack: 'msg', status: 'ok' }),
    ).toEqual({ ok: true, value: undefined });
    const current = w.provider.handleAck({ cxp_version: '1.0', type: 'CONTEXT_ACK', ack: 1, status: 'ok' });
    expect(current.ok && current.value).toMatchObject({
      type: 'CONTEXT_DIFF',
      base_version: 1,
      version: 1,
      ops: [],
    });
  });
});

describe('resync of a large store', () => {
  it('pages with the after cursor until every ref is loaded', () => {
    const w = world({ maxItems: 100 });
    w.store.putMany(
      Array.from({ length: 3000 }, (_, i) => ({
        ref: `world/r${String(i).padStart(4, '0')}`,
        source: 's',
        value: i,
      })),
    );
    let requests = 0;
    const queue = w.replica.resync();
    for (let msg = queue.shift(); msg; msg = queue.shift()) {
      if (msg.type !== 'CONTEXT_REQUEST') {
        const answer = w.provider.handleAck(msg);
        if (answer.ok && answer.value) queue.push(...w.replica.handleDiff(answer.value));
        continue;
      }
      requests += 1;
      expect(msg.request).toEqual(['**']);
      const next = w.replica.handleExpand(w.provider.handleRequest(msg, {}));
      if (!next.ok) throw next.error;
      queue.push(...next.value);
    }
    expect(requests).toBe(30);
    expect(w.replica.state).toBe('synced');
    expect(w.replicaStore.snapshot()).toEqual(w.store.snapshot());
  });

  it('adopts the store_id of the first DIFF when the resync EXPAND carried none', () => {
    const w = world();
    w.store.put({ ref: 'world/a', source: 's', value: 1 });
    const req = w.replica.resync()[0] as MessageOf<'CONTEXT_REQUEST'>;
    const { store_id: _ignored, ...expand } = w.provider.handleRequest(req, {});
    const loaded = w.replica.handleExpand(expand);
    expect(loaded.ok).toBe(true);
    w.store.put({ ref: 'world/b', source: 's', value: 2 });
    w.store.put({ ref: 'world/c', source: 's', value: 3 });
    expect(w.replica.handleDiff(w.diffs[1]!).map((m) => m.type)).toEqual(['CONTEXT_ACK']);
    expect(w.replica.handleDiff(w.diffs[2]!).map((m) => m.type)).toEqual(['CONTEXT_ACK']);
    expect(w.replicaStore.snapshot()).toEqual(w.store.snapshot());
  });
});

describe('policy on the DIFF stream', () => {
  it('turns contributions a viewer may not see into removes', () => {
    const ops = filterOps(
      [
        {
          op: 'add',
          ref: 'world/a',
          value: 1,
          provenance: { source: 's' },
          policy: { audience: ['role:ops'] },
        },
        { op: 'add', ref: 'world/b', value: 2, provenance: { source: 's' } },
        { op: 'remove', ref: 'world/c', provenance: { source: 's' } },
      ],
      { principal: { id: 'agent' } },
    );
    expect(ops.map((o) => [o.op, o.ref, o.value])).toEqual([
      ['remove', 'world/a', undefined],
      ['add', 'world/b', 2],
      ['remove', 'world/c', undefined],
    ]);
  });

  it('filters catch-up diffs for a viewer', () => {
    const w = world();
    w.store.put({ ref: 'world/secret', source: 's', value: 1, policy: { purpose: ['audit'] } });
    const d = w.provider.diffSince(0, { purpose: 'monitoring' });
    expect(d.ok && d.value.ops[0]?.op).toBe('remove');
  });
});

describe('intents', () => {
  const message: MessageOf<'INTENT_PROPOSE'> = {
    cxp_version: '1.0',
    type: 'INTENT_PROPOSE',
    id: 'i-1',
    intent: { name: 'pick_place', params: { speed_mps: 0.4 } },
  };
  const accept: DecisionHook = () => ({ decision: 'accepted', reasons: [] });
  const slow: DecisionHook = (intent) =>
    (intent.params?.speed_mps as number) > 0.25
      ? { decision: 'degraded', reasons: [{ code: 'SPEED_CLAMPED', details: { limit_mps: 0.25 } }] }
      : { decision: 'accepted', reasons: [] };
  const broken: DecisionHook = () => {
    throw new Error('policy engine down');
  };

  it('takes the most restrictive decision and keeps every reason', () => {
    expect(evaluateIntent([accept, slow], { viewer: {}, message })).toEqual({
      decision: 'degraded',
      reasons: [{ code: 'SPEED_CLAMPED', details: { limit_mps: 0.25 } }],
    });
    expect(evaluateIntent([accept], { viewer: {}, message }).decision).toBe('accepted');
  });

  it('fails closed on a throwing hook or with no hook', () => {
    expect(evaluateIntent([slow, broken], { viewer: {}, message })).toMatchObject({
      decision: 'rejected',
      reasons: [{ code: 'SPEED_CLAMPED' }, { code: 'EVALUATION_ERROR', message: 'policy engine down' }],
    });
    expect(evaluateIntent([], { viewer: {}, message }).reasons[0]?.code).toBe('NO_DECISION_HOOK');
  });

  it('answers with a CONTEXT_ACK that names the intent', () => {
    const clock = new ManualClock(T0);
    const f = new MessageFactory({
      clock,
      ids: new IdGenerator(clock),
      source: { id: 'gw', kind: 'gateway' },
    });
    expect(answerIntent(f, [slow], { viewer: {}, message })).toMatchObject({
      type: 'CONTEXT_ACK',
      ack: 'i-1',
      correlation_id: 'i-1',
      status: 'ok',
      decision: 'degraded',
    });
    const { id: _id, ...anonymous } = message;
    expect(answerIntent(f, [accept], { viewer: {}, message: anonymous }).ack).toBe('*');
  });
});
