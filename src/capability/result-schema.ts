import { Type, type Static } from '@sinclair/typebox';
import { CxpErrorSchema, DateTime, Identifier, JsonObject, literalUnion } from '../cxp/schema/common.js';

export { literalUnion };

/**
 * Payloads that capability operations return: progress of long-running work, the outcome of a
 * one-shot action, and the printing catalogs' status and metadata shapes. Objects accept unknown
 * fields; a field with a default (`metadata: {}`, `success: true`) may be absent on input.
 */

/** States of generic asynchronous work. */
export const WORK_STATES = ['pending', 'queued', 'running', 'completed', 'failed', 'canceled'] as const;

/**
 * States of a print job (after IPP's job-state, RFC 8011 §5.3.7: pending, pending-held -> `held`,
 * processing, processing-stopped -> `processing` with an error, canceled, aborted, completed), plus
 * `failed` for a job the gateway could not hand to the printer at all. Print providers of this gateway
 * report only these.
 */
export const PRINT_JOB_STATES = [
  'pending',
  'processing',
  'held',
  'completed',
  'canceled',
  'aborted',
  'failed',
] as const;
export type PrintJobState = (typeof PRINT_JOB_STATES)[number];

/**
 * The wire value set of `AsyncWorkReport.status` (and so of `PrintJobStatus.status`, the same type):
 * the union of WORK_STATES and PRINT_JOB_STATES, a closed enum. A receiver accepts all nine values
 * whichever kind of work it asked about.
 */
export const ASYNC_WORK_STATUSES = [
  'pending',
  'queued',
  'running',
  'processing',
  'held',
  'completed',
  'failed',
  'canceled',
  'aborted',
] as const;
export type AsyncWorkStatus = (typeof ASYNC_WORK_STATUSES)[number];

const asyncWorkProperties = {
  work_id: Identifier(
    'Id of the work item (for print jobs, the print.job_id that print.submit returned).',
    128,
  ),
  status: literalUnion(ASYNC_WORK_STATUSES, 'Where the work is; see PRINT_JOB_STATES for print jobs.'),
  created_at: DateTime('When the work was accepted, RFC 3339 UTC.'),
  finished_at: Type.Optional(DateTime('When the work reached a final state.')),
  progress_percent: Type.Optional(
    Type.Number({ minimum: 0, maximum: 100, description: 'Progress, 0 to 100.' }),
  ),
  error: Type.Optional(CxpErrorSchema),
  metadata: Type.Optional(JsonObject('Provider-specific details; absent means {}.')),
};

export const AsyncWorkReport = Type.Object(asyncWorkProperties, {
  title: 'AsyncWorkReport',
  description: 'Progress or outcome of long-running work.',
});
export type AsyncWorkReport = Static<typeof AsyncWorkReport>;

/** The reference package's PrintJobStatus is AsyncWorkReport: the same properties under its own title. */
export const PrintJobStatus = Type.Object(asyncWorkProperties, {
  title: 'PrintJobStatus',
  description: 'State of a print job (an AsyncWorkReport); the answer to print.job_status.',
});
export type PrintJobStatus = AsyncWorkReport;

export const ActionResult = Type.Object(
  {
    success: Type.Optional(
      Type.Boolean({ default: true, description: 'Whether the action took effect; default true.' }),
    ),
    confirmed_at: Type.Optional(DateTime('When the provider confirmed the action.')),
    action_id: Type.Optional(Identifier('Id the provider gave the action.', 128)),
    metadata: Type.Optional(JsonObject('Provider-specific details; absent means {}.')),
  },
  { title: 'ActionResult', description: 'Outcome of a one-shot action such as print.cancel.' },
);
export type ActionResult = Static<typeof ActionResult>;

export const PrinterStatus = Type.Object(
  {
    is_online: Type.Boolean({ description: 'Whether the printer answers.' }),
    toner_levels: Type.Record(Type.String(), Type.Number({ minimum: 0, maximum: 1 }), {
      maxProperties: 64,
      description: 'Consumable name (toner, ink, ribbon, ...) to remaining fraction, 0 (empty) to 1 (full).',
    }),
    current_errors: Type.Array(CxpErrorSchema, {
      maxItems: 64,
      description: 'Faults the printer reports now (MEDIA_OUT, HEAD_OPEN, ...).',
    }),
  },
  { title: 'PrinterStatus', description: 'The answer to print.printer_status.' },
);
export type PrinterStatus = Static<typeof PrinterStatus>;

const Millimetres = (description: string) =>
  Type.Number({ exclusiveMinimum: 0, maximum: 10_000, description });

export const LabelMetadata = Type.Object(
  {
    width_mm: Millimetres('Label width in millimetres.'),
    height_mm: Millimetres('Label height (length along the feed) in millimetres.'),
    material: Type.Optional(Identifier('Media material, e.g. paper, polypropylene.', 64)),
    sensor_type: Type.Optional(Identifier('Media sensing: gap, black_mark or continuous.', 64)),
  },
  {
    title: 'LabelMetadata',
    description:
      'Loaded label media: the metadata of media_validation and the answer to label.get_media_info.',
  },
);
export type LabelMetadata = Static<typeof LabelMetadata>;

export const FinishingMetadata = Type.Object(
  {
    supported_folds: Type.Array(Identifier('A fold the finisher can make, e.g. half, tri, z.', 64), {
      maxItems: 64,
    }),
    glue_types: Type.Array(Identifier('An adhesive the finisher can apply.', 64), { maxItems: 64 }),
    max_thickness_mm: Millimetres('Thickest stack the finisher handles, in millimetres.'),
  },
  { title: 'FinishingMetadata', description: 'What a production finisher can do: the metadata of folding.' },
);
export type FinishingMetadata = Static<typeof FinishingMetadata>;
