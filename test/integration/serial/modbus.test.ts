import { afterEach, describe, expect, it } from 'vitest';
import type { ActionGuard } from '../../../src/runtime/action-guard.js';
import { until } from '../../helpers/gateway-harness.js';
import { createPtyPair, hasSocat, type PtyPair } from '../../helpers/pty.js';
import { startModbusDevice, type ModbusDevice } from '../../helpers/serial-devices.js';
import { zebraRig, type ZebraRig } from '../../helpers/zebra.js';

/**
 * Modbus RTU polling and serial.write on a socat pty pair, a Modbus server emulated on the far end
 * (test/helpers/serial-devices.ts over the in-repo FakeRtuServer): registers and bits into context,
 * a corrupt answer retried, a server that stops answering seen as silent, exceptions, unplug.
 */

const ci = /^(1|true|yes)$/i.test(process.env['CI'] ?? '');
const allow: ActionGuard = () => ({ allow: true });

describe.skipIf(!hasSocat() && !ci)('Modbus RTU over a pty', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(options: { corrupt?: (r: Uint8Array) => Uint8Array | undefined } = {}) {
    const pair: PtyPair = await createPtyPair();
    cleanups.push(() => pair.stop());
    const device: ModbusDevice = startModbusDevice(pair, { unit: 7, ...options });
    cleanups.push(() => device.stop());
    device.server.inputRegisters.set([215, 0xffce, 0x4148, 0x0000], 10); // 21.5 degC, -50, 12.5f
    device.server.discreteInputs.set([0, 0, 0, 1], 0);
    const rig: ZebraRig = zebraRig({ guards: [allow] });
    cleanups.push(() => rig.stop());
    const port = await rig.addSerial({
      id: 'plc-1',
      port: { path: pair.gateway },
      baud_rate: 115200,
      reconnect: { initial_ms: 50, max_ms: 200 },
      protocol: 'modbus_rtu',
      modbus: {
        unit: 7,
        response_timeout_ms: 100,
        retries: 1,
        polls: [
          {
            name: 'process',
            function: 'read_input_registers',
            address: 10,
            quantity: 4,
            every_ms: 50,
            registers: [
              { name: 'temperature', offset: 0, type: 'i16', scale: 0.1 },
              { name: 'delta', offset: 1, type: 'i16' },
              { name: 'flow', offset: 2, type: 'f32' },
            ],
            signals: [
              { ref: 'world/{port}/temperature', field: 'temperature', unit: 'degC' },
              { ref: 'world/{port}/delta', field: 'delta' },
              { ref: 'world/{port}/{poll}/flow', field: 'flow' },
            ],
          },
          {
            name: 'doors',
            function: 'read_discrete_inputs',
            address: 0,
            quantity: 8,
            every_ms: 50,
            bits: [{ name: 'door_open', offset: 3 }],
            signals: [{ ref: 'world/{port}/door_open', field: 'door_open' }],
          },
        ],
      },
      liveness: { expect_every_ms: 400 },
      write: { enabled: true },
    });
    return { pair, device, rig, port };
  }

  it('polls registers and bits into context', async () => {
    const { rig, device } = await setup();
    await until(() => rig.store.value('world/plc-1/door_open') === true, 5000, 'first polls');
    expect(rig.store.value('world/plc-1/temperature')).toEqual({ value: 21.5, unit: 'degC' });
    expect(rig.store.value('world/plc-1/delta')).toBe(-50);
    expect(rig.store.value('world/plc-1/process/flow')).toBe(12.5);
    device.server.inputRegisters[10] = 230;
    await until(
      () => (rig.store.value('world/plc-1/temperature') as { value: number }).value === 23,
      3000,
      'a changed register',
    );
    expect(rig.store.value('resources/serial/plc-1')).toMatchObject({ protocol: 'modbus_rtu', state: 'ok' });
    expect(device.errors).toEqual([]);
  });

  it('retries a corrupt answer and takes the good one', async () => {
    let n = 0;
    const { rig } = await setup({
      corrupt: (r) => {
        n += 1;
        if (n % 2 === 0) return r;
        const bad = Uint8Array.from(r);
        bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 0xff;
        return bad;
      },
    });
    await until(() => rig.store.value('world/plc-1/door_open') === true, 5000, 'values despite corruption');
    const errors = await rig.metrics.errors.get();
    const malformed = errors.values.filter(
      (v) => v.labels.route === 'serial:plc-1' && v.labels.code === 'MALFORMED_MESSAGE',
    );
    expect(malformed).toEqual([]); // every corrupt answer was retried into a good one
  });

  it('sees a server that stops answering as silent, and back when it answers', async () => {
    let mute = false;
    const { rig } = await setup({ corrupt: (r) => (mute ? undefined : r) });
    const status = () =>
      rig.store.value('resources/serial/plc-1') as { state: string; errors: { code: string }[] };
    await until(
      () => status().state === 'ok' && rig.store.value('world/plc-1/door_open') === true,
      5000,
      'ok',
    );
    mute = true;
    await until(() => status().state === 'silent', 3000, 'silent');
    expect(status().errors.map((e) => e.code)).toEqual(['DEVICE_SILENT']);
    const timeouts = (await rig.metrics.errors.get()).values.find(
      (v) => v.labels.route === 'serial:plc-1' && v.labels.code === 'DEVICE_TIMEOUT',
    );
    expect(timeouts?.value).toBeGreaterThan(0);
    mute = false;
    await until(() => status().state === 'ok', 3000, 'ok again');
  });

  it('writes a register and a coil through serial.write, and reports an exception', async () => {
    const { rig, device } = await setup();
    await until(() => rig.store.value('world/plc-1/door_open') === true, 5000, 'running');
    const reg = await (
      await rig.act('serial.write', {
        modbus: { function: 'write_single_register', address: 100, value: 1234 },
      })
    ).final();
    expect(reg).toMatchObject({
      status: 'succeeded',
      result: {
        port: 'plc-1',
        bytes: 8,
        response: { kind: 'write_single_register', address: 100, value: 1234 },
      },
    });
    expect(device.server.holdingRegisters[100]).toBe(1234);
    const coil = await (
      await rig.act('serial.write', { modbus: { function: 'write_single_coil', address: 5, value: true } })
    ).final();
    expect(coil.status).toBe('succeeded');
    expect(device.server.coils[5]).toBe(1);
    const read = await (
      await rig.act('serial.write', {
        modbus: { function: 'read_holding_registers', address: 100, quantity: 2 },
      })
    ).final();
    expect(read.result).toMatchObject({ response: { registers: [1234, 0] } });
    const many = await (
      await rig.act('serial.write', {
        modbus: { function: 'write_multiple_registers', address: 65_535, values: [1, 2] },
      })
    ).final();
    expect(many).toMatchObject({ status: 'rejected', error: { code: 'INVALID_PARAMS' } });
    const text = await (await rig.act('serial.write', { text: 'hello' })).final();
    expect(text.error?.code).toBe('INVALID_PARAMS');
  });

  it('answers DEVICE_FAULT for an exception response', async () => {
    const pair = await createPtyPair();
    cleanups.push(() => pair.stop());
    const { FakeRtuServer } = await import('../../../bridges/serial/modbus/fake-rtu-server.js');
    const server = new FakeRtuServer({
      unit: 1,
      exceptionFor: (_fn, address) => (address >= 1000 ? 2 : undefined),
    });
    const device = startModbusDevice(pair, { unit: 1, server });
    cleanups.push(() => device.stop());
    const rig = zebraRig({ guards: [allow] });
    cleanups.push(() => rig.stop());
    const port = await rig.addSerial({
      id: 'plc-2',
      port: { path: pair.gateway },
      protocol: 'modbus_rtu',
      modbus: { polls: [] },
      write: { enabled: true },
    });
    await until(() => port.isOpen, 5000, 'open');
    const r = await (
      await rig.act('serial.write', {
        modbus: { function: 'write_single_register', address: 1000, value: 1 },
      })
    ).final();
    expect(r).toMatchObject({
      status: 'failed',
      error: { code: 'DEVICE_FAULT', details: { exception: 2, name: 'illegal data address' } },
    });
  });

  it('recovers after the cable is pulled and put back', async () => {
    const { rig, pair, device } = await setup();
    const status = () => (rig.store.value('resources/serial/plc-1') as { state: string }).state;
    await until(() => status() === 'ok' && rig.store.value('world/plc-1/door_open') === true, 5000, 'ok');
    await pair.unplug();
    await until(() => status() === 'disconnected', 3000, 'disconnected');
    device.server.inputRegisters[11] = 7;
    await pair.replug();
    await until(() => rig.store.value('world/plc-1/delta') === 7, 5000, 'polls after the replug');
    expect(status()).toBe('ok');
  });
});
