import { describe, expect, it } from 'vitest';
import { encodeValue } from '../../../src/cxp/codec.js';
import { ManualClock } from '../../../src/cxp/clock.js';
import { ContextStore } from '../../../src/context/store.js';
import { isValidTopicFilter, isValidTopicName, matchTopic, topicMatches } from '../topics.js';
import { CxpTopics } from '../cxp-topics.js';
import { ExportRules, exportTopic } from './export.js';
import { expandRef, IngestRules, pick } from './ingest.js';
import type { ExportRule, IngestRule } from './config.js';

const enc = new TextEncoder();
const rule = (r: Partial<IngestRule> & Pick<IngestRule, 'filter' | 'ref'>): IngestRule => ({
  encoding: 'auto',
  confidence: 1,
  ...r,
});

describe('topics', () => {
  it('captures + levels and the # remainder, and keeps $ topics away from leading wildcards', () => {
    expect(matchTopic('plant/+/temp', 'plant/cell-1/temp')).toEqual({ plus: ['cell-1'], rest: undefined });
    expect(matchTopic('plant/#', 'plant/a/b')).toEqual({ plus: [], rest: 'a/b' });
    expect(matchTopic('plant/#', 'plant')).toEqual({ plus: [], rest: '' });
    expect(matchTopic('plant/+', 'plant/a/b')).toBeUndefined();
    expect(matchTopic('#', '$SYS/x')).toBeUndefined();
    expect(isValidTopicFilter('a/#/b')).toBe(false);
    expect(isValidTopicFilter('a/b+')).toBe(false);
    expect(isValidTopicName('a/+')).toBe(false);
    expect(isValidTopicName('a/b')).toBe(true);
    expect(topicMatches('a/+/c', 'a/b/c')).toBe(true);
  });

  it('names the CXP topics and routes replies', () => {
    const t = new CxpTopics('cxp/v1/', 'gw-1');
    expect([t.in, t.out, t.preview, t.diff, t.status, t.safetyActive]).toEqual([
      'cxp/v1/gw-1/in',
      'cxp/v1/gw-1/out',
      'cxp/v1/gw-1/preview',
      'cxp/v1/gw-1/diff',
      'cxp/v1/gw-1/status',
      'cxp/v1/gw-1/safety/active',
    ]);
    expect(t.principalOf('cxp/v1/gw-1/in/planner')).toBe('planner');
    expect(t.principalOf('cxp/v1/gw-1/in')).toBeUndefined();
    expect(t.replyTopic('my/replies', 'x')).toBe('my/replies');
    expect(t.replyTopic('bad/#', 'agent-7')).toBe('cxp/v1/gw-1/out/agent-7');
    expect(t.replyTopic(undefined, 'a/b')).toBe('cxp/v1/gw-1/out');
  });
});

