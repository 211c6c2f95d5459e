import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parseDocument } from 'yaml';
import { isPlainObject } from '../../cxp/data-model.js';
import { BrokerConfig, checkBrokerSecurity } from '../../../bridges/mqtt/broker/config.js';
import { SafetySection } from '../../../safety/config.js';
import { checkSafetyConfig } from '../../../safety/config-check.js';
import type { PluginRegistry } from '../plugins.js';
import {
  ContextSection,
  CxpSection,
  GatewaySection,
  HttpSection,
  LogSection,
  MqttSection,
} from './sections.js';

/** One problem in a config: where (JSON Pointer into the config) and what. */
export interface ConfigIssue {
  path: string;
  message: string;
}

const PluginEntry = Type.Object(
  {
    kind: Type.String({
      minLength: 1,
      description: 'Plugin kind; see the plugin list in docs/configuration.md.',
    }),
    id: Type.String({
      pattern: '^[A-Za-z0-9_.-]{1,64}$',
      description: 'Instance id, unique among its list.',
    }),
  },
  { additionalProperties: true },
);

export const ConfigSchema = Type.Object(
  {
    gateway: GatewaySection,
    log: LogSection,
    http: HttpSection,
    broker: Type.Object(BrokerConfig.properties, { additionalProperties: false, default: {} }),
    mqtt: MqttSection,
    cxp: CxpSection,
    context: ContextSection,
    bridges: Type.Array(PluginEntry, {
      default: [],
      description: 'Bridge plugin instances (kind: mqtt, ...).',
    }),
    devices: Type.Array(PluginEntry, {
      default: [],
      description: 'Device plugin instances (kind: zebra, ipp, ...).',
    }),
    safety: SafetySection,
  },
  { additionalProperties: false, title: 'cxp-edge configuration' },
);

/** The validated configuration: defaults applied, gateway id resolved, deeply frozen. */
export type GatewayConfig = Static<typeof ConfigSchema> & { gateway: { id: string } };

export interface LoadConfigOptions {
  /** YAML text of the config file ('' for none). */
  text: string;
  /** Environment: CXP_EDGE_<SECTION>__<KEY>=value overrides (see applyEnvOverrides). */
  env: Readonly<Record<string, string | undefined>>;
  hostname: string;
  plugins: PluginRegistry;
}

export type LoadResult = { ok: true; config: GatewayConfig } | { ok: false; issues: ConfigIssue[] };

/** Parses, overrides, validates completely (every issue reported) and freezes a config. */
export function loadConfig(options: LoadConfigOptions): LoadResult {
  const doc = parseDocument(options.text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((e) => ({ path: `line ${e.linePos?.[0].line ?? '?'}`, message: e.message })),
    };
  }
  const raw: unknown = doc.toJS() ?? {};
  if (!isPlainObject(raw))
    return { ok: false, issues: [{ path: '/', message: 'the config must be a mapping' }] };
  const issues: ConfigIssue[] = [];
  applyEnvOverrides(raw, options.env, issues);
  const config = validateWith(ConfigSchema, raw, '', issues) as GatewayConfig;
  validatePlugins(config, options.plugins, issues);
  if (issues.length === 0) crossChecks(config, issues);
  if (issues.length > 0) return { ok: false, issues };
  const gateway = config.gateway as { id?: string };
  gateway.id ??= sanitizeId(options.hostname);
  return { ok: true, config: deepFreeze(config) };
}

/** Defaults then every validation error, one per path, under `prefix`. */
function validateWith(schema: TSchema, value: unknown, prefix: string, issues: ConfigIssue[]): unknown {
  const withDefaults = Value.Default(schema, Value.Clone(value));
  const seen = new Set<string>();
  for (const e of Value.Errors(schema, withDefaults)) {
    const path = `${prefix}${e.path}` || '/';
    if (seen.has(path)) continue;
    seen.add(path);
    issues.push({ path, message: describe(e.message, e.value) });
  }
  return withDefaults;
}

