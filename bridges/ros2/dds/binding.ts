import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The native module's functions (bridges/ros2/dds/native/cxp_dds.c). Handles are DDS entity ids. */
export interface DdsQos {
  reliability: 'reliable' | 'best_effort';
  durability: 'volatile' | 'transient_local';
  history: 'keep_last' | 'keep_all';
  depth: number;
  deadlineMs?: number;
  livelinessLeaseMs?: number;
  lifespanMs?: number;
}

export interface NativeEndpoint {
  kind: 'publication' | 'subscription';
  alive: boolean;
  topic: string;
  type: string;
  participant: string;
  endpoint: string;
}

export interface DdsBinding {
  version(): string;
  createDomain(domainId: number, configXml: string): number;
  createParticipant(domainId: number): number;
  createTopic(participant: number, topicName: string, typeName: string): number;
  createWriter(participant: number, topic: number, qos: DdsQos): number;
  write(writer: number, bytes: Uint8Array): void;
  createReader(
    participant: number,
    topic: number,
    qos: DdsQos,
    /** A batch: `bytes` holds the samples back to back, `meta` (offset, length, sourceTimeMs) each. */
    callback: (bytes: Buffer, meta: Float64Array) => void,
    maxQueued: number,
  ): number;
  watchEndpoints(participant: number, callback: (e: NativeEndpoint) => void, maxQueued: number): number[];
  readerStats(reader: number): { delivered: number; dropped: number };
  matched(entity: number): number;
  guid(entity: number): string;
  deleteEntity(handle: number): void;
}

export type BindingLoad = { ok: true; binding: DdsBinding; path: string } | { ok: false; reason: string };

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Where the built addon may be: CXP_DDS_ADDON, then beside the sources (running from source), then
 * from dist/ back to the sources (the compiled gateway; the addon is built in place by node-gyp).
 */
export function addonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const rel = join('native', 'build', 'Release', 'cxp_dds.node');
  const candidates = [join(here, rel), join(here, '..', '..', '..', '..', 'bridges', 'ros2', 'dds', rel)];
  return env.CXP_DDS_ADDON ? [env.CXP_DDS_ADDON, ...candidates] : candidates;
}

let cached: BindingLoad | undefined;

/** Loads the addon once; the reason says what to do when it is missing or does not load. */
export function loadDdsBinding(env: NodeJS.ProcessEnv = process.env): BindingLoad {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const tried: string[] = [];
  for (const path of addonCandidates(env)) {
    if (!existsSync(path)) {
      tried.push(path);
      continue;
    }
    try {
      cached = { ok: true, binding: require(path) as DdsBinding, path };
      return cached;
    } catch (err) {
      cached = {
        ok: false,
        reason: `the DDS addon at ${path} does not load: ${err instanceof Error ? err.message : String(err)}`,
      };
      return cached;
    }
  }
  cached = {
    ok: false,
    reason:
      'the DDS addon is not built (npm run build:dds; it needs Cyclone DDS: apt install cyclonedds-dev, ' +
      `CYCLONEDDS_HOME or a sourced ROS 2); looked in ${tried.join(', ')}`,
  };
  return cached;
}
