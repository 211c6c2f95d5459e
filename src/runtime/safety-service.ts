import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { isPlainObject } from '../cxp/data-model.js';
import type { Clock } from '../cxp/clock.js';
import { CxpError } from '../cxp/errors.js';
import { encodeMessage, type MessageFactory } from '../cxp/message.js';
import type { MessageOf } from '../cxp/schema/index.js';
import type { Frame } from '../cxp/schema/safety-event.js';
import type { ContextStore } from '../context/store.js';
import type { SafetySection } from '../../safety/config.js';
import { eventBody } from '../../safety/event.js';
import { Supervisor, type EventDraft } from '../../safety/supervisor.js';
import type { ActionGuard } from './action-guard.js';
import type { CxpDispatcher } from './dispatcher.js';
import type { Component } from './lifecycle.js';
import { LatchedStateFile } from './safety-state-file.js';
import type { GatewayMetrics } from './metrics.js';

/**
 * The safety supervisor in the gateway: context changes and a deadline timer drive it, its events
 * go out on `cxp/v1/<gw>/safety` (and the retained active list on `safety/active`), into the
 * `safety` context section, and to every listener (the ROS 2 bridge); it guards every action that
 * writes to a device or robot and answers `safety.acknowledge` and `safety.reset`.
 */

export interface SafetyServiceOptions {
  config: SafetySection;
  store: ContextStore;
  clock: Clock;
  messages: MessageFactory;
  dispatcher: CxpDispatcher;
  metrics: GatewayMetrics;
  logger: Logger;
  bootId: string;
  /** Where latched conditions are kept across restarts (`<state_dir>/safety/latched.json`). */
  stateDir: string;
  /** Publishes on the gateway's MQTT connection. */
  publish(topic: string, payload: Uint8Array, options: { qos: 0 | 1; retain: boolean }): void;
  topics: { safety: string; safetyActive: string; heartbeat: string };
  /** Supervisor heartbeat period (its loss is visible downstream). */
  heartbeatMs?: number;
}

type SafetyEventMessage = MessageOf<'SAFETY_EVENT'>;

export class SafetyService implements Component {
  readonly name = 'safety';
  readonly supervisor: Supervisor;
  readonly #o: SafetyServiceOptions;
  readonly #listeners = new Set<(event: SafetyEventMessage) => void>();
  readonly #lastEventId = new Map<string, string>();
  #seq = 0;
  #timer: NodeJS.Timeout | undefined;
  #fallback: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #running = false;
  /** The latched set last written (or attempted), to write only on change. */
  #saved = '';
  readonly #state: LatchedStateFile;
  #restoring = false;

  constructor(options: SafetyServiceOptions) {
    this.#o = options;
    this.#state = new LatchedStateFile(options.stateDir);
    this.supervisor = new Supervisor(options.config, performance.now(), (draft) => {
      this.#onDraft(draft);
    });
    options.dispatcher.registerAction('safety.acknowledge', (req, principal) =>
      this.#ack(req, principal?.id, 'acknowledge'),
    );
    options.dispatcher.registerAction('safety.reset', (req, principal) =>
      this.#ack(req, principal?.id, 'reset'),
    );
  }

  /** The guard every device and robot action passes. */
  readonly guard: ActionGuard = (request, principal) => {
    const decision = this.supervisor.decide(request, principal, performance.now());
    this.#schedule();
    if (decision.verdict.allow || decision.blocking.length === 0) return decision.verdict;
    const ids = decision.blocking.flatMap((k) => this.#lastEventId.get(k) ?? []);
    return { ...decision.verdict, details: { ...decision.verdict.details, event_ids: ids } };
  };

  /** Every event as it is emitted (the ROS 2 bridge, the MCAP recorder). */
  onEvent(listener: (event: SafetyEventMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Latched conditions saved before the restart come back open; an unreadable file is a fault. */
  #restore(now: number): void {
    const read = this.#state.read(this.#o.clock.now());
    if (read.kind === 'none') return;
    if (read.kind === 'bad') {
      this.#persistenceFault(read.reason, now);
      return;
    }
    const wall = this.#o.clock.now();
    this.#restoring = true;
    const orphans = this.supervisor.restore(read.state.conditions, now, (w) => now - (wall - w));
    this.#restoring = false;
    for (const o of orphans)
      this.#o.logger.warn(
        { key: o.key, rule: o.rule_id },
        'latched condition not restored: its rule is gone',
      );
    this.#save();
  }

  #persistenceFault(message: string, now: number): void {
    this.#o.logger.error({ file: this.#state.path }, message);
    this.supervisor.raiseSupervisorFault('fault.persistence', message, now);
  }

