import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Result } from '../../../src/cxp/errors.js';
import { appendCrc } from './crc.js';
import { RtuResponseReader, type RtuRequest, type RtuResponse } from './rtu.js';

const bytes = (s: string): Uint8Array => Uint8Array.from(s.split(' ').map((h) => parseInt(h, 16)));
const framed = (s: string): Uint8Array => appendCrc(bytes(s));

const READ_HOLDING: RtuRequest = { kind: 'read_holding_registers', unit: 0x11, address: 0x6b, quantity: 3 };
// Unit 0x11, function 3, 6 data bytes, registers 0x022B 0x0000 0x0064, CRC (checked in crc.test.ts).
const HOLDING_RESPONSE = '11 03 06 02 2b 00 00 00 64 c8 ba';

function feedAll(reader: RtuResponseReader, data: Uint8Array, step = 1): Result<RtuResponse> | undefined {
  let last: Result<RtuResponse> | undefined;
  for (let i = 0; i < data.length; i += step) {
    last = reader.feed(data.subarray(i, i + step));
    if (last !== undefined) break;
  }
  return last;
}

function expectError(r: Result<RtuResponse> | undefined, code: string): Record<string, unknown> {
  expect(r?.ok).toBe(false);
  if (r === undefined || r.ok) throw new Error('expected an error');
  expect(r.error.code).toBe(code);
  return r.error.details;
}

describe('RtuResponseReader: normal responses', () => {
  it('parses a read holding registers response in one chunk', () => {
    const reader = new RtuResponseReader(READ_HOLDING);
    expect(reader.feed(bytes(HOLDING_RESPONSE))).toEqual({
      ok: true,
      value: { kind: 'read_holding_registers', unit: 0x11, address: 0x6b, registers: [0x022b, 0, 0x64] },
    });
    expect(reader.done).toBe(true);
    expect(reader.discarded).toBe(0);
  });

  it('waits byte by byte and completes on the last byte', () => {
    const reader = new RtuResponseReader(READ_HOLDING);
    const data = bytes(HOLDING_RESPONSE);
    for (let i = 0; i < data.length - 1; i++) expect(reader.feed(data.subarray(i, i + 1))).toBeUndefined();
    expect(reader.done).toBe(false);
    expect(reader.feed(data.subarray(data.length - 1))?.ok).toBe(true);
  });

  it('gives the same result for any split of the stream', () => {
    const data = bytes(HOLDING_RESPONSE);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: data.length - 1 }), { maxLength: 5 }), (cuts) => {
        const reader = new RtuResponseReader(READ_HOLDING);
        const points = [0, ...cuts.sort((a, b) => a - b), data.length];
        let result: Result<RtuResponse> | undefined;
        for (let i = 0; i + 1 < points.length; i++)
          result = reader.feed(data.subarray(points[i], points[i + 1]));
        expect(result?.ok && result.value.kind).toBe('read_holding_registers');
      }),
    );
  });

  it('unpacks coils least significant bit first', () => {
    const reader = new RtuResponseReader({ kind: 'read_coils', unit: 0x11, address: 0x13, quantity: 10 });
    const r = feedAll(reader, framed('11 01 02 cd 01'));
    expect(r?.ok && r.value).toEqual({
      kind: 'read_coils',
      unit: 0x11,
      address: 0x13,
      bits: [true, false, true, true, false, false, true, true, true, false],
    });
  });

  it('parses discrete inputs and input registers', () => {
    const inputs = new RtuResponseReader({ kind: 'read_discrete_inputs', unit: 2, address: 0, quantity: 3 });
    const a = inputs.feed(framed('02 02 01 05'));
    expect(a?.ok && a.value).toMatchObject({ bits: [true, false, true] });
    const regs = new RtuResponseReader({ kind: 'read_input_registers', unit: 2, address: 8, quantity: 1 });
    const b = regs.feed(framed('02 04 02 ff fe'));
    expect(b?.ok && b.value).toMatchObject({ kind: 'read_input_registers', registers: [0xfffe] });
  });

  it('accepts write echoes and refuses echoes that differ', () => {
    const coil = new RtuResponseReader({ kind: 'write_single_coil', unit: 1, address: 0xac, value: true });
    expect(coil.feed(framed('01 05 00 ac ff 00'))).toMatchObject({ ok: true, value: { value: true } });
    const reg = new RtuResponseReader({ kind: 'write_single_register', unit: 1, address: 1, value: 3 });
    expect(reg.feed(bytes('01 06 00 01 00 03 98 0b'))).toMatchObject({
      ok: true,
      value: { address: 1, value: 3 },
    });
    const multi = new RtuResponseReader({
      kind: 'write_multiple_registers',
      unit: 1,
      address: 1,
      values: [1, 2],
    });
    expect(multi.feed(framed('01 10 00 01 00 02'))).toMatchObject({ ok: true, value: { quantity: 2 } });

    const echoes: [RtuRequest, string][] = [
      [{ kind: 'write_single_register', unit: 1, address: 1, value: 3 }, '01 06 00 01 00 04'],
      [{ kind: 'write_single_register', unit: 1, address: 1, value: 3 }, '01 06 00 02 00 03'],
      [{ kind: 'write_single_coil', unit: 1, address: 1, value: true }, '01 05 00 01 00 00'],
      [{ kind: 'write_single_coil', unit: 1, address: 1, value: true }, '01 05 00 02 ff 00'],
      [{ kind: 'write_multiple_registers', unit: 1, address: 1, values: [1, 2] }, '01 10 00 01 00 03'],
      [{ kind: 'write_multiple_registers', unit: 1, address: 1, values: [1, 2] }, '01 10 00 00 00 02'],
    ];
    for (const [request, frame] of echoes) {
      const details = expectError(new RtuResponseReader(request).feed(framed(frame)), 'MALFORMED_MESSAGE');
      expect(details.hex).toMatch(/^01 /);
    }
  });
});

