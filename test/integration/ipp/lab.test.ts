import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BASIC_OFFICE_CONF,
  FAKE_ENGINE,
  ippLabAvailability,
  KM_PRESS_CONF,
  prepareIppLab,
  startIppLab,
  type IppLab,
} from '../../helpers/ipp-lab.js';
import { tinyPdf } from '../../helpers/pdf.js';

/**
 * The IPP test lab itself (test/helpers/ipp-lab.ts), so that the gateway's IPP tests can trust it:
 * ippeveprinter with the Konica-like attribute file passes ipptool's own checks, takes a PDF, keeps
 * what it received, plays the fake engine's jam and abort, runs next to a second lab and leaves no
 * process behind.
 */

const availability = ippLabAvailability();
const ci = /^(1|true|yes)$/i.test(process.env['CI'] ?? '');
const skip = !availability.ok && !ci;
const title = availability.ok
  ? 'IPP test lab (ippeveprinter, private D-Bus and avahi)'
  : `IPP test lab (${skip ? 'SKIPPED' : 'CANNOT RUN, and CI is set'}: ${availability.reason})`;
if (skip) console.warn(title);

/**
 * ipptool test files of our own (the bundled ones cannot send finishings or ask for one job).
 * ippeveprinter (CUPS 2.4) leaves finishing-template-supported and the binding-/folding-/punching-/
 * stitching-*-supported attributes out of requested-attributes "all": they come only by name.
 */
const TESTS = {
  'print-fold-z.test': `{
  NAME "Print-Job asking for finishings fold-z"
  OPERATION Print-Job
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR language attributes-natural-language en
  ATTR uri printer-uri $uri
  ATTR name requesting-user-name lab-test
  ATTR name job-name $job_name
  ATTR mimeMediaType document-format application/pdf
  GROUP job-attributes-tag
  ATTR enum finishings 100
  ATTR collection finishings-col {MEMBER keyword finishing-template fold-z}
  ATTR keyword media iso_a4_210x297mm
  FILE $filename
  STATUS successful-ok
  EXPECT job-id OF-TYPE integer
}`,
  'job-state.test': `{
  NAME "Get-Job-Attributes"
  OPERATION Get-Job-Attributes
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR language attributes-natural-language en
  ATTR uri printer-uri $uri
  ATTR integer job-id $job_id
  ATTR keyword requested-attributes job-state,job-state-reasons,job-state-message,finishings,finishings-col,media,job-impressions-completed
  STATUS successful-ok
}`,
  'printer-state.test': `{
  NAME "Get-Printer-Attributes: state"
  OPERATION Get-Printer-Attributes
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR language attributes-natural-language en
  ATTR uri printer-uri $uri
  ATTR keyword requested-attributes printer-state,printer-state-reasons
  STATUS successful-ok
}`,
  'km-capabilities.test': `{
  NAME "Konica-like capabilities"
  OPERATION Get-Printer-Attributes
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR language attributes-natural-language en
  ATTR uri printer-uri $uri
  ATTR keyword requested-attributes all,media-col-database,finishing-template-supported,binding-type-supported,folding-direction-supported
  STATUS successful-ok
  EXPECT finishings-supported OF-TYPE enum WITH-VALUE 100
  EXPECT finishings-supported OF-TYPE enum WITH-VALUE 93
  EXPECT finishings-supported OF-TYPE enum WITH-VALUE 50
  EXPECT finishing-template-supported OF-TYPE keyword WITH-VALUE "fold-z"
  EXPECT binding-type-supported OF-TYPE keyword WITH-VALUE "perfect"
  EXPECT folding-direction-supported OF-TYPE keyword WITH-VALUE "inward"
  EXPECT document-format-supported OF-TYPE mimeMediaType WITH-VALUE "application/pdf"
  EXPECT media-col-database OF-TYPE collection
  EXPECT printer-make-and-model WITH-VALUE "KONICA MINOLTA AccurioPress C4080"
  EXPECT printer-state-reasons WITH-VALUE "none"
}`,
};

/** The response attributes of an ipptool -tv run, as "name" -> "value" text (last test only). */
function responseAttributes(stdout: string): Map<string, string> {
  const response = stdout.slice(stdout.lastIndexOf('status-code = '));
  const found = new Map<string, string>();
  for (const m of response.matchAll(/^\s+([a-z0-9-]+) \([^)]*\) = (.*)$/gm)) found.set(m[1]!, m[2]!);
  return found;
}

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function processesMentioning(text: string): string {
  const r = spawnSync('pgrep', ['-af', text], { encoding: 'utf8' });
  return r.stdout.trim();
}

