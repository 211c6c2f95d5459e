import type { Counter, Gauge, MetricValue } from 'prom-client';
import type { ProviderHealth, TelemetryMetric, TelemetrySnapshot } from '../capability/telemetry-schema.js';
import type { Clock } from '../cxp/clock.js';
import type { GatewayMetrics } from './metrics.js';

/** Most samples one snapshot carries (the schema allows more; a snapshot stays one small message). */
export const MAX_SNAPSHOT_METRICS = 512;

export interface GatewayTelemetryOptions {
  gatewayId: string;
  metrics: GatewayMetrics;
  clock: Clock;
  /** Health now: every connection up and the lifecycle running is `healthy`. */
  health: () => ProviderHealth;
}

/**
 * The gateway's periodic telemetry on `cxp/v1/<gw>/telemetry`: a capability TelemetrySnapshot
 * (heartbeat) whose metrics are the current values of the gateway's own counters and gauges, with
 * their Prometheus labels, so an MQTT-only monitor sees what `/metrics` shows.
 */
export async function gatewayTelemetry(o: GatewayTelemetryOptions): Promise<TelemetrySnapshot> {
  const m = o.metrics;
  m.flush();
  const timestamp = o.clock.now() / 1000;
  const sources: [string, Counter | Gauge][] = [
    ['cxp_edge.messages_in', m.messagesIn],
    ['cxp_edge.messages_out', m.messagesOut],
    ['cxp_edge.messages_dropped', m.dropped],
    ['cxp_edge.messages_queued', m.queued],
    ['cxp_edge.errors', m.errors],
    ['cxp_edge.reconnects', m.reconnects],
    ['cxp_edge.inbound_pauses', m.inboundPauses],
    ['cxp_edge.connected', m.connected],
    ['cxp_edge.context_version', m.contextVersion],
    ['cxp_edge.context_refs', m.contextRefs],
  ];
  const samples: TelemetryMetric[] = [];
  let dropped = 0;
  for (const [name, metric] of sources) {
    const { values } = await metric.get();
    for (const v of values) {
      if (samples.length >= MAX_SNAPSHOT_METRICS) {
        dropped += 1;
        continue;
      }
      samples.push({ name, value: v.value, labels: stringLabels(v), timestamp });
    }
  }
  return {
    provider_id: o.gatewayId,
    status: o.health(),
    events: [],
    metrics: samples,
    spans: [],
    is_heartbeat: true,
    dropped_items: dropped,
  };
}

function stringLabels(v: MetricValue<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(v.labels)) if (value !== undefined) out[k] = String(value);
  return out;
}
