import type { TObject } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { Clock } from '../cxp/clock.js';
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
