import { describe, it, expect } from 'vitest';
import { isErrorCode } from '../cxp/error-codes.js';
import { SchemaChecker } from '../cxp/validate.js';
import { createDefaultCatalogs } from './catalogs.js';
import { decodeHandshakeRequest, negotiate, type HandshakeProvider } from './handshake.js';
import { HandshakeResponse, type HandshakeRequest, type HandshakeStatus } from './schema.js';

const registry = createDefaultCatalogs();
const responseChecker = new SchemaChecker(HandshakeResponse);

const zebra: HandshakeProvider = {
  identity: { interface: 'printing/label', provider: 'zebra-zpl', version: '0.1.0' },
  matrix: {
    capabilities: [
      { name: 'job_submission' },
      { name: 'status_monitoring' },
      { name: 'zpl_language' },
      { name: 'media_validation', metadata: { width_mm: 100, height_mm: 50 } },
    ],
  },
};

function request(overrides: Partial<HandshakeRequest> & { iface?: string } = {}): HandshakeRequest {
  const { iface = 'printing/label', ...rest } = overrides;
  return {
    client_identity: { interface: iface, provider: 'agent', version: '1.0' },
    required_capabilities: ['job_submission'],
    optional_capabilities: [],
    ...rest,
  };
}

interface Case {
  name: string;
  request: HandshakeRequest;
  supportedVersions?: number[];
  status: HandshakeStatus;
  code?: string;
  offered: number;
  protocolVersion?: number;
  missingRequired?: string[];
  missingOptional?: string[];
}

const FULL = zebra.matrix.capabilities.length;

const cases: Case[] = [
  {
    name: 'unsupported protocol version: rejected, empty matrix, highest supported version',
    request: request({ protocol_version: 3 }),
    supportedVersions: [2, 1],
    status: 'rejected',
    code: 'UNSUPPORTED_PROTOCOL_VERSION',
    offered: 0,
    protocolVersion: 2,
  },
  {
    name: 'version check comes before every other check',
    request: request({
      protocol_version: 9,
      iface: 'robot/arm',
      required_capabilities: ['x'],
      optional_capabilities: ['x'],
    }),
    status: 'rejected',
    code: 'UNSUPPORTED_PROTOCOL_VERSION',
    offered: 0,
    protocolVersion: 1,
  },
  {
    name: 'absent protocol_version means 1',
    request: { client_identity: request().client_identity },
    supportedVersions: [2],
    status: 'rejected',
    code: 'UNSUPPORTED_PROTOCOL_VERSION',
    offered: 0,
    protocolVersion: 2,
  },
  {
    name: 'interface mismatch: rejected with the full matrix',
    request: request({ iface: 'printing/production' }),
    status: 'rejected',
    code: 'INTERFACE_MISMATCH',
    offered: FULL,
  },
  {
    name: 'unknown interface: rejected',
    request: request({ iface: 'robot/arm' }),
    status: 'rejected',
    code: 'INTERFACE_MISMATCH',
    offered: FULL,
  },
  {
    name: 'interface check comes before the capability checks',
    request: request({
      iface: 'printing/production',
      required_capabilities: ['a'],
      optional_capabilities: ['a'],
    }),
    status: 'rejected',
    code: 'INTERFACE_MISMATCH',
    offered: FULL,
  },
  {
    name: 'abstract interface satisfied by the concrete catalog: accepted',
    request: request({
      iface: 'printing/manager',
      required_capabilities: ['job_submission', 'status_monitoring'],
    }),
    status: 'accepted',
    offered: FULL,
  },
  {
    name: 'capability both required and optional: rejected',
    request: request({
      required_capabilities: ['job_submission', 'folding'],
      optional_capabilities: ['folding'],
    }),
    status: 'rejected',
    code: 'CAPABILITY_CONFLICT',
    offered: FULL,
  },
  {
    name: 'required capability missing: rejected with both missing lists',
    request: request({
      required_capabilities: ['job_submission', 'consumables_tracking'],
      optional_capabilities: ['zpl_language', 'gluing'],
    }),
    status: 'rejected',
    code: 'MISSING_REQUIRED_CAPABILITY',
    offered: FULL,
    missingRequired: ['consumables_tracking'],
    missingOptional: ['gluing'],
  },
  {
    name: 'optional capability missing: degraded with the full matrix',
    request: request({
      optional_capabilities: ['zpl_language', 'consumables_tracking', 'thermal_management'],
    }),
    status: 'degraded',
    offered: FULL,
    missingOptional: ['consumables_tracking', 'thermal_management'],
  },
  {
    name: 'everything offered: accepted',
    request: request({
      required_capabilities: ['job_submission', 'job_submission', 'media_validation'],
      optional_capabilities: ['zpl_language'],
      protocol_version: 2,
    }),
    supportedVersions: [1, 2],
    status: 'accepted',
    offered: FULL,
    protocolVersion: 2,
  },
  {
    name: 'nothing asked for: accepted',
    request: { client_identity: request().client_identity },
    status: 'accepted',
    offered: FULL,
  },
];

