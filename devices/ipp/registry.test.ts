import { describe, expect, it } from 'vitest';
import { buildRequest, decodeMessage, encodeRequest, toPlain } from './codec.js';
import {
  FINISHINGS,
  JOB_STATE,
  ORIENTATION_REQUESTED,
  PRINTER_STATE,
  PRINT_QUALITY,
  enumName,
  enumValue,
  isEnumAttribute,
} from './enums.js';
import {
  OPERATIONS,
  STATUS_CODES,
  isSuccessStatus,
  operationName,
  statusClass,
  statusName,
} from './registry.js';

describe('finishings (PWG 5100.1)', () => {
  it('pins the values the production presses need', () => {
    expect(FINISHINGS['fold-z']).toBe(100);
    expect(FINISHINGS['fold-half']).toBe(93);
    expect(FINISHINGS['bind-left']).toBe(50);
    expect(FINISHINGS.staple).toBe(4);
    expect(FINISHINGS['staple-top-left']).toBe(20);
    expect(FINISHINGS['punch-dual-left']).toBe(74);
    expect(FINISHINGS.none).toBe(3);
    expect(FINISHINGS['saddle-stitch']).toBe(8);
    expect(FINISHINGS['booklet-maker']).toBe(13);
    expect(FINISHINGS.coat).toBe(15);
    expect(FINISHINGS.laminate).toBe(16);
    expect(FINISHINGS['staple-dual-left']).toBe(28);
    expect(FINISHINGS['staple-triple-bottom']).toBe(35);
    expect(FINISHINGS['trim-after-copies']).toBe(62);
    expect(FINISHINGS['trim-after-job']).toBe(63);
    expect(FINISHINGS['punch-top-left']).toBe(70);
    expect(FINISHINGS['punch-quad-left']).toBe(82);
    expect(FINISHINGS['punch-multiple-bottom']).toBe(89);
    expect(FINISHINGS['fold-accordion']).toBe(90);
    expect(FINISHINGS['fold-letter']).toBe(96);
    expect(FINISHINGS['fold-engineering-z']).toBe(101);
  });

  it('is one-to-one, within 3..101, and each side family runs left, top, right, bottom', () => {
    const values = Object.values(FINISHINGS);
    expect(new Set(values).size).toBe(values.length);
    expect(Math.min(...values)).toBe(3);
    expect(Math.max(...values)).toBe(101);
    const families = ['edge-stitch', 'staple-dual', 'staple-triple', 'bind', 'punch-dual', 'punch-triple'];
    for (const family of [...families, 'punch-quad', 'punch-multiple']) {
      const base = FINISHINGS[`${family}-left` as keyof typeof FINISHINGS];
      const sides = ['top', 'right', 'bottom'].map(
        (s) => FINISHINGS[`${family}-${s}` as keyof typeof FINISHINGS],
      );
      expect(sides, family).toEqual([base + 1, base + 2, base + 3]);
    }
  });
});

