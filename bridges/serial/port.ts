import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Clock } from '../../src/cxp/clock.js';
import { CxpError, type Result } from '../../src/cxp/errors.js';
import type { Component } from '../../src/runtime/lifecycle.js';
import { StoreBatcher } from '../../src/runtime/store-batcher.js';
import type { GatewayServices } from '../mqtt/bridge/plugin.js';
import type { SerialBridgeConfig } from './config.js';
import type { Decoder } from './decode.js';
import { ExchangeQueue, type Exchange } from './exchanges.js';
import type { FrameError, Framer } from './framing.js';
import { Liveness, type LivenessView } from './liveness.js';
import { SerialLink } from './link.js';
import { pollContributions, modbusReader, type CompiledPoll } from './modbus-poll.js';
import { buildPipeline, defaultExpectEvery, flushAfterMs, gapMs } from './pipeline.js';
import type { RtuResponse } from './modbus/rtu-response.js';
import { describeSelector, resolvePort, SYSTEM_ROOTS, type ResolveRoots } from './port-resolve.js';
import { registerSerialWrite } from './write-action.js';

/** Contributions applied per store version; more wait for the next turn of the event loop. */
const BATCH = 1000;

export interface SerialPortOptions {
  /** Where /dev and /sys are (tests point them at a fake tree). */
  roots?: ResolveRoots;
}

/**
 * One serial port as a bridge: the link (open, reopen with backoff), the byte stream cut into
 * frames and decoded into context, or Modbus RTU polls; `serial.write` through a per-port exchange
 * queue; liveness (disconnect, silence, error bursts) as the context entry `resources/serial/<id>`
 * and on /metrics.
 */
export class SerialPortBridge implements Component {
  readonly name: string;
  readonly id: string;
  readonly #c: SerialBridgeConfig;
  readonly #s: GatewayServices;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #link: SerialLink;
  readonly #framer: Framer | undefined;
  readonly #decoder: Decoder | undefined;
  readonly #polls: CompiledPoll[];
  readonly #queue: ExchangeQueue;
  readonly #live: Liveness;
  readonly #source: string;
  readonly #route: string;
  readonly #count: { frames: { inc(n?: number): void }; bytes: { inc(n?: number): void } };
  readonly #inFlight = new Set<string>();
  readonly #batch: StoreBatcher;
  #timers: NodeJS.Timeout[] = [];
  #liveTimer: NodeJS.Timeout | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  #lastChunkAt = 0;
  #unregister: (() => void) | undefined;
  #running = false;
  #wasOpen = false;
  #faultCodes = new Set<string>();

