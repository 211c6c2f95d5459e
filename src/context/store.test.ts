import { describe, expect, it } from 'vitest';
import { ManualClock } from '../cxp/clock.js';
import { ChangeLog } from './change-log.js';
import { ContextStore } from './store.js';

const T0 = Date.UTC(2026, 10, 21, 6, 0, 0);

function setup(options: Partial<ConstructorParameters<typeof ContextStore>[0]> = {}) {
  const clock = new ManualClock(T0);
  return { clock, store: new ContextStore({ clock, ...options }) };
}

describe('ContextStore contributions', () => {
  it('keeps one contribution per source and never lets a source erase another', () => {
    const { store } = setup();
    store.put({ ref: 'world/cell/temp', source: 'serial:scale', value: 21.5, confidence: 0.7 });
    store.put({ ref: 'world/cell/temp', source: 'mqtt:plc', value: 22.1, confidence: 0.9 });
    store.retract('world/cell/temp', 'mqtt:plc');
    const found = store.lookup('world/cell/temp');
    expect(found.status).toBe('found');
    if (found.status !== 'found') return;
    expect(found.entry.winner.value).toBe(21.5);
    expect(found.entry.contributions).toHaveLength(1);
  });

  it('resolves by confidence, then newest stamp, then smallest source id', () => {
    const { store, clock } = setup();
    store.put({ ref: 'world/a', source: 'b', value: 1, confidence: 0.5 });
    store.put({ ref: 'world/a', source: 'c', value: 2, confidence: 0.9 });
    expect(store.value('world/a')).toBe(2);
    store.put({ ref: 'world/b', source: 'x', value: 'old', stamp: T0 - 1000 });
    store.put({ ref: 'world/b', source: 'y', value: 'new', stamp: new Date(T0).toISOString() });
    expect(store.value('world/b')).toBe('new');
    store.put({ ref: 'world/c', source: 'zz', value: 'z', stamp: T0 });
    store.put({ ref: 'world/c', source: 'aa', value: 'a', stamp: T0 });
    expect(store.value('world/c')).toBe('a');
    const c = store.lookup('world/c');
    expect(c.status === 'found' && c.entry.conflict).toBe(true);
    clock.advance(1);
    expect(store.value('world/none')).toBeUndefined();
  });

  it('bumps the version once per change and not for identical puts', () => {
    const { store } = setup();
    expect(store.put({ ref: 'task/job', source: 's', value: { n: 1 }, stamp: T0 })).toEqual({
      ok: true,
      value: 1,
    });
    expect(store.put({ ref: 'task/job', source: 's', value: { n: 1 }, stamp: T0 })).toEqual({
      ok: true,
      value: 1,
    });
    const batch = store.putMany([
      { ref: 'task/a', source: 's', value: 1 },
      { ref: 'task/b', source: 's', value: 2 },
    ]);
    expect(batch).toMatchObject({ version: 2, applied: 2, rejected: [] });
    expect(store.retract('task/none', 's')).toBe(2);
  });

  it('copies values so callers cannot change stored data', () => {
    const { store } = setup();
    const value = { list: [1] };
    store.put({ ref: 'memory/m', source: 's', value });
    value.list.push(2);
    expect(store.value('memory/m')).toEqual({ list: [1] });
  });

  it.each([
    [{ ref: 'nope', source: 's', value: 1 }, 'INVALID_REF'],
    [{ ref: 'world/a', source: '', value: 1 }, 'INVALID_CONTRIBUTION'],
    [{ ref: 'world/a', source: 's', value: 1, confidence: 1.5 }, 'INVALID_CONTRIBUTION'],
    [{ ref: 'world/a', source: 's', value: 1, confidence: NaN }, 'INVALID_CONTRIBUTION'],
    [{ ref: 'world/a', source: 's', value: NaN }, 'INVALID_CONTRIBUTION'],
    [{ ref: 'world/a', source: 's', value: 1, stamp: 'soon' }, 'INVALID_CONTRIBUTION'],
    [{ ref: 'world/a', source: 's', value: 1, stamp: -5 }, 'INVALID_CONTRIBUTION'],
    [{ ref: 'world/a', source: 's', value: 1, policy: { retention_ttl: 'forever' } }, 'INVALID_CONTRIBUTION'],
  ])('refuses %j with %s and changes nothing', (input, code) => {
    const { store } = setup();
    const r = store.put(input);
    expect(r.ok ? undefined : r.error.code).toBe(code);
    expect(store.version).toBe(0);
  });

  it('applies the valid part of a batch and reports the rest by index', () => {
    const { store } = setup();
    const r = store.putMany([
      { ref: 'world/a', source: 's', value: 1 },
      { ref: 'bad', source: 's', value: 1 },
    ]);
    expect(r.applied).toBe(1);
    expect(r.rejected.map((x) => [x.index, x.error.code])).toEqual([[1, 'INVALID_REF']]);
  });

  it('bounds refs and sources per ref', () => {
    const { store } = setup({ maxRefs: 2, maxContributionsPerRef: 2 });
    store.put({ ref: 'world/a', source: 's1', value: 1 });
    store.put({ ref: 'world/b', source: 's1', value: 1 });
    const r = store.put({ ref: 'world/c', source: 's1', value: 1 });
    expect(r.ok ? undefined : r.error.code).toBe('STORE_FULL');
    store.put({ ref: 'world/a', source: 's2', value: 1 });
    const r2 = store.put({ ref: 'world/a', source: 's3', value: 1 });
    expect(r2.ok ? undefined : r2.error.code).toBe('STORE_FULL');
    expect(store.put({ ref: 'world/a', source: 's1', value: 2 }).ok).toBe(true);
  });
});

