import { Type, type Static } from '@sinclair/typebox';
import { literalUnion } from '../../src/cxp/schema/common.js';

/**
 * Config of one Zebra label printer (`devices: [{kind: zebra, ...}]`), reached with ZPL on its raw
 * TCP port. Its `id` is the CXP target name and names its context entry `resources/printers/<id>`.
 */

const closed = { additionalProperties: false } as const;
const ms = (min: number, max: number, dflt: number, description: string) =>
  Type.Integer({ minimum: min, maximum: max, default: dflt, description });

export const ZebraConfig = Type.Object(
  {
    kind: Type.Literal('zebra'),
    id: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$', description: 'Printer id: the CXP target name.' }),
    host: Type.String({ minLength: 1, maxLength: 253, description: 'Printer host name or address.' }),
    port: Type.Integer({ minimum: 1, maximum: 65_535, default: 9100, description: 'Raw ZPL port.' }),
    connect_timeout_ms: ms(100, 60_000, 3000, 'TCP connect timeout.'),
    read_timeout_ms: ms(100, 60_000, 2000, 'Time allowed for an answer to a status query.'),
    write_timeout_ms: ms(
      100,
      600_000,
      30_000,
      'A job write the printer does not take in this long (it stopped reading) fails the job and closes the session.',
    ),
    idle_close_ms: ms(100, 600_000, 10_000, 'Close the raw session after this long without traffic.'),
    poll_interval_ms: ms(200, 600_000, 2000, 'Status poll interval while idle.'),
    job_poll_interval_ms: ms(50, 60_000, 300, 'Status poll interval while a job prints.'),
    reconnect: Type.Object(
      {
        initial_ms: ms(50, 600_000, 1000, 'First retry delay after the printer went offline.'),
        max_ms: ms(100, 3_600_000, 30_000, 'Longest retry delay.'),
      },
      { ...closed, default: {} },
    ),
    queue_capacity: Type.Integer({
      minimum: 1,
      maximum: 10_000,
      default: 100,
      description: 'Jobs waiting per printer; a submission beyond it is rejected (DEVICE_BUSY).',
    }),
    job_timeout_ms: ms(
      1000,
      86_400_000,
      120_000,
      'A job not finished this long after it was sent is cancelled on the printer (~JA) and fails.',
    ),
    max_pending_ms: ms(
      1000,
      86_400_000,
      600_000,
      'A job that could not be sent this long after submission (printer offline or in error) fails.',
    ),
    on_fault: literalUnion(['hold', 'reject'] as const, {
      default: 'hold',
      description:
        'A job submitted while the printer is paused, in error or offline: hold it until the printer is ready, or reject it at once with the fault.',
    }),
    max_document_bytes: Type.Integer({
      minimum: 1024,
      maximum: 64 * 1024 * 1024,
      default: 1024 * 1024,
      description: 'Largest ZPL document accepted (after template rendering).',
    }),
    max_value_bytes: Type.Integer({
      minimum: 1,
      maximum: 1024 * 1024,
      default: 4096,
      description: 'Largest value of one template variable (UTF-8 bytes).',
    }),
    media: Type.Object(
      {
        width_mm: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000 })),
        height_mm: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10_000 })),
        dpmm: Type.Optional(
          Type.Union([Type.Literal(6), Type.Literal(8), Type.Literal(12), Type.Literal(24)], {
            description: 'Dots per mm (8 = 203 dpi, 12 = 300 dpi).',
          }),
        ),
        material: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
      },
      {
        ...closed,
        default: {},
        description:
          'Media facts the printer cannot report (material), and fallbacks when it does not answer SGD.',
      },
    ),
    templates: Type.Object(
      {
        inline: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }), Type.String(), {
          default: {},
          description: 'Template name -> ZPL with {{placeholders}} inside ^FD...^FS.',
        }),
        files: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }), Type.String(), {
          default: {},
          description: 'Template name -> path of a .zpl file.',
        }),
        dir: Type.Optional(
          Type.String({ minLength: 1, description: 'Every *.zpl file here, by base name.' }),
        ),
      },
      { ...closed, default: {} },
    ),
    job_retention: Type.Integer({
      minimum: 10,
      maximum: 100_000,
      default: 1000,
      description: 'Finished jobs remembered for print.job_status (oldest forgotten first).',
    }),
  },
  closed,
);
export type ZebraConfig = Static<typeof ZebraConfig>;
