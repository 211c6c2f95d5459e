import { Type, type Static } from '@sinclair/typebox';
import { CxpError, type Result } from '../../src/cxp/errors.js';
import { SchemaChecker } from '../../src/cxp/validate.js';
import { decodeWith } from '../../src/capability/decode.js';

/** Parameters of the Zebra provider's actions (ACTION_REQUEST `params`), checked before anything runs. */

const JobId = Type.String({ minLength: 1, maxLength: 128, description: 'The job_id print.submit returned.' });

export const SubmitParams = Type.Object(
  {
    format: Type.Optional(Type.Literal('zpl', { description: 'Document language; only ZPL.' })),
    document: Type.Optional(
      Type.String({ minLength: 1, description: 'Raw ZPL (one or more ^XA...^XZ formats).' }),
    ),
    template: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'A configured template name.' }),
    ),
    variables: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]), {
        maxProperties: 256,
        description: 'Values for the template placeholders (all required, no others).',
      }),
    ),
    copies: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 99_999_999, description: 'Labels per format (^PQ).' }),
    ),
    dry_run: Type.Optional(Type.Boolean({ description: 'Return a PNG preview instead of printing.' })),
    wait: Type.Optional(
      Type.Boolean({
        description:
          'true (default): answer accepted now, then succeeded when the label is printed (or failed). false: succeeded as soon as the job is queued.',
      }),
    ),
  },
  { additionalProperties: true },
);
export type SubmitParams = Static<typeof SubmitParams>;

export const JobParams = Type.Object({ job_id: JobId }, { additionalProperties: true });
export type JobParams = Static<typeof JobParams>;

export const PrinterStatusParams = Type.Object(
  { refresh: Type.Optional(Type.Boolean({ description: 'Poll the printer now instead of the last poll.' })) },
  { additionalProperties: true },
);

const submitChecker = new SchemaChecker(SubmitParams);
const jobChecker = new SchemaChecker(JobParams);
const statusChecker = new SchemaChecker(PrinterStatusParams);

export function decodeSubmit(params: unknown): Result<SubmitParams> {
  const decoded = decodeWith(submitChecker, params ?? {}, 'print.submit params');
  if (!decoded.ok) return decoded;
  const p = decoded.value;
  if ((p.document === undefined) === (p.template === undefined))
    return {
      ok: false,
      error: new CxpError(
        'INVALID_PARAMS',
        'print.submit needs exactly one of document (raw ZPL) and template',
      ),
    };
  if (p.variables !== undefined && p.template === undefined)
    return { ok: false, error: new CxpError('INVALID_PARAMS', 'variables are only for a template') };
  return decoded;
}

export function decodeJob(params: unknown, action: string): Result<JobParams> {
  return decodeWith(jobChecker, params ?? {}, `${action} params`);
}

export function decodePrinterStatus(params: unknown): Result<Static<typeof PrinterStatusParams>> {
  return decodeWith(statusChecker, params ?? {}, 'print.printer_status params');
}
