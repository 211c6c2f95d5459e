import { execFile } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ZebraEmulator, type ZebraEmulatorOptions } from './emulator.js';

/**
 * The emulator over real TCP on loopback, driven by a raw socket written here (no driver from the
 * repository): byte-exact answers built from the ZPL guide's layouts, printing, faults, scripts,
 * hostile input and shutdown.
 */

const STX = '\x02';
const ETX = '\x03';
const FRAME_END = '\x03\r\n';

/** ~HS of a fresh ZT411 at the defaults (label length 1218 dots, nothing queued, tear-off). */
const FRESH_HS =
  '\x02030,0,0,1218,000,0,0,0,000,0,0,0\x03\r\n' +
  '\x02000,0,0,0,0,2,4,0,00000000,1,000\x03\r\n' +
  '\x021234,0\x03\r\n';

const HQES_CLEAR =
  '\x02\r\n' +
  '  PRINTER STATUS\r\n' +
  '    ERRORS:         0 00000000 00000000\r\n' +
  '    WARNINGS:       0 00000000 00000000\r\n' +
  '\x03\r\n';

const HI_DEFAULT = '\x02ZT411-203dpi,V92.21.39Z,8,8192KB,\x03\r\n';

const label = (text: string, quantity = 1): string =>
  `^XA^FO50,50^A0N,40,40^FD${text}^FS^PQ${quantity},0,1,Y^XZ`;

const emulators: ZebraEmulator[] = [];
const clients: RawClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.socket.destroy();
  await Promise.all(emulators.splice(0).map((emulator) => emulator.stop()));
});

async function start(options: ZebraEmulatorOptions = {}): Promise<ZebraEmulator> {
  const emulator = await ZebraEmulator.start({ msPerLabel: 5, ...options });
  emulators.push(emulator);
  return emulator;
}

async function eventually(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Waits until `count` formats have arrived, then until they are printed. */
async function printedAll(emulator: ZebraEmulator, count: number): Promise<void> {
  await eventually(() => emulator.formatsReceived >= count, `${count} formats received`);
  await emulator.idle(3000);
}

/** A plain TCP client that keeps everything it receives. */
class RawClient {
  readonly socket: Socket;
  received = '';
  ended = false;
  closed = false;
  errorCode: string | undefined;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => (this.received += chunk.toString('latin1')));
    socket.on('end', () => (this.ended = true));
    socket.on('close', () => (this.closed = true));
    socket.on('error', (err: NodeJS.ErrnoException) => (this.errorCode = err.code));
  }

  static async open(emulator: ZebraEmulator, options: { allowHalfOpen?: boolean } = {}): Promise<RawClient> {
    const client = RawClient.attempt(emulator, options);
    await new Promise<void>((resolve, reject) => {
      client.socket.once('connect', resolve).once('error', reject);
    });
    return client;
  }

  /** Starts connecting without waiting (the printer may reset the connection before it is up). */
  static attempt(emulator: ZebraEmulator, options: { allowHalfOpen?: boolean } = {}): RawClient {
    const socket = connect({
      port: emulator.port,
      host: emulator.host,
      allowHalfOpen: options.allowHalfOpen,
    });
    const client = new RawClient(socket);
    clients.push(client);
    return client;
  }

  send(data: string | Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, (err) => {
        if (err) reject(err);
        else resolve();
      });
    });
  }

  /** Waits until `count` more characters arrived, then returns (and forgets) them. */
  async read(count: number, timeoutMs = 3000): Promise<string> {
    await eventually(
      () => this.received.length >= count,
      `${count} bytes (have ${this.received.length})`,
      timeoutMs,
    );
    const text = this.received.slice(0, count);
    this.received = this.received.slice(count);
    return text;
  }

  /** Sends a query and reads an answer of `frames` ETX-terminated strings. */
  async query(command: string, frames = 1): Promise<string> {
    await this.send(command);
    await eventually(() => this.received.split(FRAME_END).length > frames, `reply to ${command}`);
    return this.read(nthEnd(this.received, frames));
  }

  /** Sends an SGD command and reads the quoted value (no line terminator follows it). */
  async sgd(command: string): Promise<string> {
    await this.send(command);
    await eventually(() => /^"[^"]*"/.test(this.received), `SGD answer to ${command}`);
    const answer = /^"([^"]*)"/.exec(this.received)?.[1] ?? '';
    this.received = this.received.slice(answer.length + 2);
    return answer;
  }

  async hs(): Promise<HostStatus> {
    return parseHostStatus(await this.query('~HS', 3));
  }
}

