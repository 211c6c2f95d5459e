import { describe, expect, it } from 'vitest';
import { appendCrc } from './crc.js';
import { compileRegisterMap, type RegisterEntry, type RegisterMap } from './registers.js';
import { RtuResponseReader } from './rtu.js';

function compiled(entries: RegisterEntry[], quantity: number): RegisterMap {
  const r = compileRegisterMap(entries, { quantity });
  if (!r.ok) throw r.error;
  return r.value;
}

function problemsOf(entries: unknown, quantity = 10): { path: string; message: string }[] {
  const r = compileRegisterMap(entries, { quantity });
  expect(r.ok).toBe(false);
  if (r.ok) return [];
  expect(r.error.code).toBe('INVALID_CONFIG');
  return r.error.details.problems as { path: string; message: string }[];
}

describe('RegisterMap.decode', () => {
  it('decodes every type and both word orders', () => {
    const map = compiled(
      [
        { name: 'u16', offset: 0, type: 'u16' },
        { name: 'i16', offset: 1, type: 'i16' },
        { name: 'u32_big', offset: 2, type: 'u32' },
        { name: 'u32_little', offset: 2, type: 'u32', word_order: 'little' },
        { name: 'i32', offset: 4, type: 'i32' },
        { name: 'f32_big', offset: 6, type: 'f32' },
        { name: 'f32_little', offset: 8, type: 'f32', word_order: 'little' },
        { name: 'alarm', offset: 10, type: 'bool', bit: 3 },
        { name: 'ready', offset: 10, type: 'bool' },
        { name: 'top', offset: 10, type: 'bool', bit: 15 },
      ],
      11,
    );
    const r = map.decode([0x1234, 0xfffe, 0x0001, 0x0002, 0xffff, 0xfffe, 0x3fc0, 0, 0, 0xc020, 0x8008]);
    expect(r).toEqual({
      ok: true,
      value: {
        u16: 0x1234,
        i16: -2,
        u32_big: 0x00010002,
        u32_little: 0x00020001,
        i32: -2,
        f32_big: 1.5,
        f32_little: -2.5,
        alarm: true,
        ready: false,
        top: true,
      },
    });
  });

  it('gives full-range 32-bit values', () => {
    const map = compiled(
      [
        { name: 'u', offset: 0, type: 'u32' },
        { name: 'i', offset: 0, type: 'i32' },
      ],
      2,
    );
    expect(map.decode([0xffff, 0xffff])).toEqual({ ok: true, value: { u: 0xffffffff, i: -1 } });
    expect(map.decode([0x8000, 0])).toEqual({ ok: true, value: { u: 0x80000000, i: -0x80000000 } });
  });

  it('applies scale then offset_value and keeps the unit', () => {
    const map = compiled(
      [
        { name: 'temperature', offset: 0, type: 'i16', scale: 0.1, offset_value: -40, unit: 'degC' },
        { name: 'flow', offset: 1, type: 'u32', scale: 0.001, unit: 'm3/h' },
      ],
      3,
    );
    const r = map.decode([215, 0x0001, 0x86a0]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.temperature).toBeCloseTo(-18.5, 10);
    expect(r.value.flow).toBeCloseTo(100, 10);
    expect(map.fields.map((f) => f.unit)).toEqual(['degC', 'm3/h']);
  });

  it('leaves out non-finite floats', () => {
    const map = compiled(
      [
        { name: 'nan', offset: 0, type: 'f32' },
        { name: 'inf', offset: 2, type: 'f32' },
        { name: 'ok', offset: 4, type: 'u16' },
      ],
      5,
    );
    expect(map.decode([0x7fc0, 0, 0x7f80, 0, 7])).toEqual({ ok: true, value: { ok: 7 } });
  });

  it('keeps odd names as own properties', () => {
    const map = compiled([{ name: '__proto__', offset: 0, type: 'u16' }], 1);
    const r = map.decode([5]);
    expect(r.ok && Object.getPrototypeOf(r.value)).toBe(Object.prototype);
    expect(r.ok && Object.getOwnPropertyDescriptor(r.value, '__proto__')?.value).toBe(5);
  });

  it('refuses a read of the wrong size or with impossible values', () => {
    const map = compiled([{ name: 'a', offset: 0, type: 'u16' }], 2);
    const short = map.decode([1]);
    expect(short.ok || short.error.code).toBe('INVALID_PARAMS');
    const bad = map.decode([1, 0x10000]);
    expect(bad.ok || bad.error.details.errors).toEqual([
      { path: '/1', message: 'must be an integer in 0..65535' },
    ]);
  });

  it('decodes the registers of a parsed response', () => {
    const request = { kind: 'read_input_registers', unit: 3, address: 0x100, quantity: 3 } as const;
    const map = compiled(
      [
        { name: 'level', offset: 0, type: 'u16', scale: 0.5 },
        { name: 'energy', offset: 1, type: 'u32' },
      ],
      request.quantity,
    );
    const reader = new RtuResponseReader(request);
    const response = reader.feed(appendCrc(Uint8Array.from([3, 4, 6, 0, 9, 0, 1, 0, 2])));
    if (!response?.ok || response.value.kind !== 'read_input_registers') throw new Error('no registers');
    expect(map.decode(response.value.registers)).toEqual({ ok: true, value: { level: 4.5, energy: 65538 } });
  });
});

describe('compileRegisterMap', () => {
  it('reports every problem at once', () => {
    const problems = problemsOf([
      { name: 'a', offset: 0, type: 'u16' },
      { name: 'a', offset: 1, type: 'u16' },
      { name: 'wide', offset: 9, type: 'u32' },
      { name: 'past', offset: 10, type: 'bool' },
      { name: 'b', offset: 0, type: 'u16', bit: 2 },
      { name: 'c', offset: 0, type: 'i16', word_order: 'little' },
      { name: 'd', offset: 0, type: 'bool', scale: 2 },
      { name: 'e', offset: 0, type: 'u16', extra: true },
      { name: 'f', offset: 0, type: 'u64' },
      { name: 'g', offset: 0, type: 'u16', scale: Infinity },
      { name: '1bad', offset: -1, type: 'u16' },
    ]);
    const paths = problems.map((p) => p.path);
    for (const path of [
      '/1/name',
      '/2/offset',
      '/3/offset',
      '/4/bit',
      '/5/word_order',
      '/6/scale',
      '/7/extra',
      '/8/type',
      '/9/scale',
      '/10/name',
      '/10/offset',
    ]) {
      expect(paths).toContain(path);
    }
    expect(problems.find((p) => p.path === '/2/offset')?.message).toBe(
      'register 10 is past the 10 registers polled',
    );
  });

  it('checks the polled quantity and the shape', () => {
    expect(problemsOf([], 0)).toContainEqual({ path: '/quantity', message: 'must be an integer in 1..125' });
    expect(problemsOf([], 126).map((p) => p.path)).toEqual(['/quantity']);
    expect(problemsOf({ name: 'a' }).map((p) => p.path)).toEqual(['/']);
    expect(problemsOf(['x']).map((p) => p.path)).toContain('/0');
  });

  it('accepts a map that fills the poll exactly', () => {
    const map = compiled(
      [
        { name: 'first', offset: 0, type: 'u16' },
        { name: 'last', offset: 123, type: 'f32' },
      ],
      125,
    );
    expect(map.quantity).toBe(125);
    expect(map.fields[1]).toMatchObject({ words: 2, wordOrder: 'big', scale: 1, offsetValue: 0 });
    expect(Object.isFrozen(map.fields)).toBe(true);
  });
});
