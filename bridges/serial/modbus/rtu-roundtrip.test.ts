import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeRtuServer } from './fake-rtu-server.js';
import { RtuResponseReader, encodeRequest, expectedResponseLength, type RtuRequest } from './rtu.js';

const UNIT = 9;

const readRequest = fc.oneof(
  fc
    .record({
      kind: fc.constantFrom('read_coils' as const, 'read_discrete_inputs' as const),
      quantity: fc.integer({ min: 1, max: 2000 }),
    })
    .chain((r) => fc.record({ ...constants(r), address: fc.integer({ min: 0, max: 0x10000 - r.quantity }) })),
  fc
    .record({
      kind: fc.constantFrom('read_holding_registers' as const, 'read_input_registers' as const),
      quantity: fc.integer({ min: 1, max: 125 }),
    })
    .chain((r) => fc.record({ ...constants(r), address: fc.integer({ min: 0, max: 0x10000 - r.quantity }) })),
);

function constants<T extends object>(r: T): { [K in keyof T]: fc.Arbitrary<T[K]> } {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, fc.constant(v)])) as {
    [K in keyof T]: fc.Arbitrary<T[K]>;
  };
}

const writeRequest = fc.oneof(
  fc.record({
    kind: fc.constant('write_single_coil' as const),
    address: fc.nat(0xffff),
    value: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('write_single_register' as const),
    address: fc.nat(0xffff),
    value: fc.nat(0xffff),
  }),
  fc.record({
    kind: fc.constant('write_multiple_registers' as const),
    address: fc.nat(0xff00),
    values: fc.array(fc.nat(0xffff), { minLength: 1, maxLength: 123 }),
  }),
);

function exchange(server: FakeRtuServer, request: RtuRequest, step: number) {
  const frame = encodeRequest(request);
  if (!frame.ok) throw frame.error;
  const response = server.respond(frame.value);
  if (response === undefined) throw new Error('no response');
  const reader = new RtuResponseReader(request);
  let result;
  for (let i = 0; i < response.length && result === undefined; i += step) {
    result = reader.feed(response.subarray(i, i + step));
  }
  return { result, length: response.length };
}

describe('round trip through a fake server', () => {
  it('reads exactly what the server holds, whatever the chunking', () => {
    fc.assert(
      fc.property(readRequest, fc.integer({ min: 1, max: 64 }), fc.integer(), (partial, step, seed) => {
        const server = new FakeRtuServer({ unit: UNIT });
        const request: RtuRequest = { ...partial, unit: UNIT };
        for (let i = 0; i < request.quantity; i++) {
          const a = request.address + i;
          const v = Math.abs(seed * (i + 7)) % 0x10000;
          server.coils[a] = v & 1;
          server.discreteInputs[a] = (v >>> 1) & 1;
          server.holdingRegisters[a] = v;
          server.inputRegisters[a] = v ^ 0xffff;
        }
        const { result, length } = exchange(server, request, step);
        expect(length).toBe(expectedResponseLength(request));
        if (!result?.ok) throw new Error(String(result?.error.message));
        const value = result.value;
        const range = (t: ArrayLike<number>) =>
          Array.from({ length: request.quantity }, (_, i) => t[request.address + i]);
        if (value.kind === 'read_coils') expect(value.bits).toEqual(range(server.coils).map((b) => b === 1));
        if (value.kind === 'read_discrete_inputs')
          expect(value.bits).toEqual(range(server.discreteInputs).map((b) => b === 1));
        if (value.kind === 'read_holding_registers')
          expect(value.registers).toEqual(range(server.holdingRegisters));
        if (value.kind === 'read_input_registers')
          expect(value.registers).toEqual(range(server.inputRegisters));
      }),
      { numRuns: 200 },
    );
  });

  it('writes and reads back', () => {
    fc.assert(
      fc.property(writeRequest, fc.integer({ min: 1, max: 8 }), (partial, step) => {
        const server = new FakeRtuServer({ unit: UNIT });
        const request: RtuRequest = { ...partial, unit: UNIT };
        const { result, length } = exchange(server, request, step);
        expect(length).toBe(8);
        expect(result?.ok).toBe(true);
        if (request.kind === 'write_single_coil')
          expect(server.coils[request.address]).toBe(request.value ? 1 : 0);
        if (request.kind === 'write_single_register')
          expect(server.holdingRegisters[request.address]).toBe(request.value);
        if (request.kind === 'write_multiple_registers') {
          const stored = server.holdingRegisters.subarray(
            request.address,
            request.address + request.values.length,
          );
          expect(Array.from(stored)).toEqual(request.values);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('carries scripted exceptions through', () => {
    const server = new FakeRtuServer({
      unit: UNIT,
      exceptionFor: (fn, address) => (fn === 3 && address >= 100 ? 2 : undefined),
    });
    const { result, length } = exchange(
      server,
      { kind: 'read_holding_registers', unit: UNIT, address: 100, quantity: 2 },
      1,
    );
    expect(length).toBe(5);
    expect(result?.ok === false && result.error.details).toMatchObject({
      exception: 2,
      name: 'illegal data address',
    });
    const fine = exchange(
      server,
      { kind: 'read_holding_registers', unit: UNIT, address: 98, quantity: 2 },
      3,
    );
    expect(fine.result?.ok).toBe(true);
  });

  it('stays silent for broadcasts, other units and bad frames', () => {
    const server = new FakeRtuServer({ unit: UNIT });
    const broadcast = encodeRequest({ kind: 'write_single_register', unit: 0, address: 5, value: 42 });
    expect(broadcast.ok && server.respond(broadcast.value)).toBeUndefined();
    expect(server.holdingRegisters[5]).toBe(42);
    const other = encodeRequest({ kind: 'read_coils', unit: UNIT + 1, address: 0, quantity: 1 });
    expect(other.ok && server.respond(other.value)).toBeUndefined();
    expect(server.respond(Uint8Array.from([UNIT, 3, 0, 0, 0, 1, 0, 0]))).toBeUndefined();
  });
});
