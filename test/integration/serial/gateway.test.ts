import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, until, type TestGateway } from '../../helpers/gateway-harness.js';
import { createPtyPair, hasSocat, type PtyPair } from '../../helpers/pty.js';

/**
 * A serial port through the whole gateway (embedded broker, HTTP /metrics) on a socat pty pair:
 * the acceptance. The far end is killed (socat gone, links removed, as a pulled USB
 * adapter) and recreated on the same path: the gateway reopens it within its backoff, data flows
 * again, and the disconnect shows in `resources/serial/<id>` and on /metrics.
 */

const ci = /^(1|true|yes)$/i.test(process.env['CI'] ?? '');

describe.skipIf(!hasSocat() && !ci)('serial bridge in the gateway', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function scaleGateway(pair: PtyPair, extra = ''): Promise<TestGateway> {
    const gw = await startGateway(
      [
        'broker: { port: 0 }',
        'bridges:',
        '  - kind: serial',
        '    id: scale-1',
        `    port: { path: ${pair.gateway} }`,
        '    baud_rate: 115200',
        '    reconnect: { initial_ms: 100, max_ms: 400 }',
        '    framing: { type: line }',
        '    decode:',
        '      parse: { type: kv, pair_separator: " " }',
        '      signals:',
        '        - { ref: "world/scales/{port}/weight", field: weight, unit: kg }',
        extra,
      ].join('\n'),
      { http: true },
    );
    cleanups.push(() => gw.stop());
    return gw;
  }

  async function metrics(gw: TestGateway): Promise<string> {
    const address = gw.http?.address;
    if (!address) throw new Error('no http address');
    const res = await fetch(`http://127.0.0.1:${address.port}/metrics`);
    return res.text();
  }

  const value = (gw: TestGateway, ref: string) => gw.store.value(ref) as Record<string, unknown> | undefined;

  it('decodes frames into context, survives an unplug and replug, and shows the disconnect', async () => {
    const pair = await createPtyPair();
    cleanups.push(() => pair.stop());
    const gw = await scaleGateway(pair);
    const status = () => value(gw, 'resources/serial/scale-1');
    await until(() => status()?.['state'] === 'ok', 5000, 'port open');
    pair.send('weight=12.5 seq=1\n');
    await until(
      () => (value(gw, 'world/scales/scale-1/weight')?.['value'] as number | undefined) === 12.5,
      5000,
      'first value',
    );
    expect(value(gw, 'world/scales/scale-1/weight')).toEqual({ value: 12.5, unit: 'kg' });
    let text = await metrics(gw);
    expect(text).toMatch(/cxp_edge_connected\{connection="serial:scale-1"\} 1/);
    expect(text).toMatch(/cxp_edge_messages_in_total\{route="serial:scale-1",kind="frame"\} 1/);

    await pair.unplug();
    await until(() => status()?.['state'] === 'disconnected', 5000, 'disconnect seen');
    expect(status()).toMatchObject({ online: false, errors: [{ code: 'DEVICE_OFFLINE' }] });
    text = await metrics(gw);
    expect(text).toMatch(/cxp_edge_connected\{connection="serial:scale-1"\} 0/);
    expect(text).toMatch(/cxp_edge_device_disconnects_total\{device="scale-1"\} 1/);
    expect(text).toMatch(/cxp_edge_device_faults\{device="scale-1",code="DEVICE_OFFLINE"\} 1/);
    expect(text).toMatch(/cxp_edge_device_up\{device="scale-1"\} 0/);

    const replugged = Date.now();
    await pair.replug();
    // the backoff is at most 400 ms (+10% jitter) once it has grown; allow the open itself on top
    await until(() => status()?.['state'] === 'ok', 3000, 'reopened');
    expect(Date.now() - replugged).toBeLessThan(1500);
    pair.send('weight=13.25 seq=2\n');
    await until(
      () => (value(gw, 'world/scales/scale-1/weight')?.['value'] as number | undefined) === 13.25,
      5000,
      'data after the replug',
    );
    text = await metrics(gw);
    expect(text).toMatch(/cxp_edge_connected\{connection="serial:scale-1"\} 1/);
    expect(text).toMatch(/cxp_edge_device_faults\{device="scale-1",code="DEVICE_OFFLINE"\} 0/);
    expect(text).toMatch(/cxp_edge_reconnects_total\{connection="serial:scale-1"\} [1-9]/);
  });

  it('reports a silent device, then recovers when it talks again', async () => {
    const pair = await createPtyPair();
    cleanups.push(() => pair.stop());
    const gw = await scaleGateway(pair, '    liveness: { expect_every_ms: 300 }');
    const status = () => value(gw, 'resources/serial/scale-1');
    await until(() => status()?.['state'] === 'ok', 5000, 'port open');
    await until(() => status()?.['state'] === 'silent', 2000, 'silence after 300 ms');
    expect(status()).toMatchObject({ online: true, errors: [{ code: 'DEVICE_SILENT' }], last_data_at: null });
    expect(await metrics(gw)).toMatch(/cxp_edge_device_faults\{device="scale-1",code="DEVICE_SILENT"\} 1/);
    pair.send('weight=1 seq=1\n');
    await until(() => status()?.['state'] === 'ok', 2000, 'ok after data');
    expect(typeof status()?.['last_data_at']).toBe('string');
  });
});