function describe(message: string, value: unknown): string {
  if (message === 'Unexpected property') return 'unknown key (not in the schema)';
  if (value === undefined) return message;
  const shown = JSON.stringify(value) as string | undefined;
  return `${message} (got ${(shown ?? typeof value).slice(0, 60)})`;
}

function validatePlugins(config: GatewayConfig, plugins: PluginRegistry, issues: ConfigIssue[]): void {
  for (const list of ['bridges', 'devices'] as const) {
    const entries: unknown = config[list];
    if (!Array.isArray(entries)) continue; // already reported by the schema
    const ids = new Set<string>();
    entries.forEach((entry: unknown, i) => {
      if (!isPlainObject(entry) || typeof entry.kind !== 'string') return;
      const plugin = plugins.get(entry.kind);
      if (!plugin) {
        issues.push({
          path: `/${list}/${i}/kind`,
          message: `unknown kind "${entry.kind}"; known: ${plugins.kinds().join(', ')}`,
        });
        return;
      }
      if (typeof entry.id === 'string' && ids.has(entry.id))
        issues.push({ path: `/${list}/${i}/id`, message: `duplicate id "${entry.id}"` });
      if (typeof entry.id === 'string') ids.add(entry.id);
      const checked = validateWith(plugin.configSchema, entry, `/${list}/${i}`, issues);
      config[list][i] = checked as (typeof config)[typeof list][number];
      for (const p of pluginCheck(plugin, checked)) {
        const path = `/${list}/${i}${p.path}`;
        if (!issues.some((x) => x.path === path)) issues.push({ path, message: p.message });
      }
    });
  }
}

/** A plugin's own checks; an entry too malformed for them is already reported by the schema. */
function pluginCheck(plugin: { check?: (c: never) => { path: string; message: string }[] }, entry: unknown) {
  try {
    return plugin.check?.(entry as never) ?? [];
  } catch {
    return [];
  }
}

function crossChecks(config: GatewayConfig, issues: ConfigIssue[]): void {
  if (config.broker.enabled) {
    for (const problem of checkBrokerSecurity(config.broker))
      issues.push({ path: '/broker', message: problem });
  }
  if (config.mqtt.password_file !== undefined && config.mqtt.password_env !== undefined) {
    issues.push({ path: '/mqtt', message: 'give password_file or password_env, not both' });
  }
  if (!config.broker.enabled && config.mqtt.url === undefined) {
    issues.push({ path: '/mqtt/url', message: 'required when the embedded broker is disabled' });
  }
  for (const p of checkSafetyConfig(config.safety))
    issues.push({ path: `/safety${p.path}`, message: p.message });
  if (config.mqtt.reconnect.max_ms < config.mqtt.reconnect.initial_ms) {
    issues.push({ path: '/mqtt/reconnect/max_ms', message: 'must not be below initial_ms' });
  }
}

const ENV_PREFIX = 'CXP_EDGE_';

/**
 * `CXP_EDGE_HTTP__PORT=9500` sets `http.port`: the name after the prefix, lower-cased, with `__`
 * between keys. Values are read as YAML scalars (numbers, booleans, strings). Arrays are not
 * addressable; an override naming a key that is not an object path is reported.
 */
export function applyEnvOverrides(
  target: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
  issues: ConfigIssue[],
): void {
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || raw === undefined) continue;
    const keys = name.slice(ENV_PREFIX.length).toLowerCase().split('__');
    if (keys.some((k) => k === '' || k === '__proto__')) {
      issues.push({ path: `env ${name}`, message: 'malformed override name' });
      continue;
    }
    let node: Record<string, unknown> = target;
    for (const key of keys.slice(0, -1)) {
      const next = node[key] ?? {};
      if (!isPlainObject(next)) {
        issues.push({ path: `env ${name}`, message: `"${key}" is not a section` });
        node = {};
        break;
      }
      node[key] = next;
      node = next;
    }
    node[keys[keys.length - 1] ?? ''] = parseDocument(raw).toJS() as unknown;
  }
}

function sanitizeId(hostname: string): string {
  const id = hostname.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 64);
  return id === '' ? 'cxp-edge' : id;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
