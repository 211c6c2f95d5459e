import { realpathSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { decodeWith } from '../../src/capability/decode.js';
import { OPERATIONS } from '../../src/capability/catalogs.js';
import type { PrinterStatus } from '../../src/capability/result-schema.js';
import { CxpError, type Result } from '../../src/cxp/errors.js';
import type { MessageFactory } from '../../src/cxp/message.js';
import { SchemaChecker } from '../../src/cxp/validate.js';
import type { ActionGuard } from '../../src/runtime/action-guard.js';
import type { ActionHandler } from '../../src/runtime/dispatcher.js';
import { replies } from '../shared/replies.js';
import type { JobWaiters } from '../shared/job-waiters.js';
import { runCalibration } from './calibrate.js';
import { finishingNames } from './capabilities.js';
import type { IppConfig } from './config.js';
import type { IppJob } from './jobs.js';
import type { IppPress, PressJobRequest } from './press.js';

const Keyword = (description: string) =>
  Type.String({ minLength: 1, maxLength: 255, pattern: '^[a-z0-9][a-z0-9._-]*$', description });

export const IppSubmitParams = Type.Object(
  {
    document_base64: Type.Optional(Type.String({ minLength: 1, description: 'The document, base64.' })),
    document_path: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 4096,
        description: 'A file under one of the configured document_dirs.',
      }),
    ),
    document_format: Type.Optional(
      Type.String({ minLength: 3, maxLength: 255, description: 'MIME type, default application/pdf.' }),
    ),
    job_name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    copies: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    finishings: Type.Optional(
      Type.Array(
        Keyword('A finishing: fold-z, fold-half, bind-left, staple-top-left, punch-dual-left, ...'),
        {
          maxItems: 32,
        },
      ),
    ),
    media: Type.Optional(Keyword('Media size keyword, e.g. iso_a4_210x297mm.')),
    media_type: Type.Optional(Keyword('Media type keyword, e.g. stationery-coated.')),
    sides: Type.Optional(Keyword('one-sided, two-sided-long-edge, two-sided-short-edge.')),
    print_color_mode: Type.Optional(Keyword('color, monochrome, ...')),
    wait: Type.Optional(Type.Boolean({ description: 'true (default): follow the job to its end.' })),
  },
  { additionalProperties: true },
);
type IppSubmitParams = Static<typeof IppSubmitParams>;
const submitChecker = new SchemaChecker(IppSubmitParams);
const JobParams = Type.Object(
  { job_id: Type.String({ minLength: 1, maxLength: 128 }) },
  { additionalProperties: true },
);
const jobChecker = new SchemaChecker(JobParams);

export interface IppActionDeps {
  press: IppPress;
  config: IppConfig;
  messages: MessageFactory;
  guards: () => readonly ActionGuard[];
  waiters: JobWaiters<IppJob>;
  newId: () => string;
}

export function ippActions(d: IppActionDeps): Map<string, ActionHandler> {
  const { reply, refuse, guard } = replies(d.messages);

  const submit: ActionHandler = (req, principal, context) => {
    const params = decodeWith(submitChecker, req.params ?? {}, 'print.submit params');
    if (!params.ok) return refuse(req, params.error);
    const built = jobRequest(params.value, d.config);
    if (!built.ok) return refuse(req, built.error);
    // Refused before anything is sent: a finishing (or media, sides...) the press does not report.
    const checked = d.press.check(built.value);
    if (!checked.ok) return refuse(req, checked.error);
    const interlocked = guard(req, principal, d.guards());
    if (interlocked) return interlocked;
    const asked = {
      finishings: built.value.finishings,
      ...(built.value.copies === undefined ? {} : { copies: built.value.copies }),
      ...(built.value.media === undefined ? {} : { media: built.value.media }),
    };
    const job = d.press.submit(built.value, d.newId(), asked);
    const status = d.press.jobs.status(job, d.config.id);
    if (params.value.wait === false)
      return reply(req, 'succeeded', { result: { job_id: job.id, ...status } });
    d.waiters.add(job, req, context, req.deadline_ms);
    return reply(req, 'accepted', { result: { job_id: job.id, ...status } });
  };

  const cancel: ActionHandler = async (req) => {
    const params = decodeWith(jobChecker, req.params ?? {}, 'print.cancel params');
    if (!params.ok) return refuse(req, params.error);
    const done = await d.press.cancel(params.value.job_id);
    if (!done.ok) return refuse(req, done.error, done.error.code === 'UNKNOWN_JOB' ? 'rejected' : 'failed');
    return reply(req, 'succeeded', {
      result: { success: true, confirmed_at: new Date().toISOString(), action_id: done.value.id },
    });
  };

  const jobStatus: ActionHandler = (req) => {
    const params = decodeWith(jobChecker, req.params ?? {}, 'print.job_status params');
    if (!params.ok) return refuse(req, params.error);
    const job = d.press.jobs.get(params.value.job_id);
    if (!job)
      return refuse(req, new CxpError('UNKNOWN_JOB', `no job ${params.value.job_id} on ${d.config.id}`));
    return reply(req, 'succeeded', { result: d.press.jobs.status(job, d.config.id) });
  };

  const printerStatus: ActionHandler = async (req) => {
    if ((req.params as { refresh?: unknown } | undefined)?.refresh === true) await d.press.refresh();
    return reply(req, 'succeeded', { result: pressStatusOf(d.press) });
  };

  const calibrate: ActionHandler = async (req, principal) => {
    const interlocked = guard(req, principal, d.guards());
    if (interlocked) return interlocked;
    const done = await runCalibration(d.config);
    if (!done.ok)
      return refuse(req, done.error, done.error.code === 'UNSUPPORTED_OPERATION' ? 'rejected' : 'failed');
    return reply(req, 'succeeded', {
      result: {
        success: true,
        confirmed_at: new Date().toISOString(),
        metadata: { duration_ms: done.value.ms, output: done.value.output },
      },
    });
  };

  return new Map<string, ActionHandler>([
    ...(d.config.calibration ? [[OPERATIONS.productionCalibrate, calibrate] as const] : []),
    [OPERATIONS.printSubmit, submit],
    [OPERATIONS.printCancel, cancel],
    [OPERATIONS.printJobStatus, jobStatus],
    [OPERATIONS.printPrinterStatus, printerStatus],
  ]);
}