describe('ContextStore retention', () => {
  it('expires contributions after their TTL, per contribution, from receipt', () => {
    const { store, clock } = setup({ defaultRetention: { world: '10s' } });
    store.put({ ref: 'world/a', source: 'short', value: 1, policy: { retention_ttl: '2s' } });
    store.put({ ref: 'world/a', source: 'default', value: 2, confidence: 0.1 });
    store.put({ ref: 'task/t', source: 'forever', value: 3 });
    expect(store.expire()).toBe(0);
    clock.advance(2000);
    expect(store.lookup('world/a')).toMatchObject({ status: 'found', entry: { winner: { value: 2 } } });
    expect(store.expire()).toBe(1);
    clock.advance(8000);
    expect(store.lookup('world/a').status).toBe('expired');
    const before = store.version;
    expect(store.expire()).toBe(1);
    expect(store.version).toBe(before + 1);
    expect(store.lookup('world/a').status).toBe('missing');
    expect(store.value('task/t')).toBe(3);
    expect(store.diffSince(before)).toMatchObject({
      ok: true,
      value: { ops: [{ op: 'remove', ref: 'world/a' }] },
    });
  });
});

describe('ContextStore diffs', () => {
  it('answers diffs from history, compacted, and asks for a resync past it', () => {
    const { store } = setup({ historyOps: 3 });
    store.put({ ref: 'world/a', source: 's', value: 1 });
    store.put({ ref: 'world/a', source: 's', value: 2 });
    store.put({ ref: 'world/b', source: 's', value: 3 });
    const d = store.diffSince(1);
    expect(d.ok && d.value.ops.map((o) => [o.op, o.ref, o.value])).toEqual([
      ['replace', 'world/a', 2],
      ['add', 'world/b', 3],
    ]);
    expect(store.diffSince(3)).toMatchObject({ ok: true, value: { ops: [] } });
    store.put({ ref: 'world/c', source: 's', value: 4 });
    expect(store.historyFloor).toBe(1);
    const old = store.diffSince(0);
    expect(old.ok ? undefined : old.error.code).toBe('RESYNC_REQUIRED');
    const ahead = store.diffSince(99);
    expect(ahead.ok ? undefined : ahead.error.code).toBe('RESYNC_REQUIRED');
  });

  it('notifies listeners once per committed change', () => {
    const { store } = setup();
    const seen: number[] = [];
    const off = store.onChange((c) => seen.push(c.version));
    store.put({ ref: 'world/a', source: 's', value: 1, stamp: T0 });
    store.put({ ref: 'world/a', source: 's', value: 1, stamp: T0 });
    off();
    store.put({ ref: 'world/b', source: 's', value: 1 });
    expect(seen).toEqual([1]);
  });

  it('applies diffs in order, ignores duplicates and refuses gaps and bad ops', () => {
    const { store: a } = setup();
    const { store: b } = setup();
    a.put({ ref: 'world/a', source: 's', value: 1 });
    a.put({ ref: 'world/b', source: 't', value: 2, policy: { audience: ['x'] } });
    a.retract('world/a', 's');
    const all = a.diffSince(0);
    if (!all.ok) throw all.error;
    expect(b.applyDiff(all.value)).toEqual({ ok: true, value: 'applied' });
    expect(b.snapshot()).toEqual(a.snapshot());
    expect(b.applyDiff(all.value)).toEqual({ ok: true, value: 'duplicate' });
    const gap = b.applyDiff({ base_version: 5, version: 6, ops: [] });
    expect(gap.ok ? undefined : gap.error.code).toBe('RESYNC_REQUIRED');
    const backwards = b.applyDiff({ base_version: 9, version: 8, ops: [{ op: 'remove', ref: 'world/a' }] });
    expect(backwards.ok ? undefined : backwards.error.code).toBe('MALFORMED_MESSAGE');
    const badRef = b.applyDiff({ base_version: 3, version: 4, ops: [{ op: 'remove', ref: 'oops' }] });
    expect(badRef.ok ? undefined : badRef.error.code).toBe('INVALID_REF');
    const noValue = b.applyDiff({
      base_version: 3,
      version: 4,
      ops: [{ op: 'add', ref: 'world/z', provenance: { source: 's' } }],
    });
    expect(noValue.ok ? undefined : noValue.error.code).toBe('MALFORMED_MESSAGE');
    const noStamp = b.applyDiff({
      base_version: 3,
      version: 4,
      ops: [{ op: 'add', ref: 'world/z', value: 1, provenance: { source: 's' } }],
    });
    expect(noStamp.ok ? undefined : noStamp.error.code).toBe('INVALID_CONTRIBUTION');
    expect(b.version).toBe(3);
    const removeAll = b.applyDiff({
      base_version: 3,
      version: 4,
      ops: [
        { op: 'remove', ref: 'world/b' },
        { op: 'remove', ref: 'world/none' },
      ],
    });
    expect(removeAll.ok).toBe(true);
    expect(b.size).toBe(0);
  });

  it('resets and loads for a resync', () => {
    const { store: a } = setup();
    a.put({ ref: 'world/a', source: 's', value: 1, policy: { retention_ttl: '1h' } });
    const { store: b } = setup();
    b.put({ ref: 'world/old', source: 's', value: 0 });
    b.reset(a.version);
    const wire = a.contributionsOf('world/a').map((s) => s.contribution);
    expect(b.loadWire('world/a', wire)).toEqual({ ok: true, value: undefined });
    expect(b.loadWire('world/empty', [])).toEqual({ ok: true, value: undefined });
    expect(b.loadWire('not a ref', wire).ok).toBe(false);
    expect(b.loadWire('world/x', [{ value: 1 }]).ok).toBe(false);
    expect(b.loadWire('world/x', [{ value: 1, provenance: { source: 's', stamp: 'x' } }]).ok).toBe(false);
    expect(b.snapshot()).toEqual(a.snapshot());
  });
});

