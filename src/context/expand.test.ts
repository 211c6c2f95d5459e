import { describe, expect, it } from 'vitest';
import { ManualClock } from '../cxp/clock.js';
import { expandContext, summarize } from './expand.js';
import { buildPreview } from './preview.js';
import { ContextStore } from './store.js';

const T0 = Date.UTC(2026, 10, 21, 6, 0, 0);

function fixture() {
  const clock = new ManualClock(T0);
  const store = new ContextStore({ clock, storeId: 'gw-1' });
  store.put({
    ref: 'resources/printers/zebra-1',
    source: 'zebra',
    value: { online: true, media: 'ok' },
    kind: 'printer',
  });
  store.put({
    ref: 'resources/printers/zebra-1',
    source: 'operator',
    value: { online: false },
    confidence: 0.4,
  });
  store.put({ ref: 'world/robot/amr-1/pose', source: 'ros2', value: { x: 1, y: 2 }, stamp: T0 - 500 });
  store.put({
    ref: 'memory/maintenance/log',
    source: 'agent',
    value: 'head cleaned',
    policy: { purpose: ['maintenance'], audience: ['role:technician'] },
  });
  store.put({ ref: 'task/job-42', source: 'mes', value: 'x'.repeat(300), policy: { retention_ttl: '1s' } });
  return { clock, store };
}

const tech = { principal: { id: 'tech-1', roles: ['technician'] } };

describe('expandContext', () => {
  it('returns detailed slices with every visible provenance and flags conflicts', () => {
    const { store } = fixture();
    const body = expandContext(store, { request: ['resources/printers/zebra-1'] }, {});
    const slice = body.payload['resources/printers/zebra-1'];
    expect(slice).toMatchObject({
      section: 'resources',
      value: { online: true, media: 'ok' },
      confidence: 1,
      conflict: true,
    });
    expect(slice?.provenance?.map((p) => p.source)).toEqual(['zebra', 'operator']);
    expect(slice?.contributions).toBeUndefined();
    expect(body).toMatchObject({ missing: [], denied: [], truncated: false, version: store.version });
  });

  it('renders summary and full depths', () => {
    const { store } = fixture();
    const summary = expandContext(store, { request: ['world/**'], depth: 'summary' }, {});
    expect(summary.payload['world/robot/amr-1/pose']).toEqual({
      section: 'world',
      summary: '{x, y}',
      stamp: new Date(T0 - 500).toISOString(),
      confidence: 1,
    });
    const full = expandContext(store, { request: ['resources/printers/zebra-1'], depth: 'full' }, {});
    expect(full.payload['resources/printers/zebra-1']?.contributions).toHaveLength(2);
  });

  it('enforces policy per ref: purpose and audience', () => {
    const { store } = fixture();
    const ref = 'memory/maintenance/log';
    expect(expandContext(store, { request: [ref] }, {}).denied).toEqual([
      { ref, code: 'POLICY_DENIED', reason: 'audience_not_allowed' },
    ]);
    expect(expandContext(store, { request: [ref] }, tech).denied).toEqual([
      { ref, code: 'POLICY_DENIED', reason: 'purpose_required' },
    ]);
    const ok = expandContext(store, { request: [ref], purpose: 'maintenance', depth: 'full' }, tech);
    expect(ok.payload[ref]?.policy).toEqual({ purpose: ['maintenance'], audience: ['role:technician'] });
    expect(ok.payload[ref]?.contributions?.[0]?.policy).toBeDefined();
  });

  it('reports missing, invalid and expired refs', () => {
    const { store, clock } = fixture();
    clock.advance(1001);
    const body = expandContext(store, { request: ['world/none', 'nonsense', 'task/job-42', 'robots/*'] }, {});
    expect(body.missing).toEqual(['world/none']);
    expect(body.denied?.map((d) => [d.ref, d.code])).toEqual([
      ['nonsense', 'INVALID_REF'],
      ['robots/*', 'INVALID_REF'],
      ['task/job-42', 'EXPIRED'],
    ]);
  });

  it('answers selectors in ref order without duplicates', () => {
    const { store } = fixture();
    const body = expandContext(
      store,
      { request: ['resources/printers/zebra-1', '**'], depth: 'summary' },
      {},
    );
    expect(Object.keys(body.payload)).toEqual([
      'resources/printers/zebra-1',
      'task/job-42',
      'world/robot/amr-1/pose',
    ]);
    expect(body.denied?.map((d) => d.ref)).toEqual(['memory/maintenance/log']);
  });

  it('stops at the budget: truncated with omitted refs, oversize slices denied', () => {
    const { store } = fixture();
    const items = expandContext(store, { request: ['**'], budget: { max_items: 1 }, depth: 'summary' }, {});
    expect(Object.keys(items.payload)).toHaveLength(1);
    expect(items).toMatchObject({ truncated: true, omitted: ['task/job-42', 'world/robot/amr-1/pose'] });
    const bytes = expandContext(
      store,
      { request: ['task/job-42', 'world/robot/amr-1/pose'], budget: { max_bytes: 300 } },
      {},
    );
    expect(bytes.denied).toEqual([expect.objectContaining({ ref: 'task/job-42', code: 'BUDGET_EXCEEDED' })]);
    expect(Object.keys(bytes.payload)).toEqual(['world/robot/amr-1/pose']);
    expect(JSON.stringify(bytes.payload).length).toBeLessThanOrEqual(300);
    const server = expandContext(store, { request: ['**'], depth: 'summary' }, {}, { maxItems: 2 });
    expect(server.omitted).toEqual(['world/robot/amr-1/pose']);
  });

  it('summarizes values briefly', () => {
    expect(summarize([1, 2, 3])).toBe('[3 items]');
    expect(summarize({ a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9 })).toBe(
      '{a, b, c, d, e, f, g, h, …}',
    );
    expect(summarize('y'.repeat(500))).toHaveLength(120);
    expect(summarize(null)).toBe('null');
  });
});