/** PrinterStatus with the press's state, reasons, finishings and markers beside it. */
export function pressStatusOf(press: IppPress): PrinterStatus & Record<string, unknown> {
  const s = press.status;
  const names = s.printer['marker-names'] ?? [];
  const levels = s.printer['marker-levels'] ?? [];
  const toner: Record<string, number> = {};
  names.forEach((n, i) => {
    const level = levels[i];
    // marker-levels: 0-100, or -1 (unavailable), -2 (unknown), -3 (some remaining).
    if (typeof n === 'string' && typeof level === 'number' && level >= 0) toner[n] = Math.min(1, level / 100);
  });
  return {
    is_online: s.online,
    toner_levels: toner,
    current_errors: s.reading.errors,
    state: s.state,
    warnings: s.reading.warnings,
    printer_state_reasons: s.printer['printer-state-reasons'] ?? [],
    finishings: s.support ? finishingNames(s.support) : [],
    checked_at: new Date(s.at).toISOString(),
  };
}

function jobRequest(p: IppSubmitParams, config: IppConfig): Result<PressJobRequest> {
  if ((p.document_base64 === undefined) === (p.document_path === undefined))
    return {
      ok: false,
      error: new CxpError(
        'INVALID_PARAMS',
        'print.submit needs exactly one of document_base64 and document_path',
      ),
    };
  let document: PressJobRequest['document'];
  if (p.document_base64 !== undefined) {
    const bytes = Buffer.from(p.document_base64, 'base64');
    if (bytes.length === 0)
      return { ok: false, error: new CxpError('INVALID_PARAMS', 'document_base64 is empty or not base64') };
    if (bytes.length > config.max_document_bytes)
      return {
        ok: false,
        error: new CxpError('INVALID_PARAMS', `the document is over ${config.max_document_bytes} bytes`),
      };
    document = { bytes };
  } else {
    const path = allowedPath(p.document_path ?? '', config);
    if (!path.ok) return path;
    document = { path: path.value };
  }
  return {
    ok: true,
    value: {
      document,
      format: p.document_format ?? 'application/pdf',
      jobName: p.job_name ?? 'cxp-edge job',
      finishings: p.finishings ?? [],
      ...(p.copies === undefined ? {} : { copies: p.copies }),
      ...(p.media === undefined ? {} : { media: p.media }),
      ...(p.media_type === undefined ? {} : { mediaType: p.media_type }),
      ...(p.sides === undefined ? {} : { sides: p.sides }),
      ...(p.print_color_mode === undefined ? {} : { colorMode: p.print_color_mode }),
    },
  };
}

/** A path inside one of document_dirs (symbolic links resolved), a regular file within the size limit. */
function allowedPath(given: string, config: IppConfig): Result<string> {
  const refuse = (message: string): Result<string> => ({
    ok: false,
    error: new CxpError('INVALID_PARAMS', message),
  });
  if (config.document_dirs.length === 0)
    return refuse('document_path is not allowed: no document_dirs are configured');
  let real: string;
  try {
    real = realpathSync(resolve(given));
  } catch {
    return refuse(`document_path ${given} does not exist`);
  }
  const inside = config.document_dirs.some((dir) => {
    let root: string;
    try {
      root = realpathSync(dir);
    } catch {
      return false;
    }
    return real.startsWith(root.endsWith(sep) ? root : root + sep);
  });
  if (!inside) return refuse(`document_path ${given} is outside the configured document_dirs`);
  const st = statSync(real);
  if (!st.isFile()) return refuse(`document_path ${given} is not a file`);
  if (st.size > config.max_document_bytes)
    return refuse(`document_path ${given} is over ${config.max_document_bytes} bytes`);
  return { ok: true, value: real };
}
