import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { CxpError, toCxpError } from './errors.js';
import { IdGenerator } from './ids.js';
import { decodeMessage, encodeMessage, isExpired, MessageFactory } from './message.js';

const clock = new ManualClock(Date.UTC(2026, 10, 21, 6, 0, 0));
const ids = new IdGenerator(clock);
const factory = new MessageFactory({ clock, ids, source: { id: 'gw-1', kind: 'gateway' } });

function code(input: string): string | undefined {
  const r = decodeMessage(input);
  return r.ok ? undefined : r.error.code;
}

describe('decodeMessage', () => {
  it('checks the version before the type and the type before the schema', () => {
    expect(code('{"type":"CONTEXT_ACK"}')).toBe('MALFORMED_MESSAGE');
    expect(code('{"cxp_version":1,"type":"CONTEXT_ACK"}')).toBe('MALFORMED_MESSAGE');
    expect(code('{"cxp_version":"v1","type":"CONTEXT_ACK"}')).toBe('MALFORMED_MESSAGE');
    expect(code('{"cxp_version":"2.1","type":"NOPE"}')).toBe('UNSUPPORTED_VERSION');
    expect(code('{"cxp_version":"1.0"}')).toBe('MALFORMED_MESSAGE');
    expect(code('{"cxp_version":"1.0","type":"NOPE"}')).toBe('UNKNOWN_MESSAGE_TYPE');
    expect(code('{"cxp_version":"1.7","type":"CONTEXT_ACK","ack":"x","status":"ok"}')).toBeUndefined();
    expect(code('"CONTEXT_ACK"')).toBe('MALFORMED_MESSAGE');
  });

  it('reports schema problems as paths and keeps what it could read of the header', () => {
    const r = decodeMessage(
      '{"cxp_version":"1.0","type":"CONTEXT_DIFF","id":"m1","base_version":-1,"version":2,"ops":[]}',
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('MALFORMED_MESSAGE');
    expect(r.error.details.errors).toContainEqual(expect.objectContaining({ path: '/base_version' }));
    expect(r.header).toEqual({ id: 'm1', type: 'CONTEXT_DIFF' });
  });

  it('keeps unknown fields', () => {
    const r = decodeMessage(
      '{"cxp_version":"1.0","type":"ACTION_REQUEST","action":"print.submit","x_vendor":{"a":1}}',
    );
    expect(r.ok && (r.message as Record<string, unknown>).x_vendor).toEqual({ a: 1 });
  });

  it('fills id, ts and source on receipt only when asked', () => {
    const json = '{"cxp_version":"1.0","type":"CONTEXT_REQUEST","request":["mem_332"]}';
    const plain = decodeMessage(json);
    expect(plain.ok && plain.message.id).toBeUndefined();
    const filled = decodeMessage(json, { fill: { clock, ids } });
    expect(filled.ok && filled.message).toMatchObject({
      ts: '2026-11-21T06:00:00.000Z',
      source: { id: 'anonymous', kind: 'unknown' },
    });
    const asPrincipal = decodeMessage(json, {
      fill: { clock, ids, source: { id: 'agent-7', kind: 'agent' } },
    });
    expect(asPrincipal.ok && asPrincipal.message.source).toEqual({ id: 'agent-7', kind: 'agent' });
  });

  it('round-trips a built message through both encodings', () => {
    const m = factory.create('ACTION_REQUEST', {
      action: 'print.submit',
      params: { copies: 2 },
      target: 'zebra-1',
    });
    for (const encoding of ['json', 'msgpack'] as const) {
      const r = decodeMessage(encodeMessage(m, encoding), { encoding });
      expect(r.ok && r.message).toEqual(m);
    }
  });
});

describe('MessageFactory', () => {
  it('builds complete envelopes', () => {
    const m = factory.create('CONTEXT_ACK', { ack: 3, status: 'ok' });
    expect(m).toMatchObject({ cxp_version: '1.0', type: 'CONTEXT_ACK', ts: '2026-11-21T06:00:00.000Z' });
    expect(m.source).toEqual({ id: 'gw-1', kind: 'gateway' });
    expect(factory.source.id).toBe('gw-1');
  });

  it('builds error replies that decode as CONTEXT_ACK', () => {
    const err = new CxpError('UNKNOWN_REF', 'no such ref', { details: { ref: 'world/x' } });
    const withId = factory.errorReply(err, { id: 'req-9' });
    expect(withId).toMatchObject({ ack: 'req-9', correlation_id: 'req-9', status: 'rejected' });
    expect(withId.error).toEqual({
      code: 'UNKNOWN_REF',
      message: 'no such ref',
      retryable: false,
      details: { ref: 'world/x' },
    });
    const anonymous = factory.errorReply(err);
    expect(anonymous.ack).toBe('*');
    expect(anonymous.correlation_id).toBeUndefined();
    expect(decodeMessage(encodeMessage(anonymous)).ok).toBe(true);
  });
});

describe('errors and expiry', () => {
  it('overrides retryable and wraps foreign errors', () => {
    expect(new CxpError('MEDIA_JAM', 'jam', { retryable: false }).retryable).toBe(false);
    expect(new CxpError('MEDIA_JAM', 'jam').retryable).toBe(true);
    const wrapped = toCxpError(new Error('boom'));
    expect(wrapped).toMatchObject({ code: 'INTERNAL_ERROR', message: 'boom' });
    expect(toCxpError('str', 'INVALID_PARAMS').code).toBe('INVALID_PARAMS');
    const coded = new CxpError('EXPIRED', 'old', { cause: wrapped });
    expect(toCxpError(coded)).toBe(coded);
    expect(coded.cause).toBe(wrapped);
  });

  it('expires a message after ts + ttl_ms', () => {
    const m = factory.create('ACTION_REQUEST', { action: 'x.y', ttl_ms: 1000 });
    expect(isExpired(m, clock.now() + 1000)).toBe(false);
    expect(isExpired(m, clock.now() + 1001)).toBe(true);
    expect(isExpired(factory.create('ACTION_REQUEST', { action: 'x.y' }), Infinity)).toBe(false);
  });
});

describe('error replies for messages that parse but break the data model', () => {
  it('still name the offending id, but never a malformed one', () => {
    const deep = `{"cxp_version":"1.0","type":"ACTION_REQUEST","id":"m-7","action":"a.b","params":${'['.repeat(70)}${']'.repeat(70)}}`;
    const r = decodeMessage(deep);
    expect(r.ok ? undefined : [r.error.code, r.header.id]).toEqual(['MALFORMED_MESSAGE', 'm-7']);
    const badId = decodeMessage(
      '{"cxp_version":"1.0","type":"CONTEXT_ACK","id":"\\ud800","ack":"x","status":"ok"}',
    );
    expect(badId.ok ? undefined : badId.header).toEqual({ type: 'CONTEXT_ACK' });
  });
});
