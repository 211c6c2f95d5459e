import { Type, type Static } from '@sinclair/typebox';

/**
 * Config of one IPP production printer (`devices: [{kind: ipp, ...}]`): a Konica Minolta press or
 * any IPP/2.x printer. Its `id` is the CXP target name and names its context entry
 * `resources/printers/<id>`.
 */

const closed = { additionalProperties: false } as const;
const ms = (min: number, max: number, dflt: number, description: string) =>
  Type.Integer({ minimum: min, maximum: max, default: dflt, description });

export const IppConfig = Type.Object(
  {
    kind: Type.Literal('ipp'),
    id: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$', description: 'Printer id: the CXP target name.' }),
    url: Type.String({
      pattern: '^ipps?://',
      maxLength: 1024,
      description: 'Printer URI, e.g. ipp://press-1.local/ipp/print or ipps://10.0.0.40:631/ipp/print.',
    }),
    user_name: Type.String({
      minLength: 1,
      maxLength: 255,
      default: 'cxp-edge',
      description: 'requesting-user-name.',
    }),
    timeout_ms: ms(
      100,
      600_000,
      10_000,
      'Time allowed for one IPP request (documents: per request, streamed).',
    ),
    busy_retries: Type.Integer({
      minimum: 0,
      maximum: 100,
      default: 5,
      description: 'Retries while the printer answers server-error-busy (with backoff).',
    }),
    busy_backoff: Type.Object(
      { initial_ms: ms(10, 60_000, 500, 'First retry delay.'), max_ms: ms(10, 600_000, 8000, 'Longest.') },
      { ...closed, default: {} },
    ),
    poll_interval_ms: ms(200, 3_600_000, 5000, 'Printer status poll interval.'),
    job_poll_interval_ms: ms(100, 600_000, 1000, 'Job status poll interval while a job is not final.'),
    job_timeout_ms: ms(
      1000,
      7 * 86_400_000,
      6 * 3_600_000,
      'A job not final this long after submission is reported failed (it is not cancelled on the printer).',
    ),
    max_document_bytes: Type.Integer({
      minimum: 1024,
      maximum: 2 ** 40,
      default: 64 * 1024 * 1024,
      description: 'Largest document accepted inline (base64 in the request) or from a file.',
    }),
    document_dirs: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      maxItems: 64,
      description: 'Directories print.submit may read `document_path` from (none: paths are refused).',
    }),
    tls: Type.Object(
      {
        ca_file: Type.Optional(Type.String({ minLength: 1, description: 'CA bundle for ipps://.' })),
        insecure: Type.Boolean({
          default: false,
          description: 'Accept any certificate (self-signed printer certificates). Logged as a warning.',
        }),
      },
      { ...closed, default: {} },
    ),
    finisher: Type.Object(
      {
        max_thickness_mm: Type.Number({
          exclusiveMinimum: 0,
          maximum: 1000,
          default: 10,
          description: 'Thickest stack the finisher handles (IPP does not report it): FinishingMetadata.',
        }),
        glue_types: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
          default: ['hot-melt'],
          maxItems: 16,
          description: 'Adhesives of the perfect binder, when the press binds (IPP does not report them).',
        }),
      },
      { ...closed, default: {} },
    ),
    calibration: Type.Optional(
      Type.Object(
        {
          command: Type.Array(Type.String({ minLength: 1 }), {
            minItems: 1,
            maxItems: 64,
            description:
              'The site tool that calibrates this press (argv, no shell), e.g. the vendor colour-management CLI. IPP has no calibration operation: without it color_calibration is not offered.',
          }),
          timeout_ms: ms(1000, 3_600_000, 600_000, 'Longest a calibration may run.'),
        },
        closed,
      ),
    ),
    job_retention: Type.Integer({ minimum: 10, maximum: 100_000, default: 1000 }),
  },
  closed,
);
export type IppConfig = Static<typeof IppConfig>;
