import { describe, it, expect } from 'vitest';
import type { TObject } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { SchemaChecker } from '../cxp/validate.js';
import {
  ASYNC_WORK_STATUSES,
  CAPABILITY_SCHEMAS,
  PRINT_JOB_STATES,
  WORK_STATES,
  type AsyncWorkReport,
  type HandshakeResponse,
  type PrinterStatus,
} from './schema.js';
import * as api from './index.js';

const samples: Record<string, unknown> = {
  ComponentIdentity: { interface: 'printing/label', provider: 'zebra-zpl', version: '0.1.0' },
  Capability: { name: 'zpl_language' },
  CapabilityMatrix: { capabilities: [{ name: 'folding', metadata: { any: true } }] },
  HandshakeRequest: { client_identity: { interface: 'printing/manager', provider: 'agent', version: '1' } },
  HandshakeResponse: {
    provider_identity: { interface: 'printing/label', provider: 'zebra-zpl', version: '0.1.0' },
    status: 'rejected',
    offered_capabilities: { capabilities: [] },
    reason: 'protocol version 2 is not supported; supported versions: 1',
    missing_required_capabilities: [],
    missing_optional_capabilities: [],
    protocol_version: 1,
    error: { code: 'UNSUPPORTED_PROTOCOL_VERSION', message: 'no', retryable: false, details: {} },
  } satisfies HandshakeResponse,
  AsyncWorkReport: {
    work_id: 'w1',
    status: 'running',
    created_at: '2025-01-01T00:00:00Z',
    progress_percent: 40,
  },
  PrintJobStatus: {
    work_id: '17',
    status: 'held',
    created_at: '2025-01-01T00:00:00.000Z',
    finished_at: '2025-01-01T00:01:00Z',
    metadata: { printer: 'zt610' },
  } satisfies AsyncWorkReport,
  ActionResult: {},
  PrinterStatus: {
    is_online: true,
    toner_levels: { black: 0.25, ribbon: 1 },
    current_errors: [{ code: 'MEDIA_OUT', message: 'out of labels', retryable: true }],
  } satisfies PrinterStatus,
  LabelMetadata: { width_mm: 101.6, height_mm: 152.4, sensor_type: 'gap' },
  FinishingMetadata: { supported_folds: ['half'], glue_types: ['hotmelt'], max_thickness_mm: 3 },
  TelemetryEvent: { event_type: 'media.low', severity: 'warning', timestamp: 1_700_000_000.25 },
  TelemetryMetric: { name: 'jobs', value: 3, unit: '1', labels: { printer: 'zt610' }, timestamp: 1 },
  TelemetrySpan: { trace_id: 't', span_id: 's', name: 'print.submit', start_time: 1, end_time: 2.5 },
  TelemetrySnapshot: {
    provider_id: 'zebra-1',
    status: 'starting',
    events: [],
    metrics: [],
    spans: [],
    is_heartbeat: true,
    dropped_items: 0,
  },
};

const invalid: Record<string, unknown> = {
  ComponentIdentity: { interface: '', provider: 'p', version: '1' },
  Capability: { name: 'x', metadata: [] },
  CapabilityMatrix: { capabilities: {} },
  HandshakeRequest: { client_identity: samples.ComponentIdentity, protocol_version: '1' },
  HandshakeResponse: { ...(samples.HandshakeResponse as object), status: 'maybe' },
  AsyncWorkReport: { work_id: 'w1', status: 'done', created_at: '2025-01-01T00:00:00Z' },
  PrintJobStatus: { work_id: 'w1', status: 'held', created_at: 'yesterday' },
  ActionResult: { success: 'yes' },
  PrinterStatus: { is_online: true, toner_levels: { black: 1.5 }, current_errors: [] },
  LabelMetadata: { width_mm: 0, height_mm: 10 },
  FinishingMetadata: { supported_folds: [], glue_types: [], max_thickness_mm: -2 },
  TelemetryEvent: { event_type: 'x', severity: 'fatal', timestamp: 1 },
  TelemetryMetric: { name: 'x', value: 1, labels: { a: 1 }, timestamp: 1 },
  TelemetrySpan: { trace_id: 't', span_id: 's', name: 'n', start_time: -1, end_time: 2 },
  TelemetrySnapshot: { ...(samples.TelemetrySnapshot as object), dropped_items: 0.5 },
};

const ajv = new Ajv({ strict: false, validateFormats: false });
const entries = Object.entries(CAPABILITY_SCHEMAS);

describe('CAPABILITY_SCHEMAS', () => {
  it('has a sample of each schema in these tests', () => {
    expect(Object.keys(samples).sort()).toEqual(Object.keys(CAPABILITY_SCHEMAS).sort());
    expect(Object.keys(invalid).sort()).toEqual(Object.keys(CAPABILITY_SCHEMAS).sort());
  });

  it.each(entries)('%s has a title, no $id and accepts unknown fields', (name, schema) => {
    const json = JSON.stringify(schema);
    expect(json).not.toContain('"$id"');
    expect(json).not.toContain('"additionalProperties":false');
    expect(schema.title).toBe(name);
    const checker = new SchemaChecker(schema);
    expect(checker.issues({ ...(samples[name] as object), unknown_field: 1 })).toEqual([]);
  });

  it.each(entries)('%s rejects a bad value, in TypeBox and as plain JSON Schema', (name, schema: TObject) => {
    expect(new SchemaChecker(schema).check(invalid[name])).toBe(false);
    const validate = ajv.compile(JSON.parse(JSON.stringify(schema)) as object);
    expect(validate(samples[name])).toBe(true);
    if (name !== 'PrintJobStatus') expect(validate(invalid[name])).toBe(false);
  });

  it('defaults the protocol version to 1 and the capability lists to []', () => {
    const properties = CAPABILITY_SCHEMAS.HandshakeRequest?.properties;
    expect(properties?.protocol_version).toMatchObject({ default: 1 });
    expect(properties?.required_capabilities).toMatchObject({ default: [] });
  });

  it('gives PrintJobStatus the AsyncWorkReport properties', () => {
    expect(CAPABILITY_SCHEMAS.PrintJobStatus?.properties).toBe(
      CAPABILITY_SCHEMAS.AsyncWorkReport?.properties,
    );
  });
});

describe('status values', () => {
  it('accepts generic and print job states, and nothing else', () => {
    expect([...ASYNC_WORK_STATUSES].sort()).toEqual(
      [...new Set([...WORK_STATES, ...PRINT_JOB_STATES])].sort(),
    );
    const checker = new SchemaChecker(CAPABILITY_SCHEMAS.PrintJobStatus as TObject);
    for (const status of ASYNC_WORK_STATUSES) {
      expect(checker.check({ work_id: 'j', status, created_at: '2025-01-01T00:00:00Z' })).toBe(true);
    }
    expect(checker.check({ work_id: 'j', status: 'pending-held', created_at: '2025-01-01T00:00:00Z' })).toBe(
      false,
    );
  });
});

describe('public API', () => {
  it('re-exports the layer from index', () => {
    for (const name of [
      'negotiate',
      'decodeHandshakeRequest',
      'validateMatrix',
      'validateOperation',
      'checkTier',
      'decodeCapabilityMatrix',
      'createDefaultCatalogs',
      'CatalogRegistry',
      'TelemetryBuffer',
      'CORRELATION_KEYS',
      'CAPABILITY_SCHEMAS',
    ]) {
      expect(api).toHaveProperty(name);
    }
  });
});
