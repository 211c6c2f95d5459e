import { Type, type Static } from '@sinclair/typebox';
import { Identifier, JsonObject } from '../cxp/schema/common.js';
import { literalUnion } from './result-schema.js';

/**
 * Telemetry a capability provider reports: events, metrics and spans, sent in snapshots. Times are
 * Unix epoch seconds as floats, as the reference package encodes them. Correlation keys
 * (CORRELATION_KEYS in telemetry.ts) go in `payload`, `labels` or `attributes`.
 */

/** Upper bound on the items of each kind in one snapshot (and on a TelemetryBuffer's capacity). */
export const MAX_TELEMETRY_ITEMS = 100_000;

const EpochSeconds = (description: string) =>
  Type.Number({ minimum: 0, description: `${description} Unix epoch seconds (float).` });

export const TELEMETRY_SEVERITIES = ['debug', 'info', 'warning', 'error', 'critical'] as const;
export type TelemetrySeverity = (typeof TELEMETRY_SEVERITIES)[number];

export const PROVIDER_HEALTH_STATES = ['healthy', 'degraded', 'unhealthy', 'starting', 'stopping'] as const;
export type ProviderHealth = (typeof PROVIDER_HEALTH_STATES)[number];

export const TelemetryEvent = Type.Object(
  {
    event_type: Identifier('What happened, e.g. job.completed or media.low.', 128),
    severity: literalUnion(TELEMETRY_SEVERITIES, 'How serious the event is.'),
    payload: Type.Optional(JsonObject('Event details; absent means {}.')),
    timestamp: EpochSeconds('When the event happened.'),
    trace_id: Type.Optional(Identifier('Trace the event belongs to.', 128)),
  },
  { title: 'TelemetryEvent', description: 'A discrete occurrence.' },
);
export type TelemetryEvent = Static<typeof TelemetryEvent>;

export const TelemetryMetric = Type.Object(
  {
    name: Identifier('Metric name, e.g. print.jobs_completed.', 256),
    value: Type.Number({ description: 'Sampled value.' }),
    unit: Type.Optional(Identifier('Unit of value, e.g. s, bytes, 1.', 32)),
    labels: Type.Optional(
      Type.Record(Type.String(), Type.String({ maxLength: 1024 }), {
        maxProperties: 64,
        description: 'Dimension name to value; absent means {}.',
      }),
    ),
    timestamp: EpochSeconds('When the value was sampled.'),
  },
  { title: 'TelemetryMetric', description: 'One sample of a named measurement.' },
);
export type TelemetryMetric = Static<typeof TelemetryMetric>;

export const TelemetrySpan = Type.Object(
  {
    trace_id: Identifier('Trace the span belongs to.', 128),
    span_id: Identifier('Id of this span.', 128),
    parent_span_id: Type.Optional(Identifier('Id of the enclosing span.', 128)),
    name: Identifier('What the span measures, e.g. print.submit.', 256),
    start_time: EpochSeconds('When the span started.'),
    end_time: EpochSeconds('When the span ended.'),
    attributes: Type.Optional(JsonObject('Span details; absent means {}.')),
  },
  { title: 'TelemetrySpan', description: 'A timed operation within a trace.' },
);
export type TelemetrySpan = Static<typeof TelemetrySpan>;

export const TelemetrySnapshot = Type.Object(
  {
    provider_id: Identifier('The provider that reports.', 256),
    status: literalUnion(PROVIDER_HEALTH_STATES, 'Health of the provider.'),
    events: Type.Array(TelemetryEvent, { maxItems: MAX_TELEMETRY_ITEMS }),
    metrics: Type.Array(TelemetryMetric, { maxItems: MAX_TELEMETRY_ITEMS }),
    spans: Type.Array(TelemetrySpan, { maxItems: MAX_TELEMETRY_ITEMS }),
    is_heartbeat: Type.Boolean({
      description: 'True when sent on a timer to show liveness, not for new data.',
    }),
    dropped_items: Type.Integer({
      minimum: 0,
      description: 'Items the provider dropped on overflow since its previous snapshot.',
    }),
  },
  { title: 'TelemetrySnapshot', description: 'A batch of telemetry drained from a provider buffer.' },
);
export type TelemetrySnapshot = Static<typeof TelemetrySnapshot>;
