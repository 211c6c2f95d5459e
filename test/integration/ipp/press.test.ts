import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDefaultCatalogs } from '../../../src/capability/catalogs.js';
import { checkTier, validateMatrix } from '../../../src/capability/matrix.js';
import { until } from '../../helpers/gateway-harness.js';
import {
  BASIC_OFFICE_CONF,
  FAKE_ENGINE,
  ippLabAvailability,
  KM_PRESS_CONF,
  startIppLab,
  type IppLab,
} from '../../helpers/ipp-lab.js';
import { tinyPdf } from '../../helpers/pdf.js';
import { zebraRig, type ZebraRig } from '../../helpers/zebra.js';

/**
 * The IPP press provider against ippeveprinter (a Konica-like attribute file and a fake engine):
 * print.submit with finishings through CXP, the job followed to its end, the finishing checked in the
 * printer's own record of the job, refusals before sending, jams and cancels.
 */

const availability = ippLabAvailability();
const ci = /^(1|true|yes)$/i.test(process.env['CI'] ?? '');
const skip = !availability.ok && !ci;
if (!availability.ok && skip) console.warn(`IPP press tests SKIPPED: ${availability.reason}`);

interface PressEntry {
  online: boolean;
  state: string;
  errors: { code: string }[];
}

describe.skipIf(skip)('IPP press provider against ippeveprinter', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(
    attributes = KM_PRESS_CONF,
    extra: Record<string, unknown> = {},
  ): Promise<{ lab: IppLab; rig: ZebraRig }> {
    const lab = await startIppLab({ attributes, engine: FAKE_ENGINE });
    cleanups.push(() => lab.stop());
    lab.setEngineDelay(50);
    const rig = zebraRig();
    cleanups.push(() => rig.stop());
    await rig.addIpp({
      id: 'press',
      url: lab.url,
      poll_interval_ms: 500,
      job_poll_interval_ms: 200,
      timeout_ms: 5000,
      ...extra,
    });
    await until(
      () => (rig.store.value('resources/printers/press') as PressEntry | undefined)?.online === true,
      10_000,
      'press online',
    );
    return { lab, rig };
  }

  const pdf = tinyPdf().toString('base64');

  it('prints with finishings fold-z: the printer records finishings 100, the results end completed', async () => {
    const { lab, rig } = await setup();
    const run = await rig.act('print.submit', {
      document_base64: pdf,
      job_name: 'folded',
      finishings: ['fold-z'],
    });
    expect(run.first.status).toBe('accepted');
    const final = await run.final(30_000);
    expect(final.status).toBe('succeeded');
    expect(final.result).toMatchObject({ status: 'completed', metadata: { finishings: ['fold-z'] } });
    expect(run.results.map((r) => r.status).at(0)).toBe('accepted');
    expect(run.results.map((r) => r.status).at(-1)).toBe('succeeded');
    const printerJobId = (final.result as { metadata: { printer_job_id: number } }).metadata.printer_job_id;
    // The printer's own record of the job: Get-Job-Attributes, read as raw IPP values.
    const provider = rig.providers.get('press') as import('../../../devices/ipp/provider.js').IppProvider;
    const answer = await provider.press.client.send('Get-Job-Attributes', {
      operation: { 'job-id': printerJobId, 'requested-attributes': ['finishings'] },
    });
    if (!answer.ok) throw answer.error;
    const finishings = answer.value.message.groups
      .find((g) => g.tag === 'job')
      ?.attributes.find((a) => a.name === 'finishings');
    expect(finishings?.values).toEqual([{ tag: 'enum', value: 100 }]);
    // And the fake engine's record of what it was handed.
    expect(lab.jobRecord(printerJobId)).toMatchObject({ IPP_FINISHINGS: 'fold-z' });
  });

  it('sends fold-half, bind-left and staple with the right values', async () => {
    const { lab, rig } = await setup();
    for (const [finishing, value] of [
      ['fold-half', 93],
      ['bind-left', 50],
      ['staple', 4],
    ] as const) {
      const run = await rig.act('print.submit', { document_base64: pdf, finishings: [finishing] });
      const final = await run.final(30_000);
      expect(final.status, finishing).toBe('succeeded');
      const id = (final.result as { metadata: { printer_job_id: number } }).metadata.printer_job_id;
      const provider = rig.providers.get('press') as import('../../../devices/ipp/provider.js').IppProvider;
      const answer = await provider.press.client.send('Get-Job-Attributes', {
        operation: { 'job-id': id, 'requested-attributes': ['finishings'] },
      });
      if (!answer.ok) throw answer.error;
      const attr = answer.value.message.groups
        .find((g) => g.tag === 'job')
        ?.attributes.find((a) => a.name === 'finishings');
      expect(attr?.values, finishing).toEqual([{ tag: 'enum', value }]);
      expect(lab.jobRecord(id)?.IPP_FINISHINGS).toBe(finishing);
    }
  });

  it('refuses a finishing the printer does not report before sending anything, and claims no folding', async () => {
    const { lab, rig } = await setup(BASIC_OFFICE_CONF);
    const run = await rig.act('print.submit', { document_base64: pdf, finishings: ['fold-z'] });
    expect(run.first).toMatchObject({
      status: 'rejected',
      error: { code: 'INVALID_PARAMS', details: { refused: [{ attribute: 'finishings', value: 'fold-z' }] } },
    });
    const provider = rig.providers.get('press');
    const ipp = (provider as import('../../../devices/ipp/provider.js').IppProvider).press.client;
    const jobs = await ipp.send('Get-Jobs', { operation: { 'which-jobs': 'all' } });
    if (!jobs.ok) throw jobs.error;
    expect(jobs.value.jobs).toEqual([]);
    expect(lab.url).toContain('ipp://');
    const names = provider?.matrix().capabilities.map((c) => c.name);
    expect(names).not.toContain('folding');
    const tier = checkTier(
      provider?.matrix() ?? { capabilities: [] },
      'printing/production',
      'finisher',
      createDefaultCatalogs(),
    );
    expect(tier.ok).toBe(false);
  });

  it('offers folding with FinishingMetadata and gluing for the Konica-like press, meeting the finisher tier', async () => {
    const { rig } = await setup();
    const provider = rig.providers.get('press');
    if (!provider) throw new Error('no provider');
    const matrix = provider.matrix();
    expect(validateMatrix(matrix, 'printing/production', createDefaultCatalogs())).toEqual([]);
    expect(checkTier(matrix, 'printing/production', 'finisher', createDefaultCatalogs()).ok).toBe(true);
    const folding = matrix.capabilities.find((c) => c.name === 'folding');
    expect(folding?.metadata).toMatchObject({
      supported_folds: expect.arrayContaining(['z', 'half']) as unknown,
    });
  });

  it('reports a media jam as MEDIA_JAM while it lasts, and the job still completes', async () => {
    const { lab, rig } = await setup();
    lab.scriptNextJob({ jamMs: 2500 });
    const run = await rig.act('print.submit', { document_base64: pdf });
    await until(
      () =>
        (rig.store.value('resources/printers/press') as PressEntry | undefined)?.errors.some(
          (e) => e.code === 'MEDIA_JAM',
        ) === true,
      10_000,
      'MEDIA_JAM in context',
    );
    const status = await rig.act('print.printer_status', {});
    expect(
      (status.first.result as { current_errors: { code: string }[] }).current_errors.map((e) => e.code),
    ).toContain('MEDIA_JAM');
    expect((await run.final(30_000)).status).toBe('succeeded');
  });

  it('reports an aborted job as failed with the printer reasons, and cancels one while it prints', async () => {
    const { lab, rig } = await setup();
    lab.scriptNextJob({ abort: 'finisher fault' });
    const aborted = await rig.act('print.submit', { document_base64: pdf });
    expect(await aborted.final(30_000)).toMatchObject({ status: 'failed', result: { status: 'aborted' } });
    lab.setEngineDelay(3000);
    const long = await rig.act('print.submit', { document_base64: pdf });
    const jobId = (long.first.result as { job_id: string }).job_id;
    await until(() => long.results.some((r) => r.status === 'running'), 10_000, 'processing');
    const cancel = await rig.act('print.cancel', { job_id: jobId });
    expect(cancel.first.status).toBe('succeeded');
    expect(await long.final(10_000)).toMatchObject({ status: 'failed', error: { code: 'JOB_CANCELED' } });
  });

  it('holds jobs a one-job printer answers busy for, and sends each once the previous one is done', async () => {
    const { lab, rig } = await setup(KM_PRESS_CONF, { busy_retries: 0 });
    lab.setEngineDelay(600);
    const runs = await Promise.all(
      [1, 2, 3].map(() => rig.act('print.submit', { document_base64: pdf, finishings: ['fold-z'] })),
    );
    const finals = await Promise.all(runs.map((r) => r.final(30_000)));
    expect(finals.map((f) => f.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const ids = finals.map(
      (f) => (f.result as { metadata: { printer_job_id: number } }).metadata.printer_job_id,
    );
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(lab.jobRecord(id)).toMatchObject({ IPP_FINISHINGS: 'fold-z' });
  });

  it('offers color_calibration only with a configured tool, and runs it for production.calibrate', async () => {
    const plain = await setup();
    expect(
      plain.rig.providers
        .get('press')
        ?.matrix()
        .capabilities.map((c) => c.name),
    ).not.toContain('color_calibration');
    const none = await plain.rig.act('production.calibrate', {});
    expect(none.first).toMatchObject({ status: 'rejected', error: { code: 'UNKNOWN_ACTION' } });
    const dir = mkdtempSync(join(tmpdir(), 'cxp-cal-'));
    cleanups.push(() => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    });
    const tool = join(dir, 'calibrate.sh');
    writeFileSync(
      tool,
      '#!/bin/sh\necho "calibrated $CXP_PRINTER_ID"\n[ -e "$0.fail" ] && exit 3\nexit 0\n',
      { mode: 0o755 },
    );
    await plain.lab.stop();
    const { rig } = await setup(KM_PRESS_CONF, { calibration: { command: [tool] } });
    expect(
      rig.providers
        .get('press')
        ?.matrix()
        .capabilities.map((c) => c.name),
    ).toContain('color_calibration');
    const ok = await rig.act('production.calibrate', {});
    expect(ok.first).toMatchObject({
      status: 'succeeded',
      result: { success: true, metadata: { output: 'calibrated press\n' } },
    });
    writeFileSync(`${tool}.fail`, '');
    const failed = await rig.act('production.calibrate', {});
    expect(failed.first).toMatchObject({
      status: 'failed',
      error: { code: 'DEVICE_FAULT', details: { exit_code: 3 } },
    });
  });

  it('streams a document from an allowed directory with Create-Job and Send-Document, and refuses paths outside it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cxp-docs-'));
    cleanups.push(() => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    });
    writeFileSync(join(dir, 'doc.pdf'), tinyPdf());
    const { lab, rig } = await setup(KM_PRESS_CONF, { document_dirs: [dir] });
    const run = await rig.act('print.submit', {
      document_path: join(dir, 'doc.pdf'),
      finishings: ['fold-z'],
    });
    const final = await run.final(30_000);
    expect(final.status).toBe('succeeded');
    const id = (final.result as { metadata: { printer_job_id: number } }).metadata.printer_job_id;
    expect(lab.jobRecord(id)).toMatchObject({
      IPP_FINISHINGS: 'fold-z',
      DOCUMENT_BYTES: String(tinyPdf().length),
    });
    const outside = await rig.act('print.submit', { document_path: '/etc/passwd' });
    expect(outside.first).toMatchObject({ status: 'rejected', error: { code: 'INVALID_PARAMS' } });
  });
});
