import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ActionGuard } from '../../../src/runtime/action-guard.js';
import { until } from '../../helpers/gateway-harness.js';
import { createPtyPair, hasSocat, type PtyPair } from '../../helpers/pty.js';
import { zebraRig, type ZebraRig } from '../../helpers/zebra.js';

/**
 * `serial.write` on a socat pty pair, the test playing the device: bytes out in order, the reply
 * frame back, and every refusal (disabled, no guard for an actuator, a guard saying no, offline,
 * timeout, bad params). Also a port found through a /dev/serial/by-id link, and two ports where
 * one is dead.
 */

const ci = /^(1|true|yes)$/i.test(process.env['CI'] ?? '');

const allow: ActionGuard = () => ({ allow: true });
const interlock: ActionGuard = () => ({
  allow: false,
  code: 'SAFETY_INTERLOCK',
  message: 'e-stop active',
  details: { condition_keys: ['estop'] },
});

describe.skipIf(!hasSocat() && !ci)('serial.write and port selection', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(guards: ActionGuard[], write: Record<string, unknown>, extra = {}) {
    const pair: PtyPair = await createPtyPair();
    cleanups.push(() => pair.stop());
    const rig: ZebraRig = zebraRig({ guards });
    cleanups.push(() => rig.stop());
    const port = await rig.addSerial({
      id: 'scale-1',
      port: { path: pair.gateway },
      baud_rate: 115200,
      framing: { type: 'line' },
      decode: {
        parse: { type: 'kv', pair_separator: ' ' },
        signals: [{ ref: 'world/{port}/w', field: 'w' }],
      },
      write: { enabled: true, reply_timeout_ms: 300, ...write },
      ...extra,
    });
    await until(() => port.isOpen, 5000, 'port open');
    return { pair, rig, port };
  }

  it('writes text, returns the reply frame, and still decodes data frames that do not match', async () => {
    const { pair, rig } = await setup([allow], {});
    // the action answers once the reply is in: start it, play the device, then await it
    const run = rig.act('serial.write', { text: 'T\r\n', reply_pattern: '^OK' }, { target: 'scale-1' });
    expect((await pair.receive(3, 2000)).toString()).toBe('T\r\n');
    pair.send('w=5\nOK tare\n');
    const final = await (await run).final();
    expect(final.status).toBe('succeeded');
    expect(final.result).toEqual({
      port: 'scale-1',
      bytes: 3,
      reply: { text: 'OK tare', hex: Buffer.from('OK tare').toString('hex') },
    });
    await until(() => rig.store.value('world/scale-1/w') === 5, 2000, 'the data frame decoded');
  });

  it('writes hex without waiting, in submission order', async () => {
    const { pair, rig } = await setup([allow], {});
    const runs = await Promise.all([
      rig.act('serial.write', { hex: '02 41 03' }),
      rig.act('serial.write', { hex: '0242:03' }),
    ]);
    const finals = await Promise.all(runs.map((r) => r.final()));
    expect(finals.map((f) => f.status)).toEqual(['succeeded', 'succeeded']);
    expect((await pair.receive(6, 2000)).toString('hex')).toBe('024103024203');
  });

  it('refuses: disabled, actuator without a guard, an interlock, bad params, too long', async () => {
    const off = await setup([], { enabled: false });
    const code = async (rig: ZebraRig, params: Record<string, unknown>) => {
      const f = await (await rig.act('serial.write', params)).final();
      return `${f.status}:${f.error?.code ?? ''}`;
    };
    expect(await code(off.rig, { text: 'x' })).toBe('rejected:POLICY_DENIED');
    await off.rig.stop();

    const noGuard = await setup([], {});
    expect(await code(noGuard.rig, { text: 'x' })).toBe('rejected:NO_DECISION_HOOK');
    await noGuard.rig.stop();

    const scale = await setup([], { actuator: false, max_bytes: 4 });
    expect(await code(scale.rig, { text: 'P\r\n' })).toBe('succeeded:');
    expect(await code(scale.rig, { text: 'PPPPP' })).toBe('rejected:INVALID_PARAMS');
    expect(await code(scale.rig, { text: 'a', hex: '41' })).toBe('rejected:INVALID_PARAMS');
    expect(await code(scale.rig, { hex: 'zz' })).toBe('rejected:INVALID_PARAMS');
    expect(await code(scale.rig, { modbus: { function: 'read_coils', address: 0 } })).toBe(
      'rejected:INVALID_PARAMS',
    );
    expect(await code(scale.rig, { text: 'x', reply_pattern: '(a+)+$' })).toBe('rejected:INVALID_PARAMS');
    expect(await code(scale.rig, { text: 'x', nope: 1 })).toBe('rejected:INVALID_PARAMS');
    await scale.rig.stop();

    const locked = await setup([allow, interlock], { actuator: false });
    const f = await (await locked.rig.act('serial.write', { text: 'x' })).final();
    expect(f.error).toMatchObject({ code: 'SAFETY_INTERLOCK', details: { condition_keys: ['estop'] } });
    const m = await locked.rig.metrics.errors.get();
    expect(m.values.find((v) => v.labels.code === 'SAFETY_INTERLOCK')?.labels.route).toBe('serial:scale-1');
  });

  it('fails with DEVICE_TIMEOUT when no reply comes, and DEVICE_OFFLINE once unplugged', async () => {
    const { pair, rig, port } = await setup([allow], {});
    const silent = await (
      await rig.act('serial.write', { text: 'Q\n', expect_reply: true, timeout_ms: 150 })
    ).final();
    expect(silent).toMatchObject({ status: 'failed', error: { code: 'DEVICE_TIMEOUT' } });
    await pair.unplug();
    await until(() => !port.isOpen, 3000, 'closed');
    const off = await (await rig.act('serial.write', { text: 'Q\n' })).final();
    expect(off).toMatchObject({ status: 'failed', error: { code: 'DEVICE_OFFLINE' } });
  });

  it('fails a command waiting for its reply with CONNECTION_LOST when the port goes away', async () => {
    const { pair, rig } = await setup([allow], { reply_timeout_ms: 5000 });
    const run = rig.act('serial.write', { text: 'Q\n', expect_reply: true });
    await pair.receive(2, 2000);
    await pair.unplug();
    expect(await (await run).final()).toMatchObject({ status: 'failed', error: { code: 'CONNECTION_LOST' } });
  });

  it('names the port with several: UNKNOWN_TARGET lists them', async () => {
    const a = await setup([allow], {});
    const pair = await createPtyPair();
    cleanups.push(() => pair.stop());
    await a.rig.addSerial({ id: 'relay-2', port: { path: pair.gateway }, write: { enabled: true } });
    const f = await (await a.rig.act('serial.write', { text: 'x' })).final();
    expect(f.error).toMatchObject({ code: 'UNKNOWN_TARGET', details: { targets: ['relay-2', 'scale-1'] } });
  });

  it('opens a port through its /dev/serial/by-id name', async () => {
    const pair = await createPtyPair();
    cleanups.push(() => pair.stop());
    const root = mkdtempSync(join(tmpdir(), 'cxp-byid-'));
    cleanups.push(() => {
      rmSync(root, { recursive: true, force: true });
    });
    mkdirSync(join(root, 'dev/serial/by-id'), { recursive: true });
    mkdirSync(join(root, 'sys'));
    const name = 'usb-Acme_Scale_X1_A10K1ZQF-if00-port0';
    symlinkSync(pair.gateway, join(root, 'dev/serial/by-id', name));
    const rig = zebraRig();
    cleanups.push(() => rig.stop());
    const port = await rig.addSerial(
      {
        id: 'scale-1',
        port: { by_id: name },
        reconnect: { initial_ms: 50, max_ms: 200 },
        decode: { parse: { type: 'kv' }, signals: [{ ref: 'world/{port}/w', field: 'w' }] },
      },
      { roots: { dev: join(root, 'dev'), sys: join(root, 'sys') } },
    );
    await until(() => port.isOpen, 5000, 'open through by-id');
    pair.send('w=7\n');
    await until(() => rig.store.value('world/scale-1/w') === 7, 2000, 'value');
    expect((rig.store.value('resources/serial/scale-1') as { port: string }).port).toBe(
      join(root, 'dev/serial/by-id', name),
    );
  });

  it('keeps a live port working beside a dead one', async () => {
    const pair = await createPtyPair();
    cleanups.push(() => pair.stop());
    const rig = zebraRig();
    cleanups.push(() => rig.stop());
    const dead = await rig.addSerial({
      id: 'dead',
      port: { path: join(tmpdir(), 'cxp-no-such-tty') },
      reconnect: { initial_ms: 20, max_ms: 50 },
    });
    const live = await rig.addSerial({
      id: 'live',
      port: { path: pair.gateway },
      decode: { parse: { type: 'kv' }, signals: [{ ref: 'world/{port}/w', field: 'w' }] },
    });
    await until(() => live.isOpen, 5000, 'live open');
    for (let i = 1; i <= 20; i++) pair.send(`w=${i}\n`);
    await until(() => rig.store.value('world/live/w') === 20, 3000, 'all values');
    expect(dead.liveness()).toMatchObject({ online: false, state: 'opening' });
    expect(rig.store.value('resources/serial/dead')).toMatchObject({
      online: false,
      errors: [
        { code: 'DEVICE_OFFLINE', message: expect.stringMatching(/cannot open .*cxp-no-such-tty/) as string },
      ],
    });
    // it keeps retrying (20 ms growing to 50 ms) without holding the live port up
    const retries = async () =>
      (await rig.metrics.reconnects.get()).values.find((v) => v.labels.connection === 'serial:dead')?.value ??
      0;
    const deadline = Date.now() + 3000;
    while ((await retries()) < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await retries()).toBeGreaterThanOrEqual(5);
    pair.send('w=21\n');
    await until(() => rig.store.value('world/live/w') === 21, 3000, 'still flowing');
  });
});