describe('other enums and codes', () => {
  it('job-state, printer-state, orientation-requested, print-quality', () => {
    expect(JOB_STATE).toEqual({
      pending: 3,
      'pending-held': 4,
      processing: 5,
      'processing-stopped': 6,
      canceled: 7,
      aborted: 8,
      completed: 9,
    });
    expect(PRINTER_STATE).toEqual({ idle: 3, processing: 4, stopped: 5 });
    expect(ORIENTATION_REQUESTED.landscape).toBe(4);
    expect(ORIENTATION_REQUESTED.none).toBe(7);
    expect(PRINT_QUALITY).toEqual({ draft: 3, normal: 4, high: 5 });
  });

  it('operation ids', () => {
    expect(OPERATIONS['Print-Job']).toBe(0x0002);
    expect(OPERATIONS['Validate-Job']).toBe(0x0004);
    expect(OPERATIONS['Create-Job']).toBe(0x0005);
    expect(OPERATIONS['Send-Document']).toBe(0x0006);
    expect(OPERATIONS['Cancel-Job']).toBe(0x0008);
    expect(OPERATIONS['Get-Job-Attributes']).toBe(0x0009);
    expect(OPERATIONS['Get-Jobs']).toBe(0x000a);
    expect(OPERATIONS['Get-Printer-Attributes']).toBe(0x000b);
    expect(OPERATIONS['Close-Job']).toBe(0x003b);
    expect(OPERATIONS['Identify-Printer']).toBe(0x003c);
    expect(operationName(0x0009)).toBe('Get-Job-Attributes');
    expect(operationName(0x4001)).toBeUndefined();
  });

  it('status codes, names and classes', () => {
    expect(STATUS_CODES['successful-ok']).toBe(0);
    expect(STATUS_CODES['successful-ok-ignored-or-substituted-attributes']).toBe(1);
    expect(STATUS_CODES['successful-ok-conflicting-attributes']).toBe(2);
    expect(STATUS_CODES['client-error-not-found']).toBe(0x0406);
    expect(STATUS_CODES['client-error-document-format-not-supported']).toBe(0x040a);
    expect(STATUS_CODES['client-error-attributes-or-values-not-supported']).toBe(0x040b);
    expect(STATUS_CODES['server-error-internal-error']).toBe(0x0500);
    expect(STATUS_CODES['server-error-version-not-supported']).toBe(0x0503);
    expect(STATUS_CODES['server-error-not-accepting-jobs']).toBe(0x0506);
    expect(STATUS_CODES['server-error-busy']).toBe(0x0507);
    expect(statusName(0x0507)).toBe('server-error-busy');
    expect(statusName(0x04ff)).toBeUndefined();
    expect(statusClass(0x04ff)).toBe('client-error');
    expect(statusClass(0x0507)).toBe('server-error');
    expect(statusClass(0x0300)).toBeUndefined();
    expect(isSuccessStatus(0x0001)).toBe(true);
    expect(isSuccessStatus(0x0400)).toBe(false);
    const codes = Object.values(STATUS_CODES);
    expect(new Set(codes).size).toBe(codes.length);
  });
});

describe('enum names and numbers', () => {
  it('maps names to numbers and back; unknown numbers stay numbers', () => {
    expect(enumValue('finishings', 'fold-z')).toEqual({ ok: true, value: 100 });
    expect(enumValue('finishings-supported', 'punch-dual-left')).toEqual({ ok: true, value: 74 });
    expect(enumValue('print-quality', 'high')).toEqual({ ok: true, value: 5 });
    expect(enumValue('finishings', 0x40000046)).toEqual({ ok: true, value: 0x40000046 });
    expect(enumName('finishings', 93)).toBe('fold-half');
    expect(enumName('operations-supported', 2)).toBe('Print-Job');
    expect(enumName('finishings', 0x40000046)).toBe(0x40000046);
    expect(enumName('x-vendor-enum', 3)).toBe(3);
    expect(isEnumAttribute('job-state')).toBe(true);
    expect(isEnumAttribute('job-state-reasons')).toBe(false);
  });

  it.each([
    ['finishings', 'fold-sideways'],
    ['finishings', 'constructor'],
    ['finishings', '__proto__'],
    ['finishings', 0],
    ['finishings', -1],
    ['finishings', 1.5],
    ['finishings', 2 ** 31],
    ['x-vendor-enum', 'anything'],
  ])('refuses %s = %j with INVALID_PARAMS, never 0', (attribute, value) => {
    const result = enumValue(attribute, value);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe('INVALID_PARAMS');
  });

  it('an unknown finishing name fails the whole request: no bytes go out', () => {
    const result = buildRequest({
      operation: 'Print-Job',
      requestId: 1,
      operationAttributes: { 'printer-uri': 'ipp://p/ipp/print' },
      jobAttributes: { finishings: ['staple', 'fold-sideways'] },
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe('INVALID_PARAMS');
    expect(!result.ok && result.error.details).toEqual({
      errors: [{ path: '/finishings/1', message: 'finishings: unknown value "fold-sideways"' }],
    });
  });

  it('fold-half goes out as 93 (the ipp package sent 0), and a vendor number decodes as the number', () => {
    const request = buildRequest({
      operation: 'Validate-Job',
      requestId: 1,
      operationAttributes: { 'printer-uri': 'ipp://p/ipp/print' },
      jobAttributes: { finishings: ['fold-half', 0x40000046] },
    });
    const bytes = request.ok ? encodeRequest(request.value) : request;
    expect(bytes.ok).toBe(true);
    if (!bytes.ok) return;
    expect(bytes.value.includes(Buffer.from('23000a66696e697368696e67730004000000' + '5d', 'hex'))).toBe(
      true,
    );
    const decoded = decodeMessage(bytes.value);
    const job = decoded.ok ? decoded.value.groups[1] : undefined;
    expect(toPlain(job?.attributes ?? []).finishings).toEqual(['fold-half', 0x40000046]);
  });
});