function nthEnd(text: string, frames: number): number {
  let at = 0;
  for (let i = 0; i < frames; i++) at = text.indexOf(FRAME_END, at) + FRAME_END.length;
  return at;
}

interface HostStatus {
  paperOut: string;
  paused: string;
  labelLength: string;
  formats: string;
  bufferFull: string;
  partial: string;
  under: string;
  over: string;
  headUp: string;
  ribbonOut: string;
  printMode: string;
  remaining: string;
}

/** Splits a ~HS answer by the guide's field positions. */
function parseHostStatus(text: string): HostStatus {
  const frames = text.split('\r\n').filter((line) => line !== '');
  expect(frames).toHaveLength(3);
  const [one, two] = frames.map((frame) => {
    expect(frame.startsWith(STX) && frame.endsWith(ETX)).toBe(true);
    return frame.slice(1, -1).split(',');
  });
  expect(one).toHaveLength(12);
  expect(two).toHaveLength(11);
  const a = one ?? [];
  const b = two ?? [];
  return {
    paperOut: a[1] ?? '',
    paused: a[2] ?? '',
    labelLength: a[3] ?? '',
    formats: a[4] ?? '',
    bufferFull: a[5] ?? '',
    partial: a[7] ?? '',
    under: a[10] ?? '',
    over: a[11] ?? '',
    headUp: b[2] ?? '',
    ribbonOut: b[3] ?? '',
    printMode: b[5] ?? '',
    remaining: b[8] ?? '',
  };
}

describe('ZebraEmulator: ~HS', () => {
  it('answers a fresh printer byte for byte in the documented layout', async () => {
    const emulator = await start();
    const client = await RawClient.open(emulator);
    expect(await client.query('~HS', 3)).toBe(FRESH_HS);
    expect(client.received).toBe('');
  });

  it('reports each fault in its own field', async () => {
    const emulator = await start();
    const client = await RawClient.open(emulator);
    emulator.set({ paperOut: true, headOpen: true });
    expect(await client.hs()).toMatchObject({ paperOut: '1', headUp: '1', ribbonOut: '0', paused: '0' });
    emulator.set({ paperOut: false, headOpen: false, ribbonOut: true, paused: true });
    expect(await client.hs()).toMatchObject({ paperOut: '0', headUp: '0', ribbonOut: '1', paused: '1' });
    emulator.set({
      ribbonOut: false,
      paused: false,
      headUnderTemp: true,
      headOverTemp: true,
      bufferFull: true,
    });
    expect(await client.hs()).toMatchObject({ under: '1', over: '1', bufferFull: '1', paused: '0' });
  });

  it('counts formats in buffer and labels remaining down to zero while a ^PQ5 batch prints', async () => {
    const emulator = await start({ msPerLabel: 10 });
    const client = await RawClient.open(emulator);
    emulator.set({ paused: true });
    await client.send(label('five', 5) + label('one'));
    expect(await client.hs()).toMatchObject({ formats: '002', remaining: '00000005', paused: '1' });
    const seen: number[] = [];
    emulator.on('printed', (formatIndex, labelNumber) => {
      seen.push(labelNumber);
      if (formatIndex === 0 && labelNumber === 2) emulator.set({ paused: true });
    });
    emulator.set({ paused: false });
    await eventually(() => emulator.printed === 2, 'two labels');
    expect(await client.hs()).toMatchObject({ formats: '002', remaining: '00000003' });
    expect(emulator.labelsRemaining).toBe(3);
    emulator.set({ paused: false });
    await emulator.idle(3000);
    expect(seen).toEqual([1, 2, 3, 4, 5, 1]);
    expect(await client.hs()).toMatchObject({ formats: '000', remaining: '00000000' });
    expect(emulator.printed).toBe(6);
  });

  it('sets the partial format flag while a format is half sent, and takes ^LL and ^MM', async () => {
    const emulator = await start();
    const client = await RawClient.open(emulator);
    await client.send('^XA^LL600^MMC^FO10,10^FDhalf');
    expect(await client.hs()).toMatchObject({ partial: '1', formats: '000' });
    await client.send('^FS^XZ');
    expect(await client.hs()).toMatchObject({ partial: '0', labelLength: '0600', printMode: '3' });
    await emulator.idle();
    expect(emulator.formats).toEqual(['^XA^LL600^MMC^FO10,10^FDhalf^FS^XZ']);
  });
});

