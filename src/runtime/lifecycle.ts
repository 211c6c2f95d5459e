import type { Logger } from 'pino';
import { CxpError } from '../cxp/errors.js';

/**
 * A part of the gateway with an ordered life: started in registration order, stopped in reverse.
 * Stopping is two-phase: every component first stops taking new work (`quiesce`), then each one
 * drains and closes (`stop`), in reverse start order.
 */
export interface Component {
  readonly name: string;
  /**
   * Loads and builds what `start` needs (e.g. a plugin's implementation module); optional. Every
   * component is prepared, in order, before the first one starts.
   */
  prepare?(): Promise<void>;
  start(signal: AbortSignal): Promise<void>;
  /** Refuse new commands and input; optional. */
  quiesce?(): Promise<void> | void;
  /** Drain and release everything. Must be idempotent. */
  stop(): Promise<void>;
}

export interface LifecycleOptions {
  logger: Logger;
  /** Upper bound on the whole stop; components still running after it are abandoned and logged. */
  stopTimeoutMs: number;
}

export type LifecycleState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export class Lifecycle {
  readonly #components: Component[] = [];
  readonly #started: Component[] = [];
  readonly #options: LifecycleOptions;
  readonly #abort = new AbortController();
  #state: LifecycleState = 'idle';
  #stopping: Promise<void> | undefined;

  constructor(options: LifecycleOptions) {
    this.#options = options;
  }

  get state(): LifecycleState {
    return this.#state;
  }

  add(component: Component): void {
    if (this.#state !== 'idle')
      throw new CxpError('INTERNAL_ERROR', `cannot add ${component.name} after start`);
    this.#components.push(component);
  }

  /**
   * Prepares, then starts every component in order; on a failure, stops what already started and
   * rethrows.
   */
  async start(): Promise<void> {
    this.#state = 'starting';
    for (const c of this.#components) {
      try {
        await c.prepare?.();
      } catch (err) {
        await this.#fail(c, 'failed to load', err);
      }
    }
    for (const c of this.#components) {
      const log = this.#options.logger.child({ component: c.name });
      try {
        await c.start(this.#abort.signal);
        this.#started.push(c);
        log.debug('started');
      } catch (err) {
        await this.#fail(c, 'failed to start', err);
      }
    }
    this.#state = 'running';
  }

  async #fail(c: Component, what: string, err: unknown): Promise<never> {
    this.#options.logger.child({ component: c.name }).error({ err }, what);
    this.#state = 'failed';
    await this.stop();
    this.#state = 'failed';
    throw err;
  }

  /** Idempotent ordered stop under the deadline. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stopAll();
    return this.#stopping;
  }

  async #stopAll(): Promise<void> {
    if (this.#state !== 'failed') this.#state = 'stopping';
    this.#abort.abort();
    const deadline = Date.now() + this.#options.stopTimeoutMs;
    const reversed = [...this.#started].reverse();
    for (const c of reversed) await this.#bounded(c, 'quiesce', deadline);
    for (const c of reversed) await this.#bounded(c, 'stop', deadline);
    if (this.#state !== 'failed') this.#state = 'stopped';
  }

  async #bounded(c: Component, phase: 'quiesce' | 'stop', deadline: number): Promise<void> {
    const log = this.#options.logger.child({ component: c.name });
    const left = Math.max(0, deadline - Date.now());
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>(
      (resolve) =>
        (timer = setTimeout(() => {
          resolve('timeout');
        }, left)),
    );
    try {
      const work = phase === 'quiesce' ? Promise.resolve(c.quiesce?.()) : c.stop();
      const outcome = await Promise.race([work.then(() => 'done' as const), timeout]);
      if (outcome === 'timeout') log.error({ phase }, 'did not finish before the stop deadline; abandoned');
    } catch (err) {
      log.error({ err, phase }, 'failed while stopping');
    } finally {
      clearTimeout(timer);
    }
  }
}
