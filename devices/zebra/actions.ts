import { OPERATIONS } from '../../src/capability/catalogs.js';
import type { PrinterStatus } from '../../src/capability/result-schema.js';
import type { Clock } from '../../src/cxp/clock.js';
import { CxpError, type Result } from '../../src/cxp/errors.js';
import type { MessageFactory } from '../../src/cxp/message.js';
import type { MessageOf } from '../../src/cxp/schema/index.js';
import type { ActionGuard } from '../../src/runtime/action-guard.js';
import type { ActionHandler } from '../../src/runtime/dispatcher.js';
import { replies } from '../shared/replies.js';
import type { ZebraConfig } from './config.js';
import { dpmmOf, mediaInfo } from './media.js';
import { decodeJob, decodePrinterStatus, decodeSubmit, type SubmitParams } from './params.js';
import { renderPreview } from './preview.js';
import type { ZebraJob } from './jobs.js';
import type { ZebraPrinter } from './printer.js';
import type { CompiledTemplate } from './template.js';
import type { JobWaiters } from '../shared/job-waiters.js';
import { checkZpl, setCopies } from './zpl.js';

/** The printing/label operations of one Zebra printer, as CXP action handlers. */
export interface ActionDeps {
  printer: ZebraPrinter;
  config: ZebraConfig;
  templates: ReadonlyMap<string, CompiledTemplate>;
  messages: MessageFactory;
  clock: Clock;
  guards: () => readonly ActionGuard[];
  waiters: JobWaiters<ZebraJob>;
}

type Request = MessageOf<'ACTION_REQUEST'>;
type Reply = MessageOf<'ACTION_RESULT'>;

/** Idempotency keys remembered per printer (oldest forgotten first). */
const MAX_KEYS = 10_000;

export function zebraActions(d: ActionDeps): Map<string, ActionHandler> {
  const { reply, refuse, guard } = replies(d.messages);
  /** Idempotency key -> its job, kept beyond job retention so a late repeat never prints again. */
  const keys = new Map<string, ZebraJob>();

  const submit: ActionHandler = (req, principal, context) => {
    const params = decodeSubmit(req.params);
    if (!params.ok) return refuse(req, params.error);
    const doc = buildDocument(d, params.value);
    if (!doc.ok) return refuse(req, doc.error);
    if (params.value.dry_run === true) return preview(d, req, doc.value.document, reply, refuse);
    const interlocked = guard(req, principal, d.guards());
    if (interlocked) return interlocked;
    const key =
      req.idempotency_key === undefined ? undefined : `${principal?.id ?? ''}\u0000${req.idempotency_key}`;
    const earlier = key === undefined ? undefined : keys.get(key);
    const job: Result<ZebraJob> = earlier
      ? { ok: true, value: earlier }
      : d.printer.submit(doc.value.document, doc.value.labels);
    if (!job.ok) return refuse(req, job.error);
    if (key !== undefined && !earlier) {
      keys.set(key, job.value);
      if (keys.size > MAX_KEYS) keys.delete(keys.keys().next().value ?? '');
    }
    const status = d.printer.jobs.status(job.value);
    if (params.value.wait === false)
      return reply(req, 'succeeded', { result: { job_id: job.value.id, ...status } });
    // The outcome follows through context.emit, after this first answer.
    d.waiters.add(job.value, req, context, req.deadline_ms);
    return reply(req, 'accepted', { result: { job_id: job.value.id, ...status } });
  };

  const cancel: ActionHandler = async (req) => {
    const params = decodeJob(req.params, OPERATIONS.printCancel);
    if (!params.ok) return refuse(req, params.error);
    const done = await d.printer.cancel(params.value.job_id);
    if (!done.ok) return refuse(req, done.error, done.error.code === 'UNKNOWN_JOB' ? 'rejected' : 'failed');
    return reply(req, 'succeeded', {
      result: {
        success: true,
        confirmed_at: new Date(d.clock.now()).toISOString(),
        action_id: done.value.id,
      },
    });
  };

  const jobStatus: ActionHandler = (req) => {
    const params = decodeJob(req.params, OPERATIONS.printJobStatus);
    if (!params.ok) return refuse(req, params.error);
    const job = d.printer.jobs.get(params.value.job_id);
    if (!job)
      return refuse(req, new CxpError('UNKNOWN_JOB', `no job ${params.value.job_id} on ${d.config.id}`));
    return reply(req, 'succeeded', { result: d.printer.jobs.status(job) });
  };

  const printerStatus: ActionHandler = async (req) => {
    const params = decodePrinterStatus(req.params);
    if (!params.ok) return refuse(req, params.error);
    if (params.value.refresh === true) await d.printer.refresh();
    return reply(req, 'succeeded', { result: printerStatusOf(d) });
  };

  const media: ActionHandler = async (req) => {
    const info =
      mediaInfo(d.printer, d.config) ?? (await d.printer.refresh(), mediaInfo(d.printer, d.config));
    if (!info)
      return refuse(
        req,
        new CxpError('DEVICE_OFFLINE', `${d.config.id} did not report its media and none is configured`),
        'failed',
      );
    return reply(req, 'succeeded', { result: info });
  };

  return new Map<string, ActionHandler>([
    [OPERATIONS.printSubmit, submit],
    [OPERATIONS.printCancel, cancel],
    [OPERATIONS.printJobStatus, jobStatus],
    [OPERATIONS.printPrinterStatus, printerStatus],
    [OPERATIONS.labelGetMediaInfo, media],
  ]);
}