  constructor(
    config: SerialBridgeConfig,
    services: GatewayServices,
    logger: Logger,
    clock: Clock,
    options: SerialPortOptions = {},
  ) {
    this.#c = config;
    this.#s = services;
    this.#log = logger;
    this.#clock = clock;
    this.id = config.id;
    this.name = `serial:${config.id}`;
    this.#source = `serial:${config.id}`;
    this.#route = `serial:${config.id}`;
    this.#batch = new StoreBatcher(services.store, {
      max: BATCH,
      onRejected: (input, error) => {
        services.metrics.errors.inc({ route: this.#route, code: error.code });
        logger.debug({ ref: input?.ref, err: error.message }, 'serial value not stored');
      },
    });
    const built = buildPipeline(config);
    if (!built.ok) throw built.error;
    this.#framer = built.value.framer;
    this.#decoder = built.value.decoder;
    this.#polls = built.value.polls;
    this.#live = new Liveness({
      expectEveryMs: config.liveness.expect_every_ms ?? defaultExpectEvery(config, this.#polls),
      burstCount: config.liveness.error_burst.count,
      burstWindowMs: config.liveness.error_burst.window_ms,
    });
    const m = services.metrics;
    this.#count = {
      frames: m.batched(m.messagesIn, { route: this.#route, kind: 'frame' }),
      bytes: m.batched(m.serialBytes, { port: config.id }),
    };
    const roots = options.roots ?? SYSTEM_ROOTS;
    this.#link = new SerialLink({
      path: 'path' in config.port ? config.port.path : () => this.#resolve(roots),
      baudRate: config.baud_rate,
      dataBits: config.data_bits,
      stopBits: config.stop_bits,
      parity: config.parity,
      ...(config.rs485
        ? {
            rs485: {
              rtsOnSend: config.rs485.rts_on_send,
              rtsAfterSend: config.rs485.rts_after_send,
              delayRtsBeforeSendMs: config.rs485.delay_before_send_ms,
              delayRtsAfterSendMs: config.rs485.delay_after_send_ms,
            },
          }
        : {}),
      reconnect: { initialMs: config.reconnect.initial_ms, maxMs: config.reconnect.max_ms },
      logger,
      onData: (chunk) => {
        this.#onData(chunk);
      },
      onState: (state, reason) => {
        this.#onState(state, reason);
      },
      onRetry: () => {
        m.reconnects.inc({ connection: this.#route });
      },
    });
    this.#queue = new ExchangeQueue({
      capacity: config.write.queue_capacity,
      write: (bytes) => this.#link.write(bytes),
      gapMs: gapMs(config),
    });
  }

  /** Whether the port is open now. */
  get isOpen(): boolean {
    return this.#link.isOpen;
  }

  /** Bytes held in a partial frame plus contributions waiting for the store: bounded whatever arrives. */
  get buffered(): { frameBytes: number; contributions: number } {
    return { frameBytes: this.#framer?.retained ?? 0, contributions: this.#batch.pending };
  }

  /** The liveness view now (also what `resources/serial/<id>` holds). */
  liveness(): LivenessView {
    return this.#live.view(performance.now());
  }

  start(): Promise<void> {
    this.#running = true;
    this.#unregister = registerSerialWrite(this.#s, {
      id: this.id,
      config: this.#c,
      exchange: (exchange) => this.exchange(exchange),
      countError: (code) => {
        this.#s.metrics.errors.inc({ route: this.#route, code });
      },
    });
    this.#s.metrics.connected.set({ connection: this.#route }, 0);
    this.#publish(true);
    this.#link.start();
    for (const poll of this.#polls) {
      const timer = setInterval(() => {
        this.#poll(poll);
      }, poll.everyMs);
      this.#timers.push(timer);
    }
    this.#log.info(
      { port: describeSelector(this.#c.port), protocol: this.#c.protocol, baud: this.#c.baud_rate },
      'serial bridge started',
    );
    return Promise.resolve();
  }

  quiesce(): void {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    this.#unregister?.();
    this.#unregister = undefined;
  }

  async stop(): Promise<void> {
    this.quiesce();
    this.#running = false;
    clearTimeout(this.#liveTimer);
    clearTimeout(this.#flushTimer);
    this.#queue.failAll(new CxpError('DEVICE_OFFLINE', `${this.name} is stopping`));
    this.#batch.flush();
    await this.#link.stop();
  }

  /** Runs one exchange (a command, a poll) through the port's queue. */
  exchange<R>(exchange: Exchange<R>): Promise<Result<R | undefined>> {
    if (!this.#link.isOpen)
      return Promise.resolve({
        ok: false,
        error: new CxpError('DEVICE_OFFLINE', `serial port ${this.id} is not open`, {
          details: { port: this.#link.path || describeSelector(this.#c.port) },
        }),
      });
    return this.#queue.submit(exchange);
  }

  #resolve(roots: ResolveRoots): Result<string> {
    const found = resolvePort(this.#c.port, roots);
    return found.ok ? { ok: true, value: found.value.path } : found;
  }

  #onState(state: 'open' | 'closed', reason: string | undefined): void {
    const now = performance.now();
    const m = this.#s.metrics;
    if (state === 'open') {
      this.#framer?.reset();
      this.#live.opened(now);
      this.#wasOpen = true;
      m.connected.set({ connection: this.#route }, 1);
    } else {
      this.#live.closed(reason ?? 'closed');
      m.connected.set({ connection: this.#route }, 0);
      if (this.#wasOpen) m.deviceDisconnects.inc({ device: this.id });
      this.#wasOpen = false;
      this.#queue.failAll(
        new CxpError('CONNECTION_LOST', `serial port ${this.id} closed: ${reason ?? 'closed'}`),
      );
      this.#inFlight.clear();
    }
    this.#publish();
  }

  #onData(chunk: Buffer): void {
    const now = performance.now();
    this.#count.bytes.inc(chunk.length);
    this.#lastChunkAt = now;
    if (this.#c.protocol === 'modbus_rtu') {
      if (!this.#queue.offer(chunk))
        this.#s.metrics.dropped.inc({ route: this.#route, reason: 'unsolicited' });
      return;
    }
    const framer = this.#framer;
    if (!framer) return;
    this.#events(framer.push(chunk, now), now);
    this.#armFlush(framer);
  }

  #events(events: ReturnType<Framer['push']>, now: number): void {
    for (const e of events) {
      if ('frame' in e) this.#frame(e.frame, now);
      else this.#frameError(e.error, now);
    }
    this.#afterInput(now);
  }

  #frame(frame: Buffer, now: number): void {
    this.#count.frames.inc();
    this.#live.data(now);
    if (this.#queue.offer(frame)) return;
    if (!this.#decoder) return;
    const decoded = this.#decoder.decode(frame, { source: this.#source, vars: { port: this.id } });
    if (decoded.ok) {
      this.#batch.add(decoded.value);
      return;
    }
    this.#live.error(now);
    this.#s.metrics.errors.inc({ route: this.#route, code: decoded.error.code });
    this.#log.debug(
      { code: decoded.error.code, err: decoded.error.message, ...decoded.error.details },
      'frame not decoded',
    );
  }

  #frameError(error: FrameError, now: number): void {
    this.#live.error(now);
    this.#s.metrics.errors.inc({ route: this.#route, code: error.code });
    this.#log.debug({ code: error.code, bytes: error.bytes, hex: error.excerpt }, 'frame dropped');
  }

  /** A framer with a timeout or gap needs a flush when the line goes quiet. */
  #armFlush(framer: Framer): void {
    const wait = flushAfterMs(this.#c);
    if (wait === undefined || framer.retained === 0 || this.#flushTimer !== undefined) return;
    const fire = () => {
      this.#flushTimer = undefined;
      const now = performance.now();
      const quiet = now - this.#lastChunkAt;
      if (quiet < wait) {
        this.#flushTimer = setTimeout(fire, Math.max(1, Math.ceil(wait - quiet)));
        return;
      }
      this.#events(framer.flush(now), now);
    };
    this.#flushTimer = setTimeout(fire, wait);
  }

  #poll(poll: CompiledPoll): void {
    if (!this.#link.isOpen || this.#inFlight.has(poll.name)) {
      if (this.#link.isOpen) this.#s.metrics.dropped.inc({ route: this.#route, reason: 'poll_overrun' });
      return;
    }
    this.#inFlight.add(poll.name);
    void this.#queue
      .submit<RtuResponse>({
        bytes: poll.bytes,
        reader: modbusReader(poll.request),
        timeoutMs: this.#c.modbus?.response_timeout_ms ?? 500,
        retries: this.#c.modbus?.retries ?? 0,
        counted: false,
        what: `poll ${poll.name}`,
      })
      .then((result) => {
        this.#inFlight.delete(poll.name);
        if (this.#running) this.#polled(poll, result);
      });
  }

  #polled(poll: CompiledPoll, result: Result<RtuResponse | undefined>): void {
    const now = performance.now();
    if (!result.ok || result.value === undefined) {
      const code = result.ok ? 'INTERNAL_ERROR' : result.error.code;
      if (code === 'CONNECTION_LOST' || code === 'DEVICE_OFFLINE') return;
      // A timeout is silence (liveness catches it); a corrupt or exception answer is an error.
      if (code !== 'DEVICE_TIMEOUT') this.#live.error(now);
      this.#s.metrics.errors.inc({ route: this.#route, code });
      this.#log.debug({ poll: poll.name, code, err: result.ok ? '' : result.error.message }, 'poll failed');
      this.#afterInput(now);
      return;
    }
    this.#count.frames.inc();
    this.#live.data(now);
    const values = poll.values(result.value);
    if (values) {
      const made = pollContributions(poll, values, { source: this.#source, port: this.id });
      this.#batch.add(made.inputs);
      for (const problem of made.problems) {
        this.#s.metrics.errors.inc({ route: this.#route, code: 'INVALID_CONTRIBUTION' });
        this.#log.debug({ poll: poll.name, problem }, 'poll value not stored');
      }
    }
    this.#afterInput(now);
  }

  /** After input: the liveness view may have changed (silence ended, a burst began). */
  #afterInput(now: number): void {
    if (this.#live.changed(now)) this.#write(this.#live.view(now), now);
    this.#armLiveness(now);
  }

  #publish(force = false): void {
    const now = performance.now();
    const view = this.#live.changed(now);
    if (view) this.#write(view, now);
    else if (force) this.#write(this.#live.view(now), now);
    this.#armLiveness(now);
  }

  #armLiveness(now: number): void {
    if (this.#liveTimer !== undefined || !this.#running) return;
    const at = this.#live.nextCheck(now);
    if (at === undefined) return;
    this.#liveTimer = setTimeout(
      () => {
        this.#liveTimer = undefined;
        this.#publish();
      },
      Math.max(1, Math.ceil(at - now)),
    );
  }

  /** The status entry and the device metrics. */
  #write(view: LivenessView, now: number): void {
    const m = this.#s.metrics;
    m.deviceUp.set({ device: this.id }, view.state === 'ok' ? 1 : 0);
    const codes = new Set<string>(view.faults.map((f) => f.code));
    for (const code of new Set([...this.#faultCodes, ...codes]))
      m.deviceFaults.set({ device: this.id, code }, codes.has(code) ? 1 : 0);
    this.#faultCodes = codes;
    const wall = this.#clock.now();
    const value = {
      kind: 'serial',
      protocol: this.#c.protocol,
      port: this.#link.path || describeSelector(this.#c.port),
      online: view.online,
      state: view.state,
      errors: view.faults.map((f) => ({ code: f.code, message: f.message, retryable: true })),
      last_data_at:
        view.lastDataAt === undefined ? null : new Date(wall - (now - view.lastDataAt)).toISOString(),
      changed_at: new Date(wall).toISOString(),
    };
    const put = this.#s.store.put({
      ref: `resources/serial/${this.id}`,
      source: this.#source,
      kind: 'device',
      value,
      confidence: 1,
    });
    if (!put.ok) this.#log.warn({ err: put.error.message }, 'serial status not stored');
    const log = view.state === 'ok' || view.state === 'opening' ? 'info' : 'warn';
    this.#log[log]({ state: view.state, faults: [...codes] }, 'serial device state');
  }
}
