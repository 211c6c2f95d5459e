import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/runtime/config/load.js';
import { createPluginRegistry } from '../../src/runtime/registry.js';

/** A serial port's config through the gateway's loader: defaults, and every mistake with its path. */

function load(entry: Record<string, unknown>) {
  return loadConfig({
    text: JSON.stringify({ bridges: [{ kind: 'serial', id: 'p1', ...entry }] }),
    env: {},
    hostname: 'test',
    plugins: createPluginRegistry(),
  });
}

const issues = (entry: Record<string, unknown>) => {
  const r = load(entry);
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
};

describe('serial config', () => {
  it('fills the defaults of a minimal port', () => {
    const r = load({ port: { path: '/dev/ttyUSB0' } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.bridges[0]).toMatchObject({
      baud_rate: 9600,
      data_bits: 8,
      parity: 'none',
      stop_bits: 1,
      protocol: 'stream',
      reconnect: { initial_ms: 500, max_ms: 10_000 },
      liveness: { error_burst: { count: 10, window_ms: 10_000 } },
      write: { enabled: false, actuator: true, max_bytes: 1024, queue_capacity: 16 },
    });
  });

  it('reports every mistake of a stream port at once', () => {
    const found = issues({
      port: { by_id: '../ttyS0' },
      framing: { type: 'fixed', length: 4096, max_frame: 1024 },
      decode: {
        parse: { type: 'regex', pattern: '(?<w>(a+)+)' },
        signals: [{ ref: 'world/{port}/{nope}', field: 'w' }],
      },
      modbus: { polls: [] },
      reconnect: { initial_ms: 1000, max_ms: 100 },
    });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/bridges\/0\/port\/by_id: /),
        expect.stringMatching(/^\/bridges\/0\/framing\/length: length 4096 exceeds max_frame 1024/),
        expect.stringMatching(/^\/bridges\/0\/decode\/parse\/pattern: /),
        expect.stringMatching(/^\/bridges\/0\/modbus: only for protocol: modbus_rtu/),
        expect.stringMatching(/^\/bridges\/0\/reconnect\/max_ms: must not be below initial_ms/),
      ]),
    );
  });

  it('reports every mistake of a Modbus port at once', () => {
    const found = issues({
      port: { usb: { vendor_id: '0403', product_id: '6001' } },
      protocol: 'modbus_rtu',
      data_bits: 6,
      decode: { parse: { type: 'kv' }, signals: [{ ref: 'a/b', field: 'x' }] },
      modbus: {
        polls: [
          {
            name: 'temps',
            function: 'read_input_registers',
            address: 0,
            quantity: 2,
            registers: [{ name: 't', offset: 1, type: 'f32' }],
            bits: [{ name: 'b', offset: 0 }],
            signals: [{ ref: 'world/{port}/t', field: 'missing' }],
          },
          {
            name: 'good-map',
            function: 'read_holding_registers',
            address: 0,
            quantity: 1,
            registers: [{ name: 'level', offset: 0, type: 'u16' }],
            signals: [{ ref: 'world/{port}/level', field: 'lvl' }],
          },
          {
            name: 'temps',
            function: 'read_coils',
            address: 65_000,
            quantity: 1000,
            bits: [{ name: 'door', offset: 1000 }],
            signals: [{ ref: 'world/{port}/door', field: 'door' }],
          },
        ],
      },
    });
    // poll 0's map is wrong, so its signals' fields are unknown rather than reported missing
    expect(found.some((f) => f.includes('polls/0/signals'))).toBe(false);
    expect(found).toEqual(
      expect.arrayContaining([
        '/bridges/0/decode: not used by protocol: modbus_rtu (use modbus.polls)',
        '/bridges/0/data_bits: Modbus RTU needs 7 or 8 data bits',
        expect.stringMatching(/^\/bridges\/0\/modbus\/polls\/0\/registers\/0\/offset: register 2 is past/),
        '/bridges/0/modbus/polls/0/bits: read_input_registers reads registers: use registers',
        '/bridges/0/modbus/polls/1/signals/0/field: "lvl" is not a field of the parser',
        '/bridges/0/modbus/polls/2/name: duplicate poll "temps"',
        '/bridges/0/modbus/polls/2/quantity: the block runs past address 65535',
        '/bridges/0/modbus/polls/2/bits/0/offset: past the 1000 bits polled',
      ]),
    );
  });

  it('wants exactly one way to name the port', () => {
    expect(issues({ port: { path: '/dev/ttyS0', by_id: 'x' } }).length).toBeGreaterThan(0);
    expect(issues({ port: {} }).length).toBeGreaterThan(0);
    expect(issues({ port: { usb: { vendor_id: '403' } } }).length).toBeGreaterThan(0);
  });
});
