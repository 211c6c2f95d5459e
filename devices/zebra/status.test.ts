import { describe, expect, it } from 'vitest';
import {
  FrameReader,
  parseExtendedStatus,
  parseHostIdentity,
  parseHostStatus,
  parseSystemStatus,
  sgdValue,
} from './status.js';

/**
 * Fixtures are byte strings written from the ZPL II guide's documented layouts (not from the
 * emulator), so the parsers are checked against the documentation.
 */
const HS =
  '\x02030,0,0,1245,000,0,0,0,000,0,0,0\x03\r\n\x02000,0,0,0,0,2,4,0,00000000,1,000\x03\r\n\x021234,0\x03\r\n';

const frames = (bytes: string): string[] => new FrameReader().push(Buffer.from(bytes, 'latin1'));

describe('~HS', () => {
  it('reads every field of the documented three strings', () => {
    const parsed = parseHostStatus(frames(HS));
    expect(parsed).toEqual({
      ok: true,
      value: {
        commSettings: 30,
        paperOut: false,
        paused: false,
        labelLengthDots: 1245,
        formatsInBuffer: 0,
        bufferFull: false,
        diagnosticMode: false,
        partialFormat: false,
        corruptRam: false,
        underTemperature: false,
        overTemperature: false,
        functionSettings: 0,
        headUp: false,
        ribbonOut: false,
        thermalTransfer: false,
        printMode: '2',
        printWidthMode: '4',
        labelWaiting: false,
        labelsRemaining: 0,
        formatWhilePrinting: true,
        graphicsStored: 0,
        password: '1234',
        staticRam: false,
      },
    });
  });

  it('reads the flags a fault sets', () => {
    const hs =
      '\x02030,1,1,1245,003,1,0,1,000,1,1,1\x03\r\n\x02000,0,1,1,1,3,4,1,00000017,1,002\x03\r\n\x021234,1\x03\r\n';
    const parsed = parseHostStatus(frames(hs));
    if (!parsed.ok) throw parsed.error;
    expect(parsed.value).toMatchObject({
      paperOut: true,
      paused: true,
      formatsInBuffer: 3,
      bufferFull: true,
      partialFormat: true,
      corruptRam: true,
      underTemperature: true,
      overTemperature: true,
      headUp: true,
      ribbonOut: true,
      thermalTransfer: true,
      printMode: '3',
      labelWaiting: true,
      labelsRemaining: 17,
      graphicsStored: 2,
      staticRam: true,
    });
  });

  it('refuses wrong counts and unreadable fields with MALFORMED_MESSAGE', () => {
    for (const bad of [
      [],
      ['a', 'b'],
      ['030,0,0,1245,000,0,0,0,000,0,0', '000,0,0,0,0,2,4,0,00000000,1,000', '1234,0'],
      ['030,X,0,1245,000,0,0,0,000,0,0,0', '000,0,0,0,0,2,4,0,00000000,1,000', '1234,0'],
      ['030,0,0,1245,000,0,0,0,000,0,0,0', '000,0,0,0,0,2,4,0,0000-000,1,000', '1234,0'],
    ]) {
      const parsed = parseHostStatus(bad);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.error.code).toBe('MALFORMED_MESSAGE');
    }
  });
});

describe('~HQES and zpl.system_status', () => {
  const hqes = (errors: string, warnings: string) =>
    `\r\n  PRINTER STATUS\r\n    ERRORS:         ${errors}\r\n    WARNINGS:       ${warnings}\r\n`;

  it('names the group-1 bits of the guide example (head open + media out, clean printhead)', () => {
    const parsed = parseExtendedStatus(hqes('1 00000000 00000005', '1 00000000 00000002'));
    if (!parsed.ok) throw parsed.error;
    expect(parsed.value.errors).toEqual({
      flag: true,
      group1: 5,
      group2: 0,
      names: ['media_out', 'head_open'],
      unknownBits: false,
    });
    expect(parsed.value.warnings.names).toEqual(['clean_printhead']);
  });

  it('flags bits no table names, in group 1 or group 2', () => {
    const g2 = parseExtendedStatus(hqes('1 00000001 00000000', '0 00000000 00000000'));
    const g1 = parseExtendedStatus(hqes('1 00000000 00100000', '0 00000000 00000000'));
    expect(g2.ok && g2.value.errors.unknownBits).toBe(true);
    expect(g1.ok && g1.value.errors.unknownBits).toBe(true);
  });

  it('reads the SGD twin with the same masks', () => {
    const parsed = parseSystemStatus('1,1,00000000,00000004,0,00000000,00000000');
    if (!parsed.ok) throw parsed.error;
    expect(parsed.value.errors.names).toEqual(['head_open']);
    expect(parsed.value.warnings.flag).toBe(false);
    expect(parseSystemStatus('?').ok).toBe(false);
  });

  it('refuses an answer without the two lines', () => {
    expect(parseExtendedStatus('PRINTER STATUS\r\n').ok).toBe(false);
  });
});

describe('~HI, frames and SGD values', () => {
  it('reads the documented identity layout', () => {
    expect(parseHostIdentity('ZT411-203dpi,V92.21.39Z,8,8192KB,C')).toEqual({
      ok: true,
      value: { model: 'ZT411-203dpi', firmware: 'V92.21.39Z', dpmm: 8, memoryKb: 8192, options: 'C' },
    });
    expect(parseHostIdentity('garbage').ok).toBe(false);
  });

  it('splits frames across chunks, skips bytes outside them and drops oversized ones', () => {
    const reader = new FrameReader(8);
    expect(reader.push(Buffer.from('noise\x02ab'))).toEqual([]);
    expect(reader.push(Buffer.from('c\x03\r\n\x02'))).toEqual(['abc']);
    expect(reader.push(Buffer.from('0123456789\x03\x02ok\x03'))).toEqual(['ok']);
  });

  it('reads a quoted SGD value once the closing quote arrives', () => {
    expect(sgdValue('"12')).toBeUndefined();
    expect(sgdValue('"1234"')).toBe('1234');
    expect(sgdValue('junk "ok" more')).toBe('ok');
  });
});