describe('RtuResponseReader: exceptions', () => {
  it('reports an exception response as DEVICE_FAULT with its name', () => {
    const reader = new RtuResponseReader(READ_HOLDING);
    const r = feedAll(reader, bytes('11 83 02 c1 34'));
    expect(expectError(r, 'DEVICE_FAULT')).toMatchObject({ exception: 2, name: 'illegal data address' });
    expect(r?.ok === false && r.error.retryable).toBe(false);
    expect(reader.discarded).toBe(0);
  });

  const names: [number, string, boolean][] = [
    [1, 'illegal function', false],
    [3, 'illegal data value', false],
    [4, 'server device failure', false],
    [5, 'acknowledge', true],
    [6, 'server device busy', true],
    [8, 'memory parity error', false],
    [10, 'gateway path unavailable', false],
    [11, 'gateway target device failed to respond', true],
    [0x2a, 'unknown exception', false],
  ];

  it.each(names)('exception %i is "%s"', (code, name, retryable) => {
    const reader = new RtuResponseReader({ kind: 'write_single_coil', unit: 7, address: 0, value: false });
    const r = reader.feed(appendCrc(Uint8Array.from([7, 0x85, code])));
    expect(expectError(r, 'DEVICE_FAULT')).toMatchObject({ exception: code, name, unit: 7, function: 5 });
    expect(r?.ok === false && r.error.retryable).toBe(retryable);
  });
});