describe('ZebraEmulator: ~HQES, ~HI', () => {
  it('answers ~HQES with no flags when healthy', async () => {
    const emulator = await start();
    const client = await RawClient.open(emulator);
    expect(await client.query('~HQES')).toBe(HQES_CLEAR);
  });

  it.each([
    [{ paperOut: true }, '1 00000000 00000001', '0 00000000 00000000'],
    [{ ribbonOut: true }, '1 00000000 00000002', '0 00000000 00000000'],
    [{ headOpen: true }, '1 00000000 00000004', '0 00000000 00000000'],
    [{ cutterFault: true }, '1 00000000 00000008', '0 00000000 00000000'],
    [{ headOverTemp: true }, '1 00000000 00000010', '0 00000000 00000000'],
    [{ motorOverTemp: true }, '1 00000000 00000020', '0 00000000 00000000'],
    [{ paperOut: true, headOpen: true }, '1 00000000 00000005', '0 00000000 00000000'],
    [{ needCalibrate: true }, '0 00000000 00000000', '1 00000000 00000001'],
    [{ cleanHead: true }, '0 00000000 00000000', '1 00000000 00000002'],
    [{ paused: true }, '0 00000000 00000000', '0 00000000 00000000'],
  ])('masks %j', async (faults, errors, warnings) => {
    const emulator = await start();
    const client = await RawClient.open(emulator);
    emulator.set(faults);
    expect(await client.query('~HQES')).toBe(
      `\x02\r\n  PRINTER STATUS\r\n    ERRORS:         ${errors}\r\n    WARNINGS:       ${warnings}\r\n\x03\r\n`,
    );
  });

  it('answers ~HI with model, firmware, dots per mm, memory and options', async () => {
    const plain = await start();
    expect(await (await RawClient.open(plain)).query('~HI')).toBe(HI_DEFAULT);
    const cutter = await start({ model: 'ZT411-300dpi', dpmm: 12, memoryKb: 4096, options: 'C' });
    expect(await (await RawClient.open(cutter)).query('~hi')).toBe(
      '\x02ZT411-300dpi,V92.21.39Z,12,4096KB,C\x03\r\n',
    );
  });
});

