import { describe, expect, it } from 'vitest';
import { ZplStreamParser, type ParsedFormat, type ParserSink, type SgdCommand } from './emulator-parser.js';
import { NO_FAULTS } from './emulator-state.js';
import {
  applyFormatSettings,
  hostStatusReply,
  type PrinterSettings,
  type StatusSnapshot,
} from './emulator-status.js';

/** Everything the parser reported, in order. */
class Recorder implements ParserSink {
  readonly events: string[] = [];
  readonly formats: ParsedFormat[] = [];
  readonly sgds: SgdCommand[] = [];
  room = true;

  canStartFormat(): boolean {
    return this.room;
  }

  format(format: ParsedFormat): void {
    this.formats.push(format);
    this.events.push(`format ${format.text}`);
  }

  tilde(name: string): void {
    this.events.push(`~${name}`);
  }

  sgd(command: SgdCommand): void {
    this.sgds.push(command);
    this.events.push(
      `${command.verb} ${command.name}${command.value === undefined ? '' : `=${command.value}`}`,
    );
  }
}

const bytes = (text: string): Uint8Array => Buffer.from(text, 'latin1');

function parse(text: string, parser = new ZplStreamParser()): Recorder {
  const sink = new Recorder();
  expect(parser.feed(bytes(text), sink)).toBe(text.length);
  return sink;
}

describe('ZplStreamParser', () => {
  const stream =
    'junk ^XZ ^XA^FO10,10^FDone~HS^FS^PQ3,0,1,Y^XZ\r\n~hqes! U1 getvar "head.latch"\r\n' +
    '^xa^fdtwo^fs^xz! U1 setvar "device.friendly_name" "A B" ~JA';

  it('splits formats, tilde commands (run even inside a format) and SGD lines', () => {
    expect(parse(stream).events).toEqual([
      '~HS',
      'format ^XA^FO10,10^FDone^FS^PQ3,0,1,Y^XZ',
      '~HQES',
      'getvar head.latch',
      'format ^xa^fdtwo^fs^xz',
      'setvar device.friendly_name=A B',
      '~JA',
    ]);
  });

  it('gives the same result whatever the chunking', () => {
    const whole = parse(stream).events;
    for (const size of [1, 2, 3, 7]) {
      const parser = new ZplStreamParser();
      const sink = new Recorder();
      for (let i = 0; i < stream.length; i += size) parser.feed(bytes(stream.slice(i, i + size)), sink);
      expect(sink.events, `chunks of ${size}`).toEqual(whole);
    }
  });

  it('reads ^PQ, printability and setting commands', () => {
    const sink = parse('^XA^PW600^LL400^MMC^MTT^MNY^XZ^XA^FDx^FS^PQ0^XZ^XA^FDy^FS^pq7,1^XZ');
    const [settingsOnly, zero, seven] = sink.formats;
    expect(settingsOnly?.printable).toBe(false);
    expect(Object.fromEntries(settingsOnly?.settings ?? [])).toEqual({
      PW: '600',
      LL: '400',
      MM: 'C',
      MT: 'T',
      MN: 'Y',
    });
    expect([zero?.quantity, zero?.printable, seven?.quantity]).toEqual([1, true, 7]);
  });

  it('does not special-case field data: a prefix inside ^FD starts a command, as on the printer', () => {
    const sink = parse('^XA^FDprice^XZ 5^FS^XZ^XA^FH^FD_5E_7E^FS^XZ');
    expect(sink.formats.map((f) => f.text)).toEqual(['^XA^FDprice^XZ', '^XA^FH^FD_5E_7E^FS^XZ']);
  });

  it('ignores a nested ^XA and a stray ^XZ; ~JX drops the partial format', () => {
    const parser = new ZplStreamParser();
    expect(parse('^XZ^XA^FDa^XA^FDb^FS^XZ', parser).formats.map((f) => f.text)).toEqual([
      '^XA^FDa^XA^FDb^FS^XZ',
    ]);
    parse('^XA^FDhalf', parser);
    expect(parser.inFormat).toBe(true);
    expect(parse('~JX^FS^XZ', parser).formats).toEqual([]);
    expect(parser.inFormat).toBe(false);
  });

  it('follows prefix changes (^CC, ~CT)', () => {
    const sink = parse('^CC+~CT#+XA+FDplus+FS#HS+XZ~HS^XA+XZ');
    expect(sink.events).toEqual(['~CT', '~HS', 'format +XA+FDplus+FS+XZ']);
  });

  it('discards a format past the size limit and carries on', () => {
    const parser = new ZplStreamParser({ maxFormatBytes: 64 });
    const sink = parse(`^XA^FD${'x'.repeat(100)}^FS^XZ^XA^FDok^FS^XZ`, parser);
    expect(parser.discardedFormats).toBe(1);
    expect(sink.formats.map((f) => f.text)).toEqual(['^XA^FDok^FS^XZ']);
  });

  it('stops before a ^XA while the sink has no room, and resumes there', () => {
    const parser = new ZplStreamParser();
    const sink = new Recorder();
    const text = '^XA^FDa^FS^XZ~HS^X';
    expect(parser.feed(bytes(text), sink)).toBe(text.length);
    sink.room = false;
    const rest = bytes('A^FDb^FS^XZ');
    expect(parser.feed(rest, sink)).toBe(0);
    expect(parser.inFormat).toBe(false);
    sink.room = true;
    expect(parser.feed(rest, sink)).toBe(rest.length);
    expect(sink.events).toEqual(['format ^XA^FDa^FS^XZ', '~HS', 'format ^XA^FDb^FS^XZ']);
  });

  it('reads SGD single lines, the multi-line form and ends a command at a space', () => {
    const sink = parse(
      '! U1 getvar "a.b" ! U1 setvar "c" "d e"\r\n! U1 do "device.reset" ""\r\n' +
        '! U\r\ngetvar "x"\r\nsetvar "y" "1"\r\nEND \r\n! U1 getvar "z"\r\n' +
        '! U getvar "m"\r\n! U1 getvar "n"\r\ngetvar "not sgd"\r\n',
    );
    expect(sink.events).toEqual([
      'getvar a.b',
      'setvar c=d e',
      'do device.reset=',
      'getvar x',
      'setvar y=1',
      'getvar z',
      'getvar m',
      'getvar n',
    ]);
  });

  it('drops SGD lines that are malformed, too long, or cut by a prefix character', () => {
    const parser = new ZplStreamParser({ maxLineBytes: 32 });
    const sink = parse(
      `! U1 getvar "${'n'.repeat(40)}"\r\n! U9 getvar "a"\r\n!! nonsense\r\n! U1 getvar "cut~HS\r\n! U1 getvar "ok"\r\n`,
      parser,
    );
    expect(sink.events).toEqual(['~HS', 'getvar ok']);
  });
});

