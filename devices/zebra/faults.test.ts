import { describe, expect, it } from 'vitest';
import { readFaults, type StatusSnapshot } from './faults.js';
import { parseExtendedStatus, parseHostStatus, type ExtendedStatus, type HostStatus } from './status.js';

const host = (over: Partial<HostStatus> = {}): HostStatus => {
  const parsed = parseHostStatus([
    '030,0,0,1245,000,0,0,0,000,0,0,0',
    '000,0,0,0,0,2,4,0,00000000,1,000',
    '1234,0',
  ]);
  if (!parsed.ok) throw parsed.error;
  return { ...parsed.value, ...over };
};

const extended = (errors: number, warnings = 0): ExtendedStatus => {
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  const parsed = parseExtendedStatus(
    `ERRORS: ${errors ? 1 : 0} 00000000 ${hex(errors)}\nWARNINGS: ${warnings ? 1 : 0} 00000000 ${hex(warnings)}`,
  );
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
};

const snap = (over: Partial<StatusSnapshot>): StatusSnapshot => ({
  online: true,
  host: host(),
  extended: extended(0),
  hostStatusSilent: false,
  at: 0,
  ...over,
});

const codes = (s: StatusSnapshot) => readFaults(s, 'zt').errors.map((e) => e.code);

describe('readFaults', () => {
  it('is ready and blocks nothing when the printer is healthy', () => {
    expect(readFaults(snap({}), 'zt')).toEqual({ state: 'ready', errors: [], warnings: [], blocking: false });
  });

  it('reports each documented condition once with its code and retryability', () => {
    expect(codes(snap({ host: host({ paperOut: true }), extended: extended(0x1) }))).toEqual(['MEDIA_OUT']);
    expect(codes(snap({ host: host({ ribbonOut: true }) }))).toEqual(['RIBBON_OUT']);
    expect(codes(snap({ host: host({ headUp: true }) }))).toEqual(['HEAD_OPEN']);
    expect(codes(snap({ extended: extended(0x8) }))).toEqual(['DEVICE_FAULT']);
    const hot = readFaults(snap({ host: host({ overTemperature: true }), extended: extended(0x10) }), 'zt');
    expect(hot.errors).toMatchObject([{ code: 'DEVICE_FAULT', retryable: true }]);
    const cutter = readFaults(snap({ extended: extended(0x8) }), 'zt');
    expect(cutter.errors).toMatchObject([{ code: 'DEVICE_FAULT', retryable: false }]);
    expect(readFaults(snap({ host: host({ paperOut: true }) }), 'zt').errors[0]).toMatchObject({
      retryable: true,
    });
  });

  it('treats pause as blocking but not an error state, and a full buffer as neither', () => {
    const paused = readFaults(snap({ host: host({ paused: true }) }), 'zt');
    expect(paused).toMatchObject({ state: 'paused', blocking: true });
    expect(paused.errors.map((e) => e.code)).toEqual(['PAUSED']);
    const full = readFaults(snap({ host: host({ bufferFull: true, formatsInBuffer: 3 }) }), 'zt');
    expect(full).toMatchObject({ state: 'printing', blocking: false });
    expect(full.errors.map((e) => e.code)).toEqual(['BUFFER_FULL']);
  });

  it('reads a silent ~HS as possibly in error, and an unknown error bit as a fault', () => {
    const { host: _h, ...noHost } = snap({});
    expect(codes({ ...noHost, hostStatusSilent: true, extended: extended(0) })).toEqual(['DEVICE_FAULT']);
    expect(codes({ ...noHost, hostStatusSilent: true, extended: extended(0x4) })).toEqual(['HEAD_OPEN']);
    expect(codes(snap({ extended: extended(0x400000) }))).toEqual(['DEVICE_FAULT']);
  });

  it('is offline when the printer does not answer, and lists warnings without blocking', () => {
    expect(
      readFaults({ online: false, offlineReason: 'ECONNREFUSED', hostStatusSilent: false, at: 0 }, 'zt'),
    ).toMatchObject({
      state: 'offline',
      blocking: true,
      errors: [{ code: 'DEVICE_OFFLINE' }],
    });
    const warn = readFaults(snap({ extended: extended(0, 0x3) }), 'zt');
    expect(warn).toMatchObject({
      state: 'ready',
      blocking: false,
      warnings: ['need_to_calibrate_media', 'clean_printhead'],
    });
  });

  it('is printing while formats or labels remain', () => {
    expect(readFaults(snap({ host: host({ labelsRemaining: 4 }) }), 'zt').state).toBe('printing');
    expect(readFaults(snap({ host: host({ partialFormat: true }) }), 'zt').state).toBe('printing');
  });
});