describe('buildPreview', () => {
  it('lists refs newest first with section counts and no values', () => {
    const { store } = fixture();
    const p = buildPreview(store, {}, T0, { title: 'gw-1' });
    expect(p.context_refs).toEqual(['resources/printers/zebra-1', 'task/job-42', 'world/robot/amr-1/pose']);
    expect(p.sections).toEqual({
      task: { count: 1, updated_at: new Date(T0).toISOString() },
      world: { count: 1, updated_at: new Date(T0 - 500).toISOString() },
      resources: { count: 1, updated_at: new Date(T0).toISOString() },
    });
    expect(p.summary).toBe('gw-1: 3 refs (task 1, world 1, resources 1) at version 5');
    expect(p.store_id).toBe('gw-1');
    expect(buildPreview(store, tech, T0, { maxRefs: 1 }).context_refs).toEqual(['memory/maintenance/log']);
  });

  it('leaves out expired data and says when there is none', () => {
    const clock = new ManualClock(T0);
    const store = new ContextStore({ clock });
    expect(buildPreview(store, {}, T0).summary).toBe('no context yet (version 0)');
    store.put({
      ref: 'safety/events/e1',
      source: 'supervisor',
      value: { severity: 'WARNING' },
      policy: { retention_ttl: '1s' },
    });
    expect(buildPreview(store, {}, T0).summary).toBe('1 refs (safety 1) at version 1; 1 safety entries');
    expect(buildPreview(store, {}, T0 + 1000).context_refs).toEqual([]);
  });
});

describe('expandContext paging and bounds', () => {
  it('answers only refs after the cursor', () => {
    const { store } = fixture();
    const body = expandContext(store, { request: ['**'], after: 'task/job-42', depth: 'summary' }, {});
    expect(Object.keys(body.payload)).toEqual(['world/robot/amr-1/pose']);
  });

  it('bounds the denied, missing and omitted lists and says the answer is truncated', () => {
    const clock = new ManualClock(T0);
    const store = new ContextStore({ clock });
    const request = Array.from({ length: 500 }, (_, i) => `world/none-${i}`);
    const body = expandContext(store, { request }, {}, { maxListBytes: 1000 });
    expect(body.truncated).toBe(true);
    expect(body.missing?.length).toBeGreaterThan(10);
    expect(body.missing?.length).toBeLessThan(100);
    expect(JSON.stringify(body.missing).length).toBeLessThanOrEqual(1000);
  });
});

describe('selector cost and limits (review findings)', () => {
  it('matches selectors full of ** without backtracking blow-up', () => {
    const clock = new ManualClock(T0);
    const store = new ContextStore({ clock });
    const deep = `world/${Array.from({ length: 16 }, (_, i) => `s${i}`).join('/')}`;
    store.put({ ref: deep, source: 's', value: 1 });
    const selector = `*/${'**/'.repeat(15)}b`;
    expect(expandContext(store, { request: [selector] }, {}).payload).toEqual({});
    const hit = `*/${'**/'.repeat(15)}s15`;
    expect(Object.keys(expandContext(store, { request: [hit], depth: 'summary' }, {}).payload)).toEqual([
      deep,
    ]);
  });

  it('answers at most 8 distinct selectors per request and de-duplicates items', () => {
    const { store } = fixture();
    const request = [
      ...Array.from({ length: 10 }, (_, i) => `world/${'*/'.repeat(i)}*`),
      'world/**',
      'world/**',
    ];
    const body = expandContext(store, { request, depth: 'summary' }, {});
    expect(body.denied?.filter((d) => d.reason.includes('more than 8 selectors'))).toHaveLength(3);
  });

  it('narrows a selector to the refs sharing its literal prefix', () => {
    const { store } = fixture();
    const body = expandContext(store, { request: ['resources/printers/*'], depth: 'summary' }, {});
    expect(Object.keys(body.payload)).toEqual(['resources/printers/zebra-1']);
  });
});
