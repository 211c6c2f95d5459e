import { describe, it, expect } from 'vitest';
import { CxpError } from '../cxp/errors.js';
import { SchemaChecker } from '../cxp/validate.js';
import {
  TelemetrySnapshot,
  type TelemetryEvent,
  type TelemetryMetric,
  type TelemetrySpan,
} from './schema.js';
import { CORRELATION_KEYS, TelemetryBuffer } from './telemetry.js';

const snapshotChecker = new SchemaChecker(TelemetrySnapshot);

const event = (n: number): TelemetryEvent => ({
  event_type: `e${n}`,
  severity: 'info',
  payload: { [CORRELATION_KEYS.requestId]: `r${n}` },
  timestamp: 1_700_000_000.5 + n,
});
const metric = (n: number): TelemetryMetric => ({
  name: `m${n}`,
  value: n,
  labels: {},
  timestamp: 1_700_000_000,
});
const span = (n: number): TelemetrySpan => ({
  trace_id: 't',
  span_id: `s${n}`,
  name: 'print.submit',
  start_time: 1,
  end_time: 2,
  attributes: {},
});

const who = { providerId: 'zebra-1', status: 'healthy' } as const;

describe('TelemetryBuffer', () => {
  it('drains events, metrics and spans into a valid snapshot', () => {
    const buffer = new TelemetryBuffer({ capacity: 10, overflow: 'raise' });
    expect(buffer.recordEvent(event(1))).toEqual({ ok: true, value: 'recorded' });
    buffer.recordMetric(metric(2));
    buffer.recordSpan(span(3));
    buffer.recordEvent(event(4));
    expect(buffer.size).toBe(4);
    const snapshot = buffer.snapshot({ ...who, isHeartbeat: true });
    expect(snapshotChecker.issues(snapshot)).toEqual([]);
    expect(snapshot).toEqual({
      provider_id: 'zebra-1',
      status: 'healthy',
      events: [event(1), event(4)],
      metrics: [metric(2)],
      spans: [span(3)],
      is_heartbeat: true,
      dropped_items: 0,
    });
    expect(buffer.size).toBe(0);
    expect(buffer.snapshot(who)).toMatchObject({ events: [], metrics: [], spans: [], is_heartbeat: false });
  });

  it('raise: refuses a new item with TELEMETRY_OVERFLOW and keeps the old ones', () => {
    const buffer = new TelemetryBuffer({ capacity: 2, overflow: 'raise' });
    buffer.recordEvent(event(1));
    buffer.recordEvent(event(2));
    const result = buffer.recordSpan(span(3));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('TELEMETRY_OVERFLOW');
    expect(result.error.retryable).toBe(true);
    expect(result.error.details).toEqual({ capacity: 2, kind: 'span' });
    expect(buffer.dropped).toBe(0);
    expect(buffer.snapshot(who)).toMatchObject({ events: [event(1), event(2)], spans: [], dropped_items: 0 });
  });

  it('drop_newest: discards the new item and counts it', () => {
    const buffer = new TelemetryBuffer({ capacity: 2, overflow: 'drop_newest' });
    buffer.recordEvent(event(1));
    buffer.recordMetric(metric(2));
    expect(buffer.recordEvent(event(3))).toEqual({ ok: true, value: 'dropped_newest' });
    expect(buffer.recordSpan(span(4))).toEqual({ ok: true, value: 'dropped_newest' });
    expect(buffer.size).toBe(2);
    expect(buffer.dropped).toBe(2);
    const snapshot = buffer.snapshot(who);
    expect(snapshot).toMatchObject({ events: [event(1)], metrics: [metric(2)], spans: [], dropped_items: 2 });
    expect(buffer.dropped).toBe(0);
    expect(buffer.snapshot(who).dropped_items).toBe(0);
  });

  it('drop_oldest: discards the oldest item of any kind and counts it', () => {
    const buffer = new TelemetryBuffer({ capacity: 3, overflow: 'drop_oldest' });
    buffer.recordEvent(event(1));
    buffer.recordMetric(metric(2));
    buffer.recordEvent(event(3));
    expect(buffer.recordSpan(span(4))).toEqual({ ok: true, value: 'dropped_oldest' });
    expect(buffer.size).toBe(3);
    expect(buffer.snapshot(who)).toMatchObject({
      events: [event(3)],
      metrics: [metric(2)],
      spans: [span(4)],
      dropped_items: 1,
    });
  });

  it('drop_oldest: keeps the newest items in order across many overflows', () => {
    const buffer = new TelemetryBuffer({ capacity: 3, overflow: 'drop_oldest' });
    for (let n = 1; n <= 20; n++) buffer.recordEvent(event(n));
    expect(buffer.size).toBe(3);
    expect(buffer.dropped).toBe(17);
    const snapshot = buffer.snapshot(who);
    expect(snapshot.events).toEqual([event(18), event(19), event(20)]);
    expect(snapshot.dropped_items).toBe(17);
    buffer.recordMetric(metric(1));
    expect(buffer.snapshot(who)).toMatchObject({ events: [], metrics: [metric(1)], dropped_items: 0 });
  });

  it('a capacity of one still works under every policy', () => {
    for (const overflow of ['raise', 'drop_newest', 'drop_oldest'] as const) {
      const buffer = new TelemetryBuffer({ capacity: 1, overflow });
      buffer.recordEvent(event(1));
      buffer.recordEvent(event(2));
      expect(buffer.size).toBe(1);
      const kept = buffer.snapshot(who).events;
      expect(kept).toEqual([overflow === 'drop_oldest' ? event(2) : event(1)]);
    }
  });

  it.each([0, -1, 1.5, Number.NaN, 100_001])('rejects capacity %s', (capacity) => {
    expect(() => new TelemetryBuffer({ capacity, overflow: 'raise' })).toThrow(CxpError);
  });

  it('exports the correlation keys', () => {
    expect(Object.values(CORRELATION_KEYS)).toEqual([
      'cxp.request.id',
      'cxp.session.id',
      'cxp.operation.id',
      'cxp.parent.operation.id',
    ]);
  });
});