  /** Writes the latched set when it changed (atomically and durably), before the event goes out. */
  #save(): void {
    if (this.#restoring) return;
    const now = performance.now();
    const wall = this.#o.clock.now();
    const conditions = this.supervisor.latched((m) => wall - (now - m));
    const key = JSON.stringify(conditions);
    if (key === this.#saved) return;
    this.#saved = key;
    try {
      this.#state.write({
        format: 'cxp-edge/safety-latched/1',
        boot_id: this.#o.bootId,
        saved_at: wall,
        conditions,
      });
    } catch (err) {
      this.#persistenceFault(`latched state not saved: ${(err as Error).message}`, now);
    }
  }

  start(): Promise<void> {
    this.#running = true;
    const now = performance.now();
    this.#restore(now);
    for (const ref of this.#o.store.sortedRefs()) this.supervisor.observe(ref, this.#o.store.value(ref), now);
    this.#unsubscribe = this.#o.store.onChange((change) => {
      const t = performance.now();
      for (const op of change.ops)
        if (!op.ref.startsWith('safety/'))
          this.supervisor.observe(op.ref, op.op === 'remove' ? undefined : op.value, t);
      this.#schedule();
    });
    this.#fallback = setInterval(() => {
      this.#tick();
    }, this.#o.config.tick_ms);
    const beat = this.#o.heartbeatMs ?? 1000;
    this.#heartbeat = setInterval(() => {
      this.#beat();
    }, beat);
    this.#publishActive();
    this.#schedule();
    this.#o.logger.info(
      { rules: this.#o.config.rules.length },
      'safety supervisor running (non safety rated)',
    );
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.#running = false;
    this.#unsubscribe?.();
    clearTimeout(this.#timer);
    clearInterval(this.#fallback);
    clearInterval(this.#heartbeat);
    return Promise.resolve();
  }

  #tick(): void {
    if (!this.#running) return;
    this.supervisor.tick(performance.now());
    this.#schedule();
  }

  /** A timer at the next deadline, so detection does not wait for the periodic tick. */
  #schedule(): void {
    if (!this.#running) return;
    const now = performance.now();
    const next = this.supervisor.nextDeadline(now);
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (next === undefined) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#tick();
      },
      Math.max(0, Math.ceil(next - now)),
    );
  }

  #onDraft(draft: EventDraft): void {
    const o = this.#o;
    const now = performance.now();
    this.#seq += 1;
    const frame: Frame = this.#frame();
    const body = eventBody(draft, {
      bootId: o.bootId,
      seq: this.#seq,
      wallMs: o.clock.now(),
      monotonicMs: now,
      frame,
      sync: { method: 'none', state: 'UNKNOWN' },
    });
    // Persisted before the event goes out: a transition reported is a transition that survives.
    if (draft.change !== 'refused') this.#save();
    const event = o.messages.create('SAFETY_EVENT', body);
    if (event.id !== undefined) this.#lastEventId.set(draft.key, event.id);
    o.metrics.safetyEvents.inc({ severity: draft.severity, state: body.state });
    o.publish(o.topics.safety, encodeMessage(event), { qos: 1, retain: false });
    this.#context(draft, event);
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch (err) {
        o.logger.warn({ err }, 'a safety event listener failed');
      }
    }
    const level = draft.severity === 'INFO' || body.state === 'CLEARED' ? 'info' : 'warn';
    o.logger[level](
      { key: draft.key, severity: draft.severity, state: body.state, change: draft.change },
      draft.message,
    );
    if (draft.change !== 'refused') this.#publishActive();
  }

  /** The frame of the configured robot pose, or the robot frame with an unknown pose. */
  #frame(): Frame {
    const c = this.#o.config;
    const pose = c.pose_ref === undefined ? undefined : this.#o.store.value(c.pose_ref);
    if (isPlainObject(pose) && typeof pose['frame_id'] === 'string' && isPlainObject(pose['pose']))
      return {
        frame_id: pose['frame_id'],
        pose: pose['pose'] as Frame['pose'],
        tf_status: 'OK',
        robot_frame: c.robot_frame,
      };
    return {
      frame_id: c.robot_frame,
      pose: null,
      tf_status: c.pose_ref === undefined ? 'NOT_APPLICABLE' : 'LOOKUP_ERROR',
    };
  }

  /** Open conditions live at safety/conditions/<key>; a cleared one is removed. */
  #context(draft: EventDraft, event: SafetyEventMessage): void {
    if (draft.change === 'refused') return;
    const ref = `safety/conditions/${segment(draft.key)}`;
    const source = 'safety:supervisor';
    if (event.state === 'CLEARED') {
      this.#o.store.retract(ref, source);
      return;
    }
    const put = this.#o.store.put({
      ref,
      source,
      kind: 'safety',
      value: {
        event_id: event.id ?? null,
        condition_key: draft.key,
        kind: draft.kind,
        severity: event.severity,
        state: event.state,
        active: event.active ?? false,
        latched: event.latched,
        message: event.message,
        subject: draft.subject,
        frame: event.frame,
        timebase: event.timebase,
      },
    });
    if (!put.ok) this.#o.logger.warn({ err: put.error.message, ref }, 'safety condition not stored');
  }

  #publishActive(): void {
    const active = this.supervisor.active().map((a) => ({
      condition_key: a.key,
      event_id: this.#lastEventId.get(a.key) ?? null,
      kind: a.kind,
      severity: a.severity,
      state: a.state,
      active: a.active,
      latched: a.latched,
      subject: a.subject,
      message: a.message,
    }));
    this.#o.publish(
      this.#o.topics.safetyActive,
      Buffer.from(JSON.stringify({ boot_id: this.#o.bootId, active })),
      {
        qos: 1,
        retain: true,
      },
    );
  }

  #beat(): void {
    const active = this.supervisor.active();
    const worst = active[0]?.severity ?? 'OK';
    this.#o.publish(
      this.#o.topics.heartbeat,
      Buffer.from(
        JSON.stringify({
          boot_id: this.#o.bootId,
          seq: this.#seq,
          at: new Date(this.#o.clock.now()).toISOString(),
          active: active.length,
          worst,
        }),
      ),
      { qos: 0, retain: false },
    );
  }

  #ack(
    request: MessageOf<'ACTION_REQUEST'>,
    by: string | undefined,
    what: 'acknowledge' | 'reset',
  ): MessageOf<'ACTION_RESULT'> {
    const base = { correlation_id: request.id ?? '*', action: request.action };
    const refuse = (error: CxpError) =>
      this.#o.messages.create('ACTION_RESULT', { ...base, status: 'rejected', error: error.toWire() });
    if (by === undefined)
      return refuse(new CxpError('NOT_AUTHORIZED', `safety.${what} needs an identified principal`));
    const params: unknown = request.params ?? {};
    const keys = isPlainObject(params) ? params['condition_keys'] : undefined;
    const comment = isPlainObject(params) ? params['comment'] : undefined;
    const badKeys =
      keys !== undefined &&
      (!Array.isArray(keys) || keys.length > 1024 || !keys.every((k) => typeof k === 'string'));
    if (badKeys || (comment !== undefined && (typeof comment !== 'string' || comment.length > 1024)))
      return refuse(
        new CxpError('INVALID_PARAMS', `safety.${what} takes {condition_keys?: string[], comment?: string}`),
      );
    const audit = { by, at: performance.now(), ...(typeof comment === 'string' ? { comment } : {}) };
    const list = keys;
    if (what === 'acknowledge') {
      const done = this.supervisor.acknowledge(list, audit);
      return this.#o.messages.create('ACTION_RESULT', {
        ...base,
        status: 'succeeded',
        result: { acknowledged: done },
      });
    }
    const { reset, refused } = this.supervisor.reset(list, audit);
    if (refused.length > 0 && reset.length === 0)
      return refuse(
        new CxpError(
          'SAFETY_INTERLOCK',
          `nothing reset: ${refused.map((r) => `${r.key} (${r.reason})`).join(', ')}`,
          {
            details: { refused },
          },
        ),
      );
    return this.#o.messages.create('ACTION_RESULT', {
      ...base,
      status: 'succeeded',
      result: { reset, refused },
    });
  }
}

/** A condition key as one ref segment. */
function segment(key: string): string {
  const safe = key.replace(/[^A-Za-z0-9_.:@~+-]/g, '_');
  if (safe.length <= 128) return safe;
  // Long keys keep a readable head and a digest of the whole, so two never share a ref.
  return `${safe.slice(0, 100)}~${createHash('sha256').update(key).digest('base64url').slice(0, 22)}`;
}