/** PrinterStatus (and the state, warnings, identity and queue beside it). */
export function printerStatusOf(d: Pick<ActionDeps, 'printer'>): PrinterStatus & Record<string, unknown> {
  const p = d.printer;
  const r = p.reading;
  return {
    is_online: p.snapshot.online,
    // Zebra printers report no consumable levels, only ribbon out / media out (in current_errors).
    toner_levels: {},
    current_errors: r.errors,
    state: r.state,
    warnings: r.warnings,
    checked_at: new Date(p.snapshot.at).toISOString(),
    ...(p.identity ? { model: p.identity.model, firmware: p.identity.firmware, dpmm: p.identity.dpmm } : {}),
    queue: { waiting: p.jobs.waiting, active_job: p.jobs.active?.id ?? null },
  };
}

/** The document to print: raw ZPL checked, or a template rendered; copies applied. */
function buildDocument(d: ActionDeps, p: SubmitParams): Result<{ document: string; labels: number }> {
  let zpl: string;
  if (p.template !== undefined) {
    const template = d.templates.get(p.template);
    if (!template)
      return {
        ok: false,
        error: new CxpError('INVALID_PARAMS', `no template "${p.template}" on ${d.config.id}`, {
          details: { known: [...d.templates.keys()] },
        }),
      };
    const rendered = template.render(p.variables ?? {}, { maxValueBytes: d.config.max_value_bytes });
    if (!rendered.ok) return rendered;
    zpl = rendered.value;
  } else zpl = p.document ?? '';
  if (p.copies !== undefined) zpl = setCopies(zpl, p.copies);
  const checked = checkZpl(zpl, { maxBytes: d.config.max_document_bytes });
  if (!checked.ok) return checked;
  return { ok: true, value: { document: zpl, labels: checked.value.labels } };
}

async function preview(
  d: ActionDeps,
  req: Request,
  zpl: string,
  reply: (req: Request, status: Reply['status'], extra?: Partial<Reply>) => Reply,
  refuse: (req: Request, error: CxpError) => Reply,
): Promise<Reply> {
  const media = mediaInfo(d.printer, d.config) ?? { width_mm: 101.6, height_mm: 152.4 };
  const dpmm = dpmmOf(d.printer, d.config);
  const png = await renderPreview(zpl, { widthMm: media.width_mm, heightMm: media.height_mm, dpmm });
  if (!png.ok) return refuse(req, png.error);
  return reply(req, 'succeeded', {
    result: {
      dry_run: true,
      preview: { content_type: 'image/png', encoding: 'base64', data: png.value.toString('base64') },
      media: { width_mm: media.width_mm, height_mm: media.height_mm, dpmm },
    },
  });
}