describe.skipIf(skip)(title, () => {
  let km: IppLab;
  let work: string;
  let pdf: string;
  const extraLabs: IppLab[] = [];

  beforeAll(async () => {
    if (!availability.ok)
      throw new Error(`CI is set and the IPP lab cannot run here: ${availability.reason}`);
    prepareIppLab();
    work = mkdtempSync(join(tmpdir(), 'cxp-ipp-lab-test-'));
    for (const [name, text] of Object.entries(TESTS)) writeFileSync(join(work, name), `${text}\n`);
    pdf = join(work, 'line.pdf');
    writeFileSync(pdf, tinyPdf());
    km = await startIppLab({ attributes: KM_PRESS_CONF, engine: FAKE_ENGINE });
    km.setEngineDelay(100);
  }, 180_000);

  afterEach(async () => {
    for (const lab of extraLabs.splice(0)) await lab.stop();
  });

  afterAll(async () => {
    // Both are unset when beforeAll failed early.
    await (km as IppLab | undefined)?.stop();
    if ((work as string | undefined) !== undefined) rmSync(work, { recursive: true, force: true });
  });

  const job = async (id: number) =>
    responseAttributes(
      (await km.ipptool(join(work, 'job-state.test'), { flags: ['-tv', '-d', `job_id=${id}`] })).stdout,
    );

  async function printFoldZ(jobName: string): Promise<number> {
    const r = await km.ipptool(join(work, 'print-fold-z.test'), {
      flags: ['-tv', '-f', pdf, '-d', `job_name=${jobName}`],
    });
    expect(r.stdout, r.stdout).toContain('[PASS]');
    return Number(responseAttributes(r.stdout).get('job-id'));
  }

  const finished = (id: number) =>
    eventually(`job ${id} finished`, async () => {
      const attrs = await job(id);
      return ['completed', 'aborted', 'canceled'].includes(attrs.get('job-state') ?? '') ? attrs : undefined;
    });

  it('km-press.conf passes ipptool get-printer-attributes.test and advertises the Konica-like finishings', async () => {
    const bundled = await km.ipptool('get-printer-attributes.test', { flags: ['-t'] });
    expect(bundled.code, bundled.stdout).toBe(0);
    expect(bundled.stdout).toMatch(/Get printer attributes using get-printer-attributes\s+\[PASS\]/);

    const expectations = await km.ipptool(join(work, 'km-capabilities.test'), { flags: ['-t'] });
    expect(expectations.code, expectations.stdout).toBe(0);

    const attrs = responseAttributes(
      (await km.ipptool('get-printer-attributes.test', { flags: ['-tv'] })).stdout,
    );
    expect(attrs.get('finishings-supported')?.split(',')).toEqual(
      expect.arrayContaining([
        'none',
        'staple',
        'staple-top-left',
        'bind-left',
        'punch-dual-left',
        'fold-half',
        'fold-z',
        'booklet-maker',
      ]),
    );
    expect(attrs.get('finishings-col-database')).toContain('{finishing-template=fold-z folding={');
    expect(attrs.get('media-col-database')).toContain(
      'media-size-name=iso_sra3_320x450mm media-type=stationery-coated media-weight-metric=250',
    );
    // The attribute file's formats only (no second document-format-supported from ippeveprinter).
    expect(attrs.get('document-format-supported')).toBe(
      'application/pdf,application/postscript,image/jpeg,application/octet-stream',
    );
  });

  it('keeps avahi-daemon out of the test network: it runs in its own network namespace', () => {
    const own = readlinkSync('/proc/self/ns/net');
    expect(readlinkSync(`/proc/${km.pids.avahi}/ns/net`)).not.toBe(own);
    expect(readlinkSync(`/proc/${km.pids.ippeveprinter}/ns/net`)).toBe(own);
  });

  it('prints a PDF with ipptool print-job.test and keeps the document it received', async () => {
    const r = await km.ipptool('print-job.test', { flags: ['-t', '-f', pdf] });
    expect(r.code, r.stdout).toBe(0);
    const ids = await eventually('the job record', () => {
      const found = readdirSync(join(km.dir, 'jobs')).filter((f) => f.endsWith('.env'));
      return Promise.resolve(found.length > 0 ? found.map((f) => Number.parseInt(f, 10)) : undefined);
    });
    const id = Math.max(...ids);
    expect((await finished(id)).get('job-state')).toBe('completed');
    const kept = readdirSync(km.spoolDir).find((f) => f.startsWith(`${id}-`) && f.endsWith('.pdf'));
    expect(kept).toBeDefined();
    expect(readFileSync(join(km.spoolDir, kept!))).toEqual(readFileSync(pdf));
    expect(km.jobRecord(id)).toMatchObject({
      CONTENT_TYPE: 'application/pdf',
      DOCUMENT_BYTES: String(tinyPdf().length),
    });
  });

  it('shows what the printer received: finishings 100 in Get-Job-Attributes, the engine record and the log', async () => {
    const id = await printFoldZ('fold-z-check');
    const done = await finished(id);
    expect(done.get('job-state')).toBe('completed');
    expect(done.get('finishings')).toBe('fold-z');
    expect(done.get('finishings-col')).toBe('{finishing-template=fold-z}');
    expect(km.jobRecord(id)).toMatchObject({
      IPP_FINISHINGS: 'fold-z',
      IPP_FINISHINGS_COL: '{finishing-template=fold-z}',
      IPP_MEDIA: 'iso_a4_210x297mm',
    });
    expect(km.log()).toMatch(/finishings \(enum\) fold-z/);
  });

  it('plays a scripted media jam: printer-state-reasons shows it while the job prints, then clears', async () => {
    km.scriptNextJob({ jamMs: 1500 });
    const id = await printFoldZ('jam-check');
    const printerState = async () =>
      responseAttributes((await km.ipptool(join(work, 'printer-state.test'), { flags: ['-tv'] })).stdout);
    const jammed = await eventually('media-jam reported', async () => {
      const s = await printerState();
      return s.get('printer-state-reasons')?.startsWith('media-jam') === true ? s : undefined;
    });
    expect(jammed.get('printer-state')).toBe('processing');
    expect((await job(id)).get('job-state')).toBe('processing');
    expect((await finished(id)).get('job-state')).toBe('completed');
    expect((await printerState()).get('printer-state-reasons')).toBe('none');
  });

  it('plays a scripted engine failure: the job ends aborted with the engine message', async () => {
    km.scriptNextJob({ abort: 'simulated finisher fault' });
    const id = await printFoldZ('abort-check');
    const done = await finished(id);
    expect(done.get('job-state')).toBe('aborted');
    expect(done.get('job-state-reasons')).toBe('aborted-by-system');
    expect(done.get('job-state-message')).toContain('simulated finisher fault');
    expect(done.get('job-impressions-completed')).toBe('1');
  });

  it('runs a second lab at the same time (basic-office.conf: staple only)', async () => {
    const [office, kmAgain] = await Promise.all([
      startIppLab({ attributes: BASIC_OFFICE_CONF }),
      km.ipptool('get-printer-attributes.test', { flags: ['-t'] }),
    ]);
    extraLabs.push(office);
    expect(kmAgain.code).toBe(0);
    expect(office.port).not.toBe(km.port);
    expect(office.pids.dbus).not.toBe(km.pids.dbus);
    const both = await Promise.all(
      [km, office].map((lab) => lab.ipptool('get-printer-attributes.test', { flags: ['-tv'] })),
    );
    expect(both.map((r) => r.code)).toEqual([0, 0]);
    const officeAttrs = responseAttributes(both[1]!.stdout);
    expect(officeAttrs.get('finishings-supported')).toBe('none,staple');
    expect(officeAttrs.get('printer-make-and-model')).toBe('Generic Office Laser 30');
    expect(responseAttributes(both[0]!.stdout).get('finishings-supported')).toContain('fold-z');
  });

  it('stop() ends all three processes and removes the lab directory, and may be called twice', async () => {
    const lab = await startIppLab({}); // ippeveprinter's built-in model (no attribute file)
    extraLabs.push(lab);
    expect(processesMentioning(lab.dir)).not.toBe('');
    const pids = Object.values(lab.pids);
    await Promise.all([lab.stop(), lab.stop()]);
    await lab.stop();
    expect(processesMentioning(lab.dir)).toBe('');
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    expect(existsSync(lab.dir)).toBe(false);
  });
});
