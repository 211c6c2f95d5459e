import { connect, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ZebraEmulator, type ZebraFaults } from '../../../devices/zebra/emulator.js';
import { createDefaultCatalogs } from '../../../src/capability/catalogs.js';
import { checkTier, validateMatrix } from '../../../src/capability/matrix.js';
import { freePort } from '../../helpers/peers.js';
import { until } from '../../helpers/gateway-harness.js';
import { zebraRig, type ZebraRig } from '../../helpers/zebra.js';
import type { ZebraProvider } from '../../../devices/zebra/provider.js';

/**
 * The Zebra provider against the in-repo 9100 emulator over real TCP: jobs through CXP actions,
 * every scripted fault read back as a coded CxpError and a changed context entry, and recovery.
 */

const POLL_MS = 400;
const TEMPLATE = '^XA^FO40,40^A0N,40,40^FD{{text}}^FS^FO40,120^BCN,80,Y,N,N^FD{{sku}}^FS^XZ';

interface PrinterEntry {
  ref: string;
  value: { state: string; online: boolean; errors: { code: string }[]; warnings: string[] };
}

describe('Zebra printer provider against the 9100 emulator', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(
    emu: Parameters<typeof ZebraEmulator.start>[0] = {},
    config: Record<string, unknown> = {},
  ): Promise<{ rig: ZebraRig; emulator: ZebraEmulator; entry: () => PrinterEntry['value'] | undefined }> {
    const emulator = await ZebraEmulator.start({ msPerLabel: 20, ...emu });
    cleanups.push(() => emulator.stop());
    const rig = zebraRig();
    cleanups.push(() => rig.stop());
    await rig.add({
      id: 'zt1',
      host: '127.0.0.1',
      port: emulator.port,
      poll_interval_ms: POLL_MS,
      job_poll_interval_ms: 50,
      read_timeout_ms: 300,
      reconnect: { initial_ms: 100, max_ms: 400 },
      templates: { inline: { tote: TEMPLATE } },
      ...config,
    });
    const entry = () => rig.store.value('resources/printers/zt1') as PrinterEntry['value'] | undefined;
    await until(() => entry()?.online === true, 5000, 'the printer online in context');
    return { rig, emulator, entry };
  }

  it('prints a template label through print.submit: accepted, running, succeeded with the job completed', async () => {
    const { rig, emulator } = await setup();
    const run = await rig.act('print.submit', {
      template: 'tote',
      variables: { text: 'TOTE SO-55120', sku: '55120' },
      copies: 2,
    });
    expect(run.first.status).toBe('accepted');
    const final = await run.final();
    expect(final.status).toBe('succeeded');
    expect(final.result).toMatchObject({ status: 'completed', progress_percent: 100 });
    expect(run.results.map((r) => r.status)).toContain('running');
    expect(emulator.printed).toBe(2);
    expect(await rig.metrics.registry.getSingleMetricAsString('cxp_edge_print_jobs_total')).toContain(
      'cxp_edge_print_jobs_total{device="zt1",state="completed"} 1',
    );
    expect(emulator.formats).toHaveLength(1);
    expect(emulator.formats[0]).toContain('^FDTOTE SO-55120^FS');
    const jobId = (final.result as { work_id: string }).work_id;
    const status = await rig.act('print.job_status', { job_id: jobId });
    expect(status.first).toMatchObject({
      status: 'succeeded',
      result: { work_id: jobId, status: 'completed', metadata: { labels: 2, labels_printed: 2 } },
    });
  });

  const faults: [string, Partial<ZebraFaults>, string][] = [
    ['paper out', { paperOut: true }, 'MEDIA_OUT'],
    ['ribbon out', { ribbonOut: true }, 'RIBBON_OUT'],
    ['head open', { headOpen: true }, 'HEAD_OPEN'],
    ['paused', { paused: true }, 'PAUSED'],
    ['cutter fault', { cutterFault: true }, 'DEVICE_FAULT'],
    ['head over temperature', { headOverTemp: true }, 'DEVICE_FAULT'],
  ];
  for (const [name, fault, code] of faults) {
    it(`reports ${name} as ${code} on print.printer_status and in context within one poll, and recovers`, async () => {
      const { rig, emulator, entry } = await setup();
      const before = Date.now();
      emulator.set(fault);
      await until(() => entry()?.errors.some((e) => e.code === code) === true, 3000, `${code} in context`);
      // One poll interval, plus the poll in flight when the fault appeared.
      expect(Date.now() - before).toBeLessThan(2 * POLL_MS + 300);
      const status = await rig.act('print.printer_status', {});
      expect(status.first.status).toBe('succeeded');
      const result = status.first.result as {
        is_online: boolean;
        current_errors: { code: string; retryable: boolean }[];
      };
      expect(result.is_online).toBe(true);
      expect(result.current_errors.map((e) => e.code)).toContain(code);
      const gauge = await rig.metrics.registry.getSingleMetricAsString('cxp_edge_device_faults');
      expect(gauge).toContain(`cxp_edge_device_faults{device="zt1",code="${code}"} 1`);
      emulator.set(Object.fromEntries(Object.keys(fault).map((k) => [k, false])));
      await until(() => entry()?.state === 'ready', 3000, 'ready again');
    });
  }

  it('reads a printer that stays silent on ~HS while in error through ~HQES', async () => {
    const { rig, emulator, entry } = await setup();
    emulator.script.silentWhenError = true;
    emulator.set({ headOpen: true });
    await until(() => entry()?.errors.some((e) => e.code === 'HEAD_OPEN') === true, 3000, 'HEAD_OPEN');
    const status = await rig.act('print.printer_status', { refresh: true });
    expect((status.first.result as { current_errors: { code: string }[] }).current_errors[0]?.code).toBe(
      'HEAD_OPEN',
    );
  });

  it('treats a printer that never answers ~HS as possibly in error', async () => {
    const { emulator, entry } = await setup();
    emulator.script.neverAnswerHs = true;
    await until(() => entry()?.state === 'error', 3000, 'error state');
    expect(entry()?.errors.map((e) => e.code)).toEqual(['DEVICE_FAULT']);
  });

  it('holds a job through paper out mid-job and completes it once media is loaded', async () => {
    const { rig, emulator } = await setup({ msPerLabel: 60 });
    emulator.script.paperOutAfterLabels = 2;
    const run = await rig.act('print.submit', { document: '^XA^FO20,20^A0N,30,30^FDmid-job^FS^PQ5^XZ' });
    await until(
      () =>
        run.results.some(
          (r) =>
            r.status === 'running' && (r.result as { error?: { code: string } }).error?.code === 'MEDIA_OUT',
        ),
      5000,
      'a running result with MEDIA_OUT',
    );
    expect(emulator.printed).toBe(2);
    emulator.set({ paperOut: false });
    const final = await run.final();
    expect(final.status).toBe('succeeded');
    expect(emulator.printed).toBe(5);
  });

  it('rejects a job while paused when on_fault is reject, and holds it when hold', async () => {
    const rejecting = await setup({}, { on_fault: 'reject' });
    rejecting.emulator.set({ paused: true });
    await until(() => rejecting.entry()?.state === 'paused', 3000, 'paused');
    const refused = await rejecting.rig.act('print.submit', { document: '^XA^FDx^FS^XZ' });
    expect(refused.first).toMatchObject({ status: 'rejected', error: { code: 'PAUSED', retryable: true } });

    const holding = await setup();
    holding.emulator.set({ paused: true });
    await until(() => holding.entry()?.state === 'paused', 3000, 'paused');
    const held = await holding.rig.act('print.submit', { document: '^XA^FDheld^FS^XZ' });
    expect(held.first.status).toBe('accepted');
    const jobId = (held.first.result as { job_id: string }).job_id;
    await until(() => holding.rig.providers.get('zt1') !== undefined, 1000, 'provider');
    const status = await holding.rig.act('print.job_status', { job_id: jobId });
    expect(status.first.result).toMatchObject({ status: 'held', error: { code: 'PAUSED' } });
    expect(holding.emulator.formats).toHaveLength(0);
    holding.emulator.set({ paused: false });
    expect((await held.final()).status).toBe('succeeded');
    expect(holding.emulator.printed).toBe(1);
  });

  it('cancels a waiting job and, with ~JA, the one printing', async () => {
    const { rig, emulator } = await setup({ msPerLabel: 100 });
    const printing = await rig.act('print.submit', { document: '^XA^FDlong^FS^PQ50^XZ' });
    const waiting = await rig.act('print.submit', { document: '^XA^FDnext^FS^XZ' });
    const waitingId = (waiting.first.result as { job_id: string }).job_id;
    const printingId = (printing.first.result as { job_id: string }).job_id;
    const c1 = await rig.act('print.cancel', { job_id: waitingId });
    expect(c1.first.status).toBe('succeeded');
    expect(await waiting.final()).toMatchObject({ status: 'failed', error: { code: 'JOB_CANCELED' } });
    await until(() => emulator.printed > 0, 5000, 'printing started');
    const commands: string[] = [];
    emulator.on('command', (c) => commands.push(c));
    const c2 = await rig.act('print.cancel', { job_id: printingId });
    expect(c2.first.status).toBe('succeeded');
    // The write has left the gateway; the printer reads it a moment later.
    await until(() => commands.includes('~JA'), 2000, '~JA at the printer');
    await until(() => emulator.labelsRemaining === 0, 2000, 'printer cleared');
    expect(emulator.printed).toBeLessThan(50);
    const unknown = await rig.act('print.cancel', { job_id: 'nope' });
    expect(unknown.first).toMatchObject({ status: 'rejected', error: { code: 'UNKNOWN_JOB' } });
  });

  it('aborts a job the printer does not finish in job_timeout_ms, cancelling it on the printer', async () => {
    const { rig, emulator } = await setup({ msPerLabel: 500 }, { job_timeout_ms: 1000 });
    const run = await rig.act('print.submit', { document: '^XA^FDslow^FS^PQ20^XZ' });
    const final = await run.final(8000);
    expect(final).toMatchObject({ status: 'failed', error: { code: 'DEADLINE_EXCEEDED' } });
    expect((final.result as { status: string }).status).toBe('aborted');
    await until(() => emulator.labelsRemaining === 0, 3000, 'cancelled on the printer');
  });

  it('recovers when the printer drops the connection, and reports an unreachable one as DEVICE_OFFLINE', async () => {
    const { rig, emulator, entry } = await setup();
    emulator.script.dropAfterBytes = 3;
    await until(() => entry()?.online === true && emulator.acceptedConnections > 1, 5000, 'reconnected');
    const run = await rig.act('print.submit', { document: '^XA^FDafter drop^FS^XZ' });
    expect((await run.final()).status).toBe('succeeded');
    await emulator.stop();
    await until(() => entry()?.online === false, 5000, 'offline in context');
    expect(entry()?.errors.map((e) => e.code)).toEqual(['DEVICE_OFFLINE']);
    const status = await rig.act('print.printer_status', {});
    expect(status.first.result).toMatchObject({
      is_online: false,
      current_errors: [{ code: 'DEVICE_OFFLINE' }],
    });
  });

  it('keeps two printers apart: a dead one does not stall the other', async () => {
    const live = await ZebraEmulator.start({ msPerLabel: 10 });
    cleanups.push(() => live.stop());
    const rig = zebraRig();
    cleanups.push(() => rig.stop());
    const dead = await freePort();
    await rig.add({
      id: 'dead',
      host: '127.0.0.1',
      port: dead,
      poll_interval_ms: POLL_MS,
      connect_timeout_ms: 500,
    });
    await rig.add({
      id: 'live',
      host: '127.0.0.1',
      port: live.port,
      poll_interval_ms: POLL_MS,
      job_poll_interval_ms: 50,
    });
    const toDead = await rig.act('print.submit', { document: '^XA^FDd^FS^XZ' }, { target: 'dead' });
    expect(toDead.first.status).toBe('accepted');
    const started = Date.now();
    const toLive = await rig.act('print.submit', { document: '^XA^FDl^FS^XZ' }, { target: 'live' });
    expect((await toLive.final()).status).toBe('succeeded');
    expect(Date.now() - started).toBeLessThan(3000);
    const noTarget = await rig.act('print.submit', { document: '^XA^FDl^FS^XZ' });
    expect(noTarget.first).toMatchObject({ status: 'rejected', error: { code: 'UNKNOWN_TARGET' } });
  });

  it('keeps hostile template values inside their field', async () => {
    const { rig, emulator } = await setup();
    const run = await rig.act('print.submit', {
      template: 'tote',
      variables: { text: '^XZ^XA^FO0,0^FDPWNED^FS^XZ~JA', sku: '1\r\n~JR' },
    });
    expect((await run.final()).status).toBe('succeeded');
    expect(emulator.formats).toHaveLength(1);
    expect(emulator.printed).toBe(1);
    expect(emulator.formats[0]).not.toContain('PWNED^FS');
  });

  it('offers a printing/label matrix that validates against the catalog and meets the industrial tier', async () => {
    const { rig } = await setup();
    const catalogs = createDefaultCatalogs();
    const provider = rig.providers.get('zt1');
    if (!provider) throw new Error('no provider');
    await until(() => provider.matrix().capabilities.length === 4, 3000, 'media known');
    expect(validateMatrix(provider.matrix(), 'printing/label', catalogs)).toEqual([]);
    expect(checkTier(provider.matrix(), 'printing/label', 'industrial', catalogs).ok).toBe(true);
    const handshake = await rig.act('cap.handshake', {
      client_identity: { interface: 'printing/manager', provider: 'mes', version: '2' },
      required_capabilities: ['job_submission', 'zpl_language', 'media_validation'],
    });
    expect(handshake.first).toMatchObject({ status: 'succeeded', result: { status: 'accepted' } });
  });

  it('prints once for a repeated idempotency_key, and previews instead of printing on dry_run', async () => {
    const { rig, emulator } = await setup();
    const key = { idempotency_key: 'order-4711/label-1' };
    const first = await rig.act('print.submit', { document: '^XA^FDonce^FS^XZ' }, key);
    expect((await first.final()).status).toBe('succeeded');
    const repeat = await rig.act('print.submit', { document: '^XA^FDonce^FS^XZ' }, key);
    expect((repeat.first.result as { job_id: string }).job_id).toBe(
      (first.first.result as { job_id: string }).job_id,
    );
    expect((await repeat.final()).status).toBe('succeeded');
    expect(emulator.printed).toBe(1);
    const preview = await rig.act('print.submit', {
      template: 'tote',
      variables: { text: 'PREVIEW', sku: '123' },
      dry_run: true,
    });
    expect(preview.first.status).toBe('succeeded');
    const png = Buffer.from((preview.first.result as { preview: { data: string } }).preview.data, 'base64');
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(emulator.formatsReceived).toBe(1);
    const media = await rig.act('label.get_media_info', {});
    expect(media.first).toMatchObject({ status: 'succeeded', result: { width_mm: 101.5, height_mm: 152.3 } });
  });

  it('fails a job the printer stops reading mid-write (write timeout) and keeps answering status', async () => {
    const { rig } = await setup(
      { msPerLabel: 100_000, maxBufferedFormats: 2 },
      { write_timeout_ms: 800, max_document_bytes: 16 * 1024 * 1024 },
    );
    const format = `^XA^FO1,1^FD${'x'.repeat(200)}^FS^XZ`;
    const run = await rig.act('print.submit', { document: format.repeat(40_000), wait: true });
    const final = await run.final(15_000);
    expect(final).toMatchObject({
      status: 'failed',
      error: { code: 'CONNECTION_LOST', details: { may_be_partially_printed: true } },
    });
    const status = await rig.act('print.printer_status', { refresh: true });
    expect(status.first.status).toBe('succeeded');
  });

  it('cancels a job caught between queue and printer: it never prints and stays cancelled', async () => {
    const { rig, emulator } = await setup({ msPerLabel: 200 }, { read_timeout_ms: 1500 });
    emulator.script.replyDelayMs = 300;
    const printer = (rig.providers.get('zt1') as ZebraProvider).printer;
    const run = await rig.act('print.submit', { document: '^XA^FDrace^FS^PQ5^XZ' });
    const jobId = (run.first.result as { job_id: string }).job_id;
    await until(() => printer.jobs.active?.id === jobId, 5000, 'the job being sent');
    const cancel = await rig.act('print.cancel', { job_id: jobId });
    expect(cancel.first.status).toBe('succeeded');
    expect(await run.final()).toMatchObject({ status: 'failed', error: { code: 'JOB_CANCELED' } });
    await new Promise((r) => setTimeout(r, 1500));
    const status = await rig.act('print.job_status', { job_id: jobId });
    expect(status.first.result).toMatchObject({ status: 'canceled' });
    expect(emulator.printed).toBeLessThanOrEqual(1);
    const counted = await rig.metrics.registry.getSingleMetricAsString('cxp_edge_print_jobs_total');
    expect(counted).not.toContain('state="completed"');
  });

  it('does not print on a printer in another command language, and says why', async () => {
    const { rig, emulator, entry } = await setup({ languages: 'epl_ii' });
    await until(
      () => entry()?.errors.some((e) => e.code === 'DEVICE_FAULT') === true,
      3000,
      'language fault',
    );
    const run = await rig.act('print.submit', { document: '^XA^FDzpl^FS^XZ' });
    const jobId = (run.first.result as { job_id: string }).job_id;
    await new Promise((r) => setTimeout(r, 2 * POLL_MS));
    const status = await rig.act('print.job_status', { job_id: jobId });
    expect(status.first.result).toMatchObject({
      status: 'held',
      error: { code: 'DEVICE_FAULT', details: { languages: 'epl_ii' } },
    });
    expect(emulator.formatsReceived).toBe(0);
  });

  it('never prints a keyed job twice, even after the job has left the retention', async () => {
    const { rig, emulator } = await setup({}, { job_retention: 10 });
    const key = { idempotency_key: 'k1' };
    const first = await rig.act('print.submit', { document: '^XA^FDkeyed^FS^XZ' }, key);
    await first.final();
    for (let i = 0; i < 11; i++)
      await (await rig.act('print.submit', { document: `^XA^FDn${i}^FS^XZ` })).final();
    const repeat = await rig.act('print.submit', { document: '^XA^FDkeyed^FS^XZ' }, key);
    expect((repeat.first.result as { job_id: string }).job_id).toBe(
      (first.first.result as { job_id: string }).job_id,
    );
    expect(emulator.printed).toBe(12);
  });

  it('refuses bad params, unknown templates and unbalanced ZPL with INVALID_PARAMS', async () => {
    const { rig, emulator } = await setup();
    for (const params of [
      {},
      { document: '^XA^FDx^FS^XZ', template: 'tote' },
      { template: 'nope' },
      { template: 'tote', variables: { text: 'a' } },
      { document: '^XA^FDno end' },
      { document: '^XA^FDx^FS^XZ', copies: 0 },
    ]) {
      const run = await rig.act('print.submit', params);
      expect(run.first, JSON.stringify(params)).toMatchObject({
        status: 'rejected',
        error: { code: 'INVALID_PARAMS' },
      });
    }
    expect(emulator.formats).toHaveLength(0);
  });
});

