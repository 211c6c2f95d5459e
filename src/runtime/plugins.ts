import type { TObject } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { Clock } from '../cxp/clock.js';
import { CxpError } from '../cxp/errors.js';
import type { Component } from './lifecycle.js';

/**
 * Bridges and devices are plugins: a kind, the schema of its config entry and a factory. The
 * registry is static (no filesystem scanning); unknown kinds fail config validation.
 */
export interface PluginContext<C> {
  /** This instance's config, validated, defaults applied, frozen. */
  config: Readonly<C>;
  logger: Logger;
  clock: Clock;
  signal: AbortSignal;
}

export interface Plugin<C = unknown, S = unknown> {
  /** e.g. "mqtt", "zebra" */
  kind: string;
  /** Schema of one config entry (it includes `kind` and `id`). */
  configSchema: TObject;
  /** Checks beyond the schema (filters, templates); problems with paths relative to the entry. */
  check?(config: C): { path: string; message: string }[];
  create(context: PluginContext<C>, services: S): Component;
}

export class PluginRegistry<S = unknown> {
  readonly #plugins = new Map<string, Plugin<unknown, S>>();

  register<C>(plugin: Plugin<C, S>): this {
    if (this.#plugins.has(plugin.kind)) throw new Error(`plugin kind "${plugin.kind}" registered twice`);
    this.#plugins.set(plugin.kind, plugin);
    return this;
  }

  get(kind: string): Plugin<unknown, S> | undefined {
    return this.#plugins.get(kind);
  }

  kinds(): string[] {
    return [...this.#plugins.keys()].sort();
  }
}

/**
 * A component whose implementation is imported and built only when the gateway starts, so a
 * gateway pays in memory only for the plugins its config names. `load` is called once (by
 * `prepare`, or by `start` when nothing prepared it); its failure is the component's start failure.
 * `quiesce` and `stop` go to the loaded component; `stop` is idempotent, and stops a component that
 * was built but never started (its constructor may have registered providers or checks).
 */
export class LazyComponent<T extends Component = Component> implements Component {
  readonly name: string;
  readonly #load: () => Promise<T>;
  #loading: Promise<T> | undefined;
  #inner: T | undefined;
  #stopping: Promise<void> | undefined;

  constructor(name: string, load: () => Promise<T>) {
    this.name = name;
    this.#load = load;
  }

  /** The implementation, once loaded. */
  get inner(): T | undefined {
    return this.#inner;
  }

  async prepare(): Promise<void> {
    await this.#loaded();
  }

  async start(signal: AbortSignal): Promise<void> {
    if (this.#stopped()) throw new CxpError('INTERNAL_ERROR', `${this.name} was stopped before it started`);
    const inner = await this.#loaded();
    if (this.#stopped()) return; // stopped while loading: stop() releases it
    await inner.start(signal);
  }

  async quiesce(): Promise<void> {
    await this.#inner?.quiesce?.();
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stopLoaded();
    return this.#stopping;
  }

  async #stopLoaded(): Promise<void> {
    const inner = await this.#loading?.catch(() => undefined);
    await inner?.stop();
  }

  /** A method, not the field: a stop may come while start awaits the load. */
  #stopped(): boolean {
    return this.#stopping !== undefined;
  }

  #loaded(): Promise<T> {
    this.#loading ??= this.#load().then((inner) => (this.#inner = inner));
    return this.#loading;
  }
}

/** See {@link LazyComponent}. */
export function lazyComponent<T extends Component>(name: string, load: () => Promise<T>): LazyComponent<T> {
  return new LazyComponent(name, load);
}