describe('emulator status', () => {
  const settings: PrinterSettings = {
    friendlyName: 'X',
    languages: 'zpl',
    printWidthDots: 812,
    labelLengthDots: 1245,
    printMode: 'tear off',
    printMethod: 'direct thermal',
    mediaTracking: 'gap/notch',
  };
  const snapshot: StatusSnapshot = {
    identity: { model: 'M', firmware: 'F', dpmm: 8, memoryKb: 1, options: '', uniqueId: 'U' },
    settings,
    faults: NO_FAULTS,
    formatsInBuffer: 0,
    labelsRemaining: 0,
    bufferFull: false,
    partialFormat: false,
    printed: 0,
  };

  it('lays ~HS out as the guide documents it (fixture from the research note)', () => {
    expect(hostStatusReply(snapshot)).toBe(
      '\x02030,0,0,1245,000,0,0,0,000,0,0,0\x03\r\n\x02000,0,0,0,0,2,4,0,00000000,1,000\x03\r\n\x021234,0\x03\r\n',
    );
  });

  it('pads counters to their widths and never truncates them', () => {
    const busy = { ...snapshot, formatsInBuffer: 1234, labelsRemaining: 42, partialFormat: true };
    expect(hostStatusReply(busy)).toContain(',1234,0,0,1,000,');
    expect(hostStatusReply(busy)).toContain(',00000042,1,');
  });

  it('applies ^PW/^LL/^MM/^MT/^MN and ignores invalid values', () => {
    const s = { ...settings };
    applyFormatSettings(
      s,
      new Map([
        ['PW', '400'],
        ['LL', 'abc'],
        ['MM', 'P,Y'],
        ['MT', 'T'],
        ['MN', 'M'],
      ]),
    );
    expect(s).toMatchObject({
      printWidthDots: 400,
      labelLengthDots: 1245,
      printMode: 'peel off',
      printMethod: 'thermal trans',
      mediaTracking: 'mark',
    });
  });
});