describe('ZebraEmulator: SGD', () => {
  it('answers getvar in quotes with no terminator, "?" for unknown names', async () => {
    const emulator = await start();
    const client = await RawClient.open(emulator);
    expect(await client.sgd('! U1 getvar "device.friendly_name"\r\n')).toBe('EMU-ZT411');
    expect(await client.sgd('! U1 getvar "appl.name"\r\n')).toBe('V92.21.39Z');
    expect(await client.sgd('! U1 getvar "device.languages"\r\n')).toBe('hybrid_xml_zpl');
    expect(await client.sgd('! U1 getvar "ezpl.print_width"\r\n')).toBe('812');
    expect(await client.sgd('! U1 getvar "zpl.label_length"\r\n')).toBe('1218');
    expect(await client.sgd('! U1 getvar "media.status"\r\n')).toBe('ok');
    expect(await client.sgd('! U1 getvar "head.latch"\r\n')).toBe('ok');
    expect(await client.sgd('! U1 getvar "media.sense_mode"\r\n')).toBe('gap');
    expect(await client.sgd('! U1 getvar "device.unique_id"\r\n')).toBe('EMU000000001');
    expect(await client.sgd('! U1 getvar "no.such.thing"\r\n')).toBe('?');
    // a space after the last quote ends the command too
    expect(await client.sgd('! U1 getvar "odometer.total_label_count" ')).toBe('0');
    expect(client.received).toBe('');
  });

  it('setvar changes writable settings and answers nothing', async () => {
    const emulator = await start();
    const client = await RawClient.open(emulator);
    await client.send(
      '! U1 setvar "device.friendly_name" "LINE-7"\r\n! U1 setvar "zpl.label_length" "800"\r\n',
    );
    await client.send('! U1 setvar "appl.name" "hacked"\r\n! U1 setvar "ezpl.print_width" "wide"\r\n');
    expect(await client.sgd('! U1 getvar "device.friendly_name"\r\n')).toBe('LINE-7');
    expect(await client.sgd('! U1 getvar "appl.name"\r\n')).toBe('V92.21.39Z');
    expect(await client.sgd('! U1 getvar "ezpl.print_width"\r\n')).toBe('812');
    expect((await client.hs()).labelLength).toBe('0800');
    // a printer switched away from ZPL takes the format in but prints nothing
    await client.send('! U1 setvar "device.languages" "line_print"\r\n' + label('ignored'));
    await eventually(() => emulator.formatsReceived === 1, 'the format');
    expect([emulator.formatsInBuffer, emulator.printed]).toEqual([0, 0]);
  });

  it('reports device.host_status, zpl.system_status, media.status, head.latch and the odometer', async () => {
    const emulator = await start();
    const client = await RawClient.open(emulator);
    expect(await client.sgd('! U1 getvar "device.host_status"\r\n')).toBe(
      FRESH_HS.replaceAll(STX, '').replaceAll(ETX, '').slice(0, -2),
    );
    expect(await client.sgd('! U1 getvar "zpl.system_status"\r\n')).toBe(
      '0,0,00000000,00000000,0,00000000,00000000',
    );
    emulator.set({ paused: true, headOpen: true, paperOut: true });
    expect(await client.sgd('! U1 getvar "zpl.system_status"\r\n')).toBe(
      '1,1,00000000,00000005,0,00000000,00000000',
    );
    expect(await client.sgd('! U1 getvar "media.status"\r\n')).toBe('out');
    expect(await client.sgd('! U1 getvar "head.latch"\r\n')).toBe('open');
    emulator.set({ paused: false, headOpen: false, paperOut: false });
    await client.send(label('x', 3));
    await printedAll(emulator, 1);
    expect(await client.sgd('! U1 getvar "odometer.total_label_count"\r\n')).toBe('3');
  });

  it('takes the multi-command form ! U … END', async () => {
    const emulator = await start();
    const client = await RawClient.open(emulator);
    await client.send(
      '! U getvar "appl.name"\r\nsetvar "device.friendly_name" "B"\r\ngetvar "device.friendly_name"\r\nEND \r\n',
    );
    await eventually(() => client.received === '"V92.21.39Z""B"', 'two answers');
    client.received = '';
    expect(await client.sgd('! U1 getvar "head.latch"\r\n')).toBe('ok');
  });
});