describe('ContextStore fixes found in review', () => {
  it('moves the version on a replicated diff without ops', () => {
    const { store } = setup();
    expect(store.applyDiff({ base_version: 0, version: 1, ops: [] })).toEqual({ ok: true, value: 'applied' });
    expect(store.version).toBe(1);
    expect(store.applyDiff({ base_version: 1, version: 1, ops: [] })).toEqual({
      ok: true,
      value: 'duplicate',
    });
  });

  it('gives every store its own id unless one is configured', () => {
    expect(setup().store.storeId).not.toBe(setup().store.storeId);
    expect(setup().store.storeId).toMatch(/^[0-9a-f]{16}$/);
    expect(setup({ storeId: 'boot-1' }).store.storeId).toBe('boot-1');
  });

  it('reads values for trusted readers whatever their policy, but not expired ones', () => {
    const { store, clock } = setup();
    store.put({
      ref: 'world/x',
      source: 's',
      value: 5,
      policy: { audience: ['role:x'], purpose: ['p'], retention_ttl: '1s' },
    });
    expect(store.value('world/x')).toBe(5);
    clock.advance(1000);
    expect(store.value('world/x')).toBeUndefined();
  });
});

describe('ContextStore input checks and isolation (review findings)', () => {
  it.each([
    [{ via: [NaN] }, 'provenance'],
    [{ kind: 'k'.repeat(65) }, 'provenance'],
    [{ via: Array.from({ length: 33 }, () => 'hop') }, 'provenance'],
    [{ policy: { audience: 'ops' } }, 'policy'],
    [{ policy: { purpose: 'audit' } }, 'policy'],
    [{ value: 'x'.repeat(300 * 1024) }, 'exceeds the limit'],
  ])('refuses %j with INVALID_CONTRIBUTION', (extra, message) => {
    const { store } = setup();
    const r = store.put({ ref: 'world/a', source: 's', value: 1, ...(extra as object) });
    expect(r.ok ? undefined : [r.error.code, r.error.message]).toEqual([
      'INVALID_CONTRIBUTION',
      expect.stringContaining(message),
    ]);
    expect(store.version).toBe(0);
  });

  it('keeps going when a change listener throws, and reports it', () => {
    const errors: unknown[] = [];
    const { store } = setup({ onListenerError: (e) => errors.push(e) });
    const seen: number[] = [];
    store.onChange(() => {
      throw new Error('listener bug');
    });
    store.onChange((c) => seen.push(c.version));
    expect(store.put({ ref: 'world/a', source: 's', value: 1 })).toEqual({ ok: true, value: 1 });
    expect(seen).toEqual([1]);
    expect(errors).toHaveLength(1);
  });

  it('hands out frozen data: readers cannot change the store', () => {
    const { store } = setup();
    store.put({ ref: 'world/a', source: 's', value: { n: 1 } });
    const d = store.diffSince(0);
    if (!d.ok) throw d.error;
    expect(() => {
      (d.value.ops[0]!.value as { n: number }).n = 666;
    }).toThrow(TypeError);
    const found = store.lookup('world/a');
    expect(() => {
      if (found.status === 'found') (found.entry.winner.provenance as { source: string }).source = 'x';
    }).toThrow(TypeError);
    expect(store.value('world/a')).toEqual({ n: 1 });
  });

  it('holds its bounds for replicated diffs too', () => {
    const { store } = setup({ maxRefs: 2, maxContributionsPerRef: 1 });
    const stamp = new Date(T0).toISOString();
    const ops = Array.from({ length: 3 }, (_, i) => ({
      op: 'add' as const,
      ref: `world/r${i}`,
      value: i,
      provenance: { source: 's', stamp },
    }));
    const r = store.applyDiff({ base_version: 0, version: 1, ops });
    expect(r.ok ? undefined : r.error.code).toBe('STORE_FULL');
    expect(store.size).toBe(0);
    const twoSources = store.applyDiff({
      base_version: 0,
      version: 1,
      ops: [ops[0]!, { ...ops[0]!, provenance: { source: 't', stamp } }],
    });
    expect(twoSources.ok ? undefined : twoSources.error.code).toBe('STORE_FULL');
  });

  it('expires on a replica without taking a version of its own', () => {
    const { store: primary, clock } = setup();
    const replica = new ContextStore({ clock, mode: 'replica' });
    primary.put({ ref: 'world/a', source: 's', value: 1, policy: { retention_ttl: '1s' } });
    const first = primary.diffSince(0);
    if (!first.ok) throw first.error;
    replica.applyDiff(first.value);
    clock.advance(1000);
    expect(replica.expire()).toBe(1);
    expect(replica.version).toBe(1);
    primary.expire();
    primary.put({ ref: 'world/b', source: 's', value: 2 });
    const rest = primary.diffSince(1);
    if (!rest.ok) throw rest.error;
    expect(replica.applyDiff(rest.value)).toEqual({ ok: true, value: 'applied' });
    expect(replica.snapshot()).toEqual(primary.snapshot());
  });
});

describe('ChangeLog memory', () => {
  it('keeps no more than its op budget alive, however many batches pass (dropped entries are released)', () => {
    const log = new ChangeLog(1000, 0);
    const op = { op: 'remove', ref: 'world/x', provenance: { source: 's' } } as const;
    for (let v = 1; v <= 3000; v++)
      log.append({ base: v - 1, version: v, ops: Array.from({ length: 500 }, () => op) });
    // Budget 1000 ops, but the newest entry is always kept: at most two 500-op entries.
    expect(log.retainedOps).toBeLessThanOrEqual(1000);
    expect(log.since(2998)).toHaveLength(1000);
    expect(log.since(2997)).toBeUndefined();
  });
});