describe('Zebra printer provider against a busy or broken peer', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  const entryOf = (rig: ZebraRig) => () =>
    rig.store.value('resources/printers/p') as PrinterEntry['value'] | undefined;

  for (const refuse of [false, true]) {
    it(`reports DEVICE_OFFLINE while another host holds the printer's one session (${refuse ? 'refused' : 'left waiting'}), and recovers`, async () => {
      const emulator = await ZebraEmulator.start({ msPerLabel: 10 });
      cleanups.push(() => emulator.stop());
      emulator.script.refuseSecondConnection = refuse;
      const other = connect(emulator.port, '127.0.0.1');
      await new Promise<void>((resolve) =>
        other.once('connect', () => {
          resolve();
        }),
      );
      cleanups.push(() => Promise.resolve(other.destroy()));
      const rig = zebraRig();
      cleanups.push(() => rig.stop());
      await rig.add({
        id: 'p',
        host: '127.0.0.1',
        port: emulator.port,
        poll_interval_ms: POLL_MS,
        read_timeout_ms: 300,
        reconnect: { initial_ms: 100, max_ms: 300 },
      });
      const entry = entryOf(rig);
      await until(
        () => entry()?.errors.some((e) => e.code === 'DEVICE_OFFLINE') === true,
        5000,
        'DEVICE_OFFLINE',
      );
      const held = await rig.act('print.submit', { document: '^XA^FDwaiting^FS^XZ' });
      expect(held.first.status).toBe('accepted');
      other.destroy();
      await until(() => entry()?.state === 'ready', 5000, 'ready once the other host has gone');
      expect((await held.final()).status).toBe('succeeded');
      expect(emulator.printed).toBe(1);
    });
  }

  it('survives a peer that answers garbage: a coded fault, no crash, no job sent', async () => {
    const server = createServer((s) => {
      s.on('data', () =>
        s.write(Buffer.from('\x02\xff\xfegarbage,,,\x03\r\n\x02a,b\x03\x00\x01"unterminated')),
      );
      s.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const rig = zebraRig();
    cleanups.push(() => rig.stop());
    await rig.add({
      id: 'p',
      host: '127.0.0.1',
      port: address.port,
      poll_interval_ms: POLL_MS,
      read_timeout_ms: 300,
    });
    const entry = entryOf(rig);
    await until(() => entry() !== undefined && entry()?.state !== 'ready', 5000, 'a status entry');
    expect(entry()?.state).not.toBe('ready');
    expect(entry()?.errors.length).toBeGreaterThan(0);
    const run = await rig.act('print.submit', { document: '^XA^FDx^FS^XZ' });
    expect(run.first.status).toBe('accepted');
    const status = await rig.act('print.job_status', {
      job_id: (run.first.result as { job_id: string }).job_id,
    });
    expect(status.first.result).toMatchObject({ status: 'held' });
  });
});