describe('ZebraEmulator: printing', () => {
  it('prints 3 formats of ^PQ2 as 6 labels, in order', async () => {
    const emulator = await start();
    const printed: string[] = [];
    emulator.on('printed', (formatIndex, labelNumber) => printed.push(`${formatIndex}.${labelNumber}`));
    const client = await RawClient.open(emulator);
    await client.send(label('a', 2) + label('b', 2) + label('c', 2));
    await printedAll(emulator, 3);
    expect(emulator.printed).toBe(6);
    expect(printed).toEqual(['0.1', '0.2', '1.1', '1.2', '2.1', '2.2']);
    expect(emulator.formats).toEqual([label('a', 2), label('b', 2), label('c', 2)]);
  });

  it('runs out of paper mid-job, holds the rest, and finishes once media is reloaded', async () => {
    const emulator = await start();
    emulator.script.paperOutAfterLabels = 3;
    const client = await RawClient.open(emulator);
    await client.send(label('roll', 5));
    await eventually(() => emulator.faults.paperOut, 'paper out');
    expect(emulator.printed).toBe(3);
    expect(emulator.script.paperOutAfterLabels).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 30)); // six label times: nothing more prints
    expect(emulator.printed).toBe(3);
    expect(await client.hs()).toMatchObject({ paperOut: '1', formats: '001', remaining: '00000002' });
    emulator.set({ paperOut: false });
    await emulator.idle();
    expect(emulator.printed).toBe(5);
    expect(emulator.labelsRemaining).toBe(0);
  });

  it('pauses with ~PP and resumes with ~PS, and through set({ paused })', async () => {
    const emulator = await start();
    const client = await RawClient.open(emulator);
    await client.send('~PP' + label('held', 2));
    expect(await client.hs()).toMatchObject({ paused: '1', formats: '001', remaining: '00000002' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(emulator.printed).toBe(0);
    await client.send('~PS');
    await emulator.idle();
    expect(emulator.printed).toBe(2);
    emulator.set({ paused: true });
    await client.send(label('again'));
    await eventually(() => emulator.formatsInBuffer === 1, 'the format queued');
    expect(emulator.printed).toBe(2);
    emulator.set({ paused: false });
    await emulator.idle();
    expect(emulator.printed).toBe(3);
  });

  it('~JA cancels every queued format; the label on the head is finished', async () => {
    const emulator = await start({ msPerLabel: 200 });
    const client = await RawClient.open(emulator);
    emulator.on('printed', (_format, labelNumber) => {
      if (labelNumber === 1) void client.send('~JA');
    });
    await client.send(label('a', 3) + label('b', 3) + label('c'));
    await eventually(() => emulator.printed > 0, 'the first label');
    await emulator.idle();
    expect(emulator.printed).toBe(2);
    expect(await client.hs()).toMatchObject({ formats: '000', remaining: '00000000' });
  });

  it('~JX drops a partial format; ~WC prints one configuration label', async () => {
    const emulator = await start();
    const client = await RawClient.open(emulator);
    await client.send('^XA^FO1,1^FDnever~JX' + label('kept') + '~WC');
    await printedAll(emulator, 1);
    expect(emulator.formats).toEqual([label('kept')]);
    expect(emulator.printed).toBe(2);
  });

  it('a settings-only format feeds no label; lower-case commands work', async () => {
    const emulator = await start();
    const client = await RawClient.open(emulator);
    await client.send('^XA^MMT^PW600^XZ^xa^fo5,5^fdlow^fs^pq2^xz');
    await printedAll(emulator, 2);
    expect(emulator.printed).toBe(2);
    expect(await client.sgd('! U1 getvar "ezpl.print_width"\r\n')).toBe('600');
  });

  it('stops reading when the receive buffer is full (f=1) and takes the rest as room frees', async () => {
    const emulator = await start({ maxBufferedFormats: 2 });
    emulator.set({ paused: true });
    const client = await RawClient.open(emulator);
    await client.send(label('1') + label('2') + '~HS' + label('3') + label('4') + label('5') + '~HS');
    expect(parseHostStatus(await client.read(FRESH_HS.length))).toMatchObject({
      bufferFull: '1',
      formats: '002',
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(emulator.formats).toHaveLength(2);
    expect(client.received).toBe(''); // the second ~HS waits behind the formats not read yet
    emulator.set({ paused: false });
    await printedAll(emulator, 5);
    expect(emulator.printed).toBe(5);
    expect(parseHostStatus(await client.read(FRESH_HS.length)).formats).toMatch(/^00[12]$/);
  });
});

describe('ZebraEmulator: scripts', () => {
  it('silentWhenError: no ~HS or device.host_status answer while paper out; ~HQES still answers', async () => {
    const emulator = await start();
    emulator.script.silentWhenError = true;
    emulator.set({ paperOut: true });
    const client = await RawClient.open(emulator);
    const answer = await client.query('~HS! U1 getvar "device.host_status"\r\n~HQES');
    expect(answer).toBe(HQES_CLEAR.replace('0 00000000 00000000', '1 00000000 00000001'));
    emulator.set({ paperOut: false, headOverTemp: true });
    expect(await client.query('~HS~HQES')).toBe(
      HQES_CLEAR.replace('0 00000000 00000000', '1 00000000 00000010'),
    );
    emulator.set({ headOverTemp: false });
    expect((await client.hs()).paperOut).toBe('0');
  });

  it('neverAnswerHs: ~HS goes unanswered, other queries are answered', async () => {
    const emulator = await start();
    emulator.script.neverAnswerHs = true;
    const client = await RawClient.open(emulator);
    expect(await client.query('~HS~HI')).toBe(HI_DEFAULT);
  });

  it('dropAfterBytes resets the connection after that many bytes, once', async () => {
    const emulator = await start();
    emulator.script.dropAfterBytes = label('cut').length + 10;
    const client = await RawClient.open(emulator);
    await client.send(label('cut') + label('never arrives'));
    await eventually(() => client.closed, 'the reset');
    expect(client.errorCode).toBe('ECONNRESET');
    expect(emulator.formats).toEqual([label('cut')]);
    expect(emulator.script.dropAfterBytes).toBeUndefined();
    // the partial format from the cut connection continues with the next bytes, as on the printer
    const next = await RawClient.open(emulator);
    expect((await next.hs()).partial).toBe('1');
    await next.send('~JX' + label('next'));
    await printedAll(emulator, 2);
    expect(emulator.formats).toEqual([label('cut'), label('next')]);
    await eventually(() => emulator.connections === 1, 'one connection');
  });

  it('a second connection waits unread until the first closes', async () => {
    const emulator = await start();
    const first = await RawClient.open(emulator);
    const second = await RawClient.open(emulator);
    await second.send('~HI');
    expect(await first.query('~HI')).toContain('ZT411');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(second.received).toBe('');
    expect(emulator.connections).toBe(2);
    first.socket.end();
    await eventually(() => second.received === HI_DEFAULT, 'the waiting answer');
    expect(emulator.acceptedConnections).toBe(2);
  });

  it('resets connections past maxWaitingConnections', async () => {
    const emulator = await start({ maxWaitingConnections: 1 });
    await RawClient.open(emulator);
    await RawClient.open(emulator);
    const third = RawClient.attempt(emulator);
    await eventually(() => third.closed, 'the reset');
    expect([emulator.connections, emulator.acceptedConnections]).toEqual([2, 3]);
  });

  it('refuseSecondConnection resets a second connection at once', async () => {
    const emulator = await start();
    emulator.script.refuseSecondConnection = true;
    const first = await RawClient.open(emulator);
    const second = RawClient.attempt(emulator);
    await eventually(() => second.closed, 'the refusal');
    expect(second.errorCode).toBe('ECONNRESET');
    expect(await first.query('~HI')).toContain('ZT411');
    expect(emulator.acceptedConnections).toBe(2);
    expect(emulator.connections).toBe(1);
  });

  it('idleTimeoutMs closes a quiet session; acceptDelayMs and replyDelayMs delay reading and answers', async () => {
    const emulator = await start();
    emulator.script.idleTimeoutMs = 50;
    const quiet = await RawClient.open(emulator);
    await eventually(() => quiet.ended, 'the printer closing the session');
    emulator.script = { acceptDelayMs: 60, replyDelayMs: 40 };
    const slow = await RawClient.open(emulator);
    const sent = performance.now();
    expect(await slow.query('~HI~HQES', 2)).toBe(HI_DEFAULT + HQES_CLEAR);
    expect(performance.now() - sent).toBeGreaterThanOrEqual(95);
  });

  it('after the client half-closes, answers what it asked, prints, then closes its side', async () => {
    const emulator = await start();
    const client = await RawClient.open(emulator, { allowHalfOpen: true });
    emulator.script.replyDelayMs = 20;
    await client.send(label('last', 2) + '~HS');
    client.socket.end();
    await eventually(() => client.ended, 'the printer closing');
    expect(parseHostStatus(client.received)).toMatchObject({ formats: '001' });
    await printedAll(emulator, 1);
    expect(emulator.printed).toBe(2);
    await eventually(() => emulator.connections === 0, 'no connection');
  });
});

/** Deterministic pseudo-random bytes (a linear congruential generator). */
function noise(length: number, seed: number, exclude: readonly number[] = []): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    let byte = (state >>> 16) & 0xff;
    if (exclude.includes(byte)) byte = 0x41;
    bytes[i] = byte;
  }
  return bytes;
}