describe('negotiate', () => {
  it.each(cases)('$name', (c) => {
    const response = negotiate(c.request, zebra, { registry, supportedVersions: c.supportedVersions ?? [1] });
    expect(responseChecker.issues(response)).toEqual([]);
    expect(response.status).toBe(c.status);
    expect(response.error?.code).toBe(c.code);
    expect(response.offered_capabilities.capabilities).toHaveLength(c.offered);
    expect(response.protocol_version).toBe(c.protocolVersion ?? 1);
    expect(response.missing_required_capabilities).toEqual(c.missingRequired ?? []);
    expect(response.missing_optional_capabilities).toEqual(c.missingOptional ?? []);
    expect(response.provider_identity).toEqual(zebra.identity);
    if (c.status === 'accepted') expect(response.reason).toBeUndefined();
    else expect(response.reason).toMatch(/\w/);
    if (c.code !== undefined) expect(isErrorCode(c.code)).toBe(true);
  });

  it('lists the supported versions in the reason and details', () => {
    const response = negotiate(request({ protocol_version: 5 }), zebra, {
      registry,
      supportedVersions: [2, 1],
    });
    expect(response.reason).toContain('1, 2');
    expect(response.error?.details).toEqual({ requested: 5, supported: [1, 2] });
    expect(response.error?.retryable).toBe(false);
  });

  it('answers with the request version when the provider supports none', () => {
    const response = negotiate(request({ protocol_version: 4 }), zebra, { registry, supportedVersions: [] });
    expect(response.status).toBe('rejected');
    expect(response.protocol_version).toBe(4);
    expect(response.reason).toContain('none');
  });

  it('names the conflicting capabilities once each', () => {
    const response = negotiate(
      request({ required_capabilities: ['a', 'b', 'a'], optional_capabilities: ['a', 'c'] }),
      zebra,
      { registry, supportedVersions: [1] },
    );
    expect(response.error?.details).toEqual({ conflicting: ['a'] });
  });

  it('keeps the reason bounded when many long names are missing', () => {
    const many = Array.from({ length: 256 }, (_, i) => `${String(i).padStart(3, '0')}${'x'.repeat(125)}`);
    const options = { registry, supportedVersions: [1] };
    const degraded = negotiate(request({ optional_capabilities: many }), zebra, options);
    expect(responseChecker.issues(degraded)).toEqual([]);
    expect(degraded.missing_optional_capabilities).toHaveLength(256);
    expect(degraded.reason).toMatch(/ and 248 more$/);
    const rejected = negotiate(request({ required_capabilities: many }), zebra, options);
    expect(responseChecker.issues(rejected)).toEqual([]);
    expect(rejected.error?.details).toEqual({ missing: many });
  });

  it('does not share the matrix array with the provider', () => {
    const response = negotiate(request(), zebra, { registry, supportedVersions: [1] });
    expect(response.offered_capabilities.capabilities).not.toBe(zebra.matrix.capabilities);
    expect(response.offered_capabilities).toEqual(zebra.matrix);
  });

  it('matches an interface exactly even when it is not registered', () => {
    const robot: HandshakeProvider = {
      identity: { ...zebra.identity, interface: 'robot/arm' },
      matrix: zebra.matrix,
    };
    const response = negotiate(request({ iface: 'robot/arm' }), robot, { registry, supportedVersions: [1] });
    expect(response.status).toBe('accepted');
  });
});

describe('decodeHandshakeRequest', () => {
  it('fills defaults and keeps unknown fields', () => {
    const decoded = decodeHandshakeRequest({ client_identity: request().client_identity, extra: 1 });
    expect(decoded).toEqual({
      ok: true,
      value: {
        client_identity: request().client_identity,
        extra: 1,
        required_capabilities: [],
        optional_capabilities: [],
        protocol_version: 1,
      },
    });
  });

  it('keeps the values that are given', () => {
    const given = request({ protocol_version: 2, optional_capabilities: ['zpl_language'] });
    const decoded = decodeHandshakeRequest(given);
    expect(decoded.ok && decoded.value).toEqual(given);
  });

  it.each([
    ['not an object', 'hello', '/'],
    ['no client identity', { required_capabilities: [] }, '/client_identity'],
    [
      'identity without interface',
      { client_identity: { provider: 'p', version: '1' } },
      '/client_identity/interface',
    ],
    [
      'list of numbers',
      { client_identity: request().client_identity, required_capabilities: [1] },
      '/required_capabilities/0',
    ],
    [
      'fractional version',
      { client_identity: request().client_identity, protocol_version: 1.5 },
      '/protocol_version',
    ],
    [
      'version zero',
      { client_identity: request().client_identity, protocol_version: 0 },
      '/protocol_version',
    ],
  ])('rejects %s with INVALID_PARAMS', (_label, value, path) => {
    const decoded = decodeHandshakeRequest(value);
    expect(decoded.ok).toBe(false);
    if (decoded.ok) return;
    expect(decoded.error.code).toBe('INVALID_PARAMS');
    const errors = decoded.error.details.errors as { path: string }[];
    expect(errors.map((e) => e.path)).toContain(path);
    expect(decoded.error.message).toContain('handshake request');
  });
});