describe('ingest rules', () => {
  const rules = new IngestRules(
    [
      rule({
        filter: 'plant/+/temp',
        ref: 'world/{1}/temperature',
        field: 'data.v',
        unit: 'degC',
        retention: '1m',
        stamp_field: 'ts',
      }),
      rule({
        filter: 'scale/#',
        ref: 'resources/scales/{#}',
        encoding: 'text',
        confidence: 0.8,
        source: 'scales',
      }),
      rule({ filter: 'pack/+', ref: 'world/pack/{1}', encoding: 'msgpack' }),
    ],
    1024,
  );

  it('turns a matching message into a contribution with provenance', () => {
    const { inputs, errors } = rules.apply(
      'plant/cell-1/temp',
      enc.encode('{"data":{"v":21.5},"ts":1700000000000}'),
    );
    expect(errors).toEqual([]);
    expect(inputs).toEqual([
      {
        ref: 'world/cell-1/temperature',
        source: 'mqtt:plant/cell-1/temp',
        value: { value: 21.5, unit: 'degC' },
        confidence: 1,
        kind: 'mqtt',
        via: ['mqtt:plant/cell-1/temp'],
        policy: { retention_ttl: '1m' },
        stamp: 1700000000000,
      },
    ]);
    expect(rules.apply('scale/line-2', enc.encode(' 12.5 kg\n')).inputs[0]).toMatchObject({
      ref: 'resources/scales/line-2',
      value: '12.5 kg',
      source: 'scales',
      confidence: 0.8,
    });
    expect(rules.apply('pack/a', encodeValue({ n: 1 }, 'msgpack')).inputs[0]?.value).toEqual({ n: 1 });
    expect(rules.filters).toEqual(['plant/+/temp', 'scale/#', 'pack/+']);
  });

  it('refuses what it cannot turn into context, with codes', () => {
    const codes = (topic: string, payload: Uint8Array) =>
      rules.apply(topic, payload).errors.map((e) => e.code);
    expect(codes('plant/cell-1/temp', enc.encode('{"other":1}'))).toEqual(['INVALID_PARAMS']);
    expect(codes('plant/a b/temp', enc.encode('{"data":{"v":1}}'))).toEqual(['INVALID_REF']);
    expect(codes('scale/x', new Uint8Array([0xff, 0xfe]))).toEqual(['MALFORMED_MESSAGE']);
    expect(codes('pack/a', new Uint8Array([0xc1]))).toEqual(['MALFORMED_MESSAGE']);
    expect(codes('scale/x', new Uint8Array(2000))).toEqual(['MESSAGE_TOO_LARGE']);
    expect(rules.apply('nothing/here', enc.encode('1'))).toEqual({ inputs: [], errors: [] });
  });

  it('expands ref templates and picks dotted paths', () => {
    expect(expandRef('world/{2}/{1}/{topic}', 'a/b', { plus: ['x', 'y'], rest: undefined })).toBe(
      'world/y/x/a/b',
    );
    expect(pick({ a: [{ b: 2 }] }, 'a.0.b')).toBe(2);
    expect(pick({ a: 1 }, 'a.b')).toBeUndefined();
  });
});

describe('export rules', () => {
  const exportRule = (r: Partial<ExportRule> & Pick<ExportRule, 'ref' | 'topic'>): ExportRule => ({
    qos: 0,
    retain: false,
    encoding: 'json',
    payload: 'value',
    ...r,
  });

  it('publishes changed refs, coalesces above max_rate_hz, clears retained refs that are gone', () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 21));
    const store = new ContextStore({ clock });
    const rules = new ExportRules(
      [exportRule({ ref: 'world/*/temperature', topic: 'out/{path}', max_rate_hz: 1, retain: true, qos: 1 })],
      store,
      clock,
    );
    store.put({ ref: 'world/c1/temperature', source: 's', value: 20 });
    const first = rules.onOps([{ op: 'add', ref: 'world/c1/temperature' }]);
    expect(first.map((m) => [m.topic, new TextDecoder().decode(m.payload), m.qos, m.retain])).toEqual([
      ['out/c1/temperature', '20', 1, true],
    ]);
    store.put({ ref: 'world/c1/temperature', source: 's', value: 21 });
    expect(rules.onOps([{ op: 'replace', ref: 'world/c1/temperature' }])).toEqual([]);
    expect(rules.due().nextInMs).toBeGreaterThan(0);
    clock.advance(1000);
    expect(rules.due().messages.map((m) => new TextDecoder().decode(m.payload))).toEqual(['21']);
    store.retract('world/c1/temperature', 's');
    clock.advance(1000);
    expect(rules.onOps([{ op: 'remove', ref: 'world/c1/temperature' }])[0]?.payload.byteLength).toBe(0);
    store.put({ ref: 'world/secret/temperature', source: 's', value: 1, policy: { audience: ['role:ops'] } });
    expect(rules.onOps([{ op: 'add', ref: 'world/secret/temperature' }])).toEqual([]);
    expect(exportTopic('p/{name}/{ref}', 'world/a/b')).toBe('p/b/world/a/b');
  });
});