describe('ZebraEmulator: hostile input', () => {
  it('survives 1 MiB of arbitrary bytes and keeps serving', async () => {
    const emulator = await start();
    const client = await RawClient.open(emulator);
    await client.send(noise(1 << 20, 7));
    client.socket.destroy();
    const next = await RawClient.open(emulator);
    await next.send('\r\n');
    await eventually(() => emulator.connections === 1, 'the next session');
    expect(emulator.formatsInBuffer).toBeLessThanOrEqual(100);
  });

  it('ignores garbage between formats and still prints the valid ones', async () => {
    const emulator = await start();
    const client = await RawClient.open(emulator);
    const junk = noise(64 * 1024, 42, [0x5e, 0x7e]); // no prefix characters: nothing to execute
    await client.send(
      Buffer.concat([junk, Buffer.from(label('ok', 2)), junk, Buffer.from('! U1 bogus\r\n')]),
    );
    expect(await client.query('~HI')).toBe(HI_DEFAULT);
    await printedAll(emulator, 1);
    expect(emulator.formats).toEqual([label('ok', 2)]);
    expect(emulator.printed).toBe(2);
  });

  it('parses a job sent one byte per TCP write', async () => {
    const emulator = await start();
    const client = await RawClient.open(emulator);
    const job = `${label('slow', 2)}~HS! U1 getvar "head.latch"\r\n`;
    for (const ch of job) {
      await client.send(ch);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await eventually(() => client.received.endsWith('"ok"'), 'both answers');
    expect(parseHostStatus(client.received.slice(0, -4)).formats).toMatch(/^00[01]$/);
    await printedAll(emulator, 1);
    expect(emulator.formats).toEqual([label('slow', 2)]);
    expect(emulator.printed).toBe(2);
  });

  it('discards a 2 MiB format that never ends and prints what follows', async () => {
    const emulator = await start();
    const client = await RawClient.open(emulator);
    await client.send('^XA^FO0,0^GFA,2097152,2097152,256,');
    await client.send(Buffer.alloc(2 << 20, 0x46));
    await client.send(label('after'));
    await printedAll(emulator, 1);
    expect(emulator.discardedFormats).toBe(1);
    expect(emulator.formats).toEqual([label('after')]);
    expect(emulator.printed).toBe(1);
    expect((await client.hs()).partial).toBe('0');
  });
});

describe('ZebraEmulator: lifecycle', () => {
  it('emits format and command events', async () => {
    const emulator = await start();
    const events: string[] = [];
    emulator.on('format', (text) => events.push(`format ${text}`));
    emulator.on('command', (command) => events.push(command));
    const client = await RawClient.open(emulator);
    await client.send(`~HQES${label('e')}! U1 setvar "device.friendly_name" "E"\r\n`);
    await client.query('~HI');
    expect(events).toEqual([
      '~HQES',
      `format ${label('e')}`,
      '! U1 setvar "device.friendly_name" "E"',
      '~HI',
    ]);
  });

  it('idle() rejects after its timeout; stop() is idempotent', async () => {
    const emulator = await start();
    emulator.set({ paused: true });
    const client = await RawClient.open(emulator);
    await client.send(label('stuck'));
    await eventually(() => emulator.formatsInBuffer === 1, 'queued');
    await expect(emulator.idle(20)).rejects.toThrow(/not idle/);
    const pending = emulator.idle(5000);
    await Promise.all([emulator.stop(), emulator.stop()]);
    await expect(pending).rejects.toThrow(/stopped/);
    await eventually(() => client.closed, 'the client closed');
  });

  it('stop() leaves nothing behind: the process exits by itself', async () => {
    const module = JSON.stringify(pathToFileURL(new URL('./emulator.ts', import.meta.url).pathname).href);
    const script = `
      import net from 'node:net';
      import { ZebraEmulator } from ${module};
      const emulator = await ZebraEmulator.start({ msPerLabel: 1000 });
      emulator.script = { idleTimeoutMs: 60000, replyDelayMs: 5000 };
      const active = net.connect(emulator.port, '127.0.0.1');
      const waiting = net.connect(emulator.port, '127.0.0.1');
      for (const s of [active, waiting]) s.on('error', () => undefined);
      await new Promise((resolve) => waiting.once('connect', resolve));
      active.write('^XA^FDx^FS^PQ50^XZ~HS^XA^FDpartial');
      waiting.write('~HS');
      await new Promise((resolve) => setTimeout(resolve, 50));
      emulator.idle(60000).catch(() => undefined);
      await emulator.stop();
      process.stdout.write('stopped ' + emulator.connections + '\\n');
    `;
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        { timeout: 20_000, cwd: new URL('../..', import.meta.url).pathname },
        (_err, stdout, stderr) => {
          resolve({ code: child.exitCode, stdout, stderr });
        },
      );
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('stopped 0\n');
    expect(result.code).toBe(0);
  });
});
