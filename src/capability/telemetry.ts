import { CxpError, fail, ok, type Result } from '../cxp/errors.js';
import {
  MAX_TELEMETRY_ITEMS,
  type ProviderHealth,
  type TelemetryEvent,
  type TelemetryMetric,
  type TelemetrySnapshot,
  type TelemetrySpan,
} from './telemetry-schema.js';

/** Optional correlation keys, set in an event's payload, a metric's labels or a span's attributes. */
export const CORRELATION_KEYS = {
  requestId: 'cxp.request.id',
  sessionId: 'cxp.session.id',
  operationId: 'cxp.operation.id',
  parentOperationId: 'cxp.parent.operation.id',
} as const;
export type CorrelationKey = (typeof CORRELATION_KEYS)[keyof typeof CORRELATION_KEYS];

export const OVERFLOW_POLICIES = ['raise', 'drop_newest', 'drop_oldest'] as const;
/**
 * What a full buffer does with a new item: `raise` refuses it with TELEMETRY_OVERFLOW (the caller
 * decides; nothing is counted as dropped), `drop_newest` discards it, `drop_oldest` discards the
 * oldest item held (of any kind) to make room. Both drop policies count what they discard.
 */
export type OverflowPolicy = (typeof OVERFLOW_POLICIES)[number];

export interface TelemetryBufferOptions {
  /**
   * Items held at most, events, metrics and spans together: one bound on memory whatever the mix.
   * An integer from 1 to MAX_TELEMETRY_ITEMS.
   */
  readonly capacity: number;
  readonly overflow: OverflowPolicy;
}

export interface SnapshotOptions {
  readonly providerId: string;
  readonly status: ProviderHealth;
  /** True when the snapshot is sent on a timer to show liveness; default false. */
  readonly isHeartbeat?: boolean;
}

/** What happened to an item that was offered to the buffer without error. */
export type RecordOutcome = 'recorded' | 'dropped_newest' | 'dropped_oldest';

type Entry =
  | { readonly kind: 'event'; readonly item: TelemetryEvent }
  | { readonly kind: 'metric'; readonly item: TelemetryMetric }
  | { readonly kind: 'span'; readonly item: TelemetrySpan };

/** A bounded buffer of telemetry, drained into snapshots. Pure: the caller stamps the items. */
export class TelemetryBuffer {
  readonly capacity: number;
  readonly overflow: OverflowPolicy;
  /** Held items are #entries[#head..]; the slots before #head were dropped and await compaction. */
  #entries: Entry[] = [];
  #head = 0;
  #dropped = 0;

  /** Throws a CxpError (INTERNAL_ERROR) for a capacity that is not an integer in range. */
  constructor(options: TelemetryBufferOptions) {
    const { capacity } = options;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_TELEMETRY_ITEMS) {
      throw new CxpError(
        'INTERNAL_ERROR',
        `telemetry capacity must be an integer from 1 to ${MAX_TELEMETRY_ITEMS}`,
        { details: { capacity }, retryable: false },
      );
    }
    this.capacity = capacity;
    this.overflow = options.overflow;
  }

  /** Items held now. */
  get size(): number {
    return this.#entries.length - this.#head;
  }

  /** Items dropped since the last snapshot. */
  get dropped(): number {
    return this.#dropped;
  }

  recordEvent(event: TelemetryEvent): Result<RecordOutcome> {
    return this.#record({ kind: 'event', item: event });
  }

  recordMetric(metric: TelemetryMetric): Result<RecordOutcome> {
    return this.#record({ kind: 'metric', item: metric });
  }

  recordSpan(span: TelemetrySpan): Result<RecordOutcome> {
    return this.#record({ kind: 'span', item: span });
  }

  /** Drains every held item into a snapshot that reports, then resets, the dropped count. */
  snapshot(options: SnapshotOptions): TelemetrySnapshot {
    const snapshot: TelemetrySnapshot = {
      provider_id: options.providerId,
      status: options.status,
      events: [],
      metrics: [],
      spans: [],
      is_heartbeat: options.isHeartbeat ?? false,
      dropped_items: this.#dropped,
    };
    for (const entry of this.#entries.slice(this.#head)) {
      if (entry.kind === 'event') snapshot.events.push(entry.item);
      else if (entry.kind === 'metric') snapshot.metrics.push(entry.item);
      else snapshot.spans.push(entry.item);
    }
    this.#entries = [];
    this.#head = 0;
    this.#dropped = 0;
    return snapshot;
  }

  #record(entry: Entry): Result<RecordOutcome> {
    if (this.size < this.capacity) {
      this.#entries.push(entry);
      return ok('recorded');
    }
    switch (this.overflow) {
      case 'raise':
        return fail(
          'TELEMETRY_OVERFLOW',
          `telemetry buffer is full (${this.capacity} items); ${entry.kind} refused`,
          { details: { capacity: this.capacity, kind: entry.kind } },
        );
      case 'drop_newest':
        this.#dropped += 1;
        return ok('dropped_newest');
      case 'drop_oldest':
        this.#dropOldest();
        this.#entries.push(entry);
        this.#dropped += 1;
        return ok('dropped_oldest');
    }
  }

  /** Advances past the oldest item; compacts once the dropped prefix reaches the capacity (amortised O(1)). */
  #dropOldest(): void {
    this.#head += 1;
    if (this.#head < this.capacity) return;
    this.#entries = this.#entries.slice(this.#head);
    this.#head = 0;
  }
}