describe('RtuResponseReader: malformed input', () => {
  it('reports a CRC mismatch with a hex excerpt', () => {
    const data = bytes(HOLDING_RESPONSE);
    data[4] = 0x2c;
    const details = expectError(feedAll(new RtuResponseReader(READ_HOLDING), data), 'MALFORMED_MESSAGE');
    expect(details.hex).toBe('11 03 06 02 2c 00 00 00 64 c8 ba');
  });

  it('reports a CRC mismatch on an exception frame', () => {
    expectError(feedAll(new RtuResponseReader(READ_HOLDING), bytes('11 83 02 c1 35')), 'MALFORMED_MESSAGE');
  });

  it('reports a valid frame from another unit', () => {
    const r = feedAll(new RtuResponseReader(READ_HOLDING), framed('12 03 06 02 2b 00 00 00 64'));
    expect(expectError(r, 'MALFORMED_MESSAGE')).toMatchObject({ unit: 0x12, expected_unit: 0x11 });
    expect(r?.ok === false && r.error.message).toContain('unit 18');
  });

  it('reports a valid frame for another function', () => {
    const r = feedAll(new RtuResponseReader(READ_HOLDING), framed('11 04 02 00 01'));
    expect(expectError(r, 'MALFORMED_MESSAGE')).toMatchObject({ function: 4, expected_function: 3 });
    const ex = feedAll(new RtuResponseReader(READ_HOLDING), framed('11 84 01'));
    expect(expectError(ex, 'MALFORMED_MESSAGE')).toMatchObject({ function: 0x84 });
    const write = feedAll(new RtuResponseReader(READ_HOLDING), framed('11 06 00 01 00 03'));
    expect(expectError(write, 'MALFORMED_MESSAGE')).toMatchObject({ function: 6 });
  });

  it('reports a wrong byte count as soon as it is read', () => {
    const reader = new RtuResponseReader(READ_HOLDING);
    expect(reader.feed(bytes('11 03'))).toBeUndefined();
    const details = expectError(reader.feed(bytes('04')), 'MALFORMED_MESSAGE');
    expect(details).toMatchObject({ byte_count: 4, expected_byte_count: 6, hex: '11 03 04' });
  });

  it('skips noise before the frame', () => {
    const reader = new RtuResponseReader(READ_HOLDING);
    const noisy = Uint8Array.from([0x00, 0xff, 0x11, 0xff, 0x03, ...bytes(HOLDING_RESPONSE)]);
    expect(feedAll(reader, noisy)?.ok).toBe(true);
    expect(reader.discarded).toBe(5);
  });

  it('ignores a noise prefix that looks like a frame start but fails its CRC', () => {
    // 0x12 0x03 looks like a frame from unit 0x12; it is not CRC-valid, so the hunt goes on.
    const reader = new RtuResponseReader(READ_HOLDING);
    const noisy = Uint8Array.from([0x12, 0x03, 0x01, 0x00, ...bytes(HOLDING_RESPONSE)]);
    expect(feedAll(reader, noisy, 3)?.ok).toBe(true);
  });

  it('discards garbage after the frame and keeps its result', () => {
    const reader = new RtuResponseReader(READ_HOLDING);
    const first = reader.feed(Uint8Array.from([...bytes(HOLDING_RESPONSE), 0xde, 0xad]));
    expect(first?.ok).toBe(true);
    expect(reader.feed(bytes('be ef 00'))).toBe(first);
    expect(reader.discarded).toBe(5);
    expect(reader.buffered).toBeLessThanOrEqual(256);
  });

  it('gives up after 256 bytes without a frame', () => {
    const reader = new RtuResponseReader(READ_HOLDING);
    expect(reader.feed(new Uint8Array(255).fill(0xaa))).toBeUndefined();
    const details = expectError(reader.feed(new Uint8Array(100)), 'MALFORMED_MESSAGE');
    expect(details.hex).toMatch(/\(\+224 bytes\)$/);
    expect(reader.buffered).toBe(256);
    expect(reader.discarded).toBe(355);
  });

  it('refuses bytes after a broadcast and an invalid request', () => {
    const broadcast = new RtuResponseReader({ kind: 'write_single_register', unit: 0, address: 1, value: 3 });
    expect(broadcast.feed(new Uint8Array(0))).toBeUndefined();
    expectError(broadcast.feed(bytes('00 06')), 'MALFORMED_MESSAGE');
    const bad = new RtuResponseReader({ kind: 'read_coils', unit: 1, address: 0, quantity: 0 });
    expect(bad.done).toBe(true);
    expectError(bad.feed(bytes('01')), 'INVALID_PARAMS');
  });

  it('can be reset for the next request', () => {
    const reader = new RtuResponseReader(READ_HOLDING);
    expectError(reader.feed(bytes('11 83 02 c1 34')), 'DEVICE_FAULT');
    reader.reset(READ_HOLDING);
    expect(reader.done).toBe(false);
    expect(reader.buffered).toBe(0);
    expect(reader.feed(bytes(HOLDING_RESPONSE))?.ok).toBe(true);
  });
});

describe('RtuResponseReader: properties', () => {
  const requests: RtuRequest[] = [
    READ_HOLDING,
    { kind: 'read_coils', unit: 1, address: 0, quantity: 2000 },
    { kind: 'write_multiple_registers', unit: 247, address: 0, values: [1] },
  ];

  it('never throws and never holds more than 256 bytes on random input', () => {
    const known = new Set(['MALFORMED_MESSAGE', 'DEVICE_FAULT']);
    fc.assert(
      fc.property(
        fc.constantFrom(...requests),
        fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 12 }),
        (request, chunks) => {
          const reader = new RtuResponseReader(request);
          let fed = 0;
          for (const chunk of chunks) {
            fed += chunk.length;
            const r = reader.feed(chunk);
            expect(reader.buffered).toBeLessThanOrEqual(256);
            if (r !== undefined && !r.ok) expect(known.has(r.error.code)).toBe(true);
          }
          expect(reader.buffered + reader.discarded).toBeLessThanOrEqual(fed + reader.buffered);
          expect(reader.discarded).toBeLessThanOrEqual(fed);
        },
      ),
    );
  });

  it('finds a valid frame behind any noise that cannot start it', () => {
    const frame = bytes(HOLDING_RESPONSE);
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 256 - frame.length }).filter((p) => !p.includes(0x11)),
        fc.integer({ min: 1, max: 16 }),
        (prefix, step) => {
          const reader = new RtuResponseReader(READ_HOLDING);
          const r = feedAll(reader, Uint8Array.from([...prefix, ...frame]), step);
          // A prefix that itself forms a CRC-valid foreign frame is reported as such; vanishingly rare.
          expect(r?.ok).toBe(true);
          expect(reader.discarded).toBe(prefix.length);
        },
      ),
    );
  });
});
