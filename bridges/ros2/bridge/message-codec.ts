import type { Logger } from 'pino';
import type { Result } from '../../../src/cxp/errors.js';
import { decodeJson, encodeJson, loadMessageRegistry, RosCodec, type JsonObject } from '../msgs/index.js';
import type { Ros2BridgeConfig } from './config.js';

/** What the bridge needs of the message layer: CDR <-> the documented JSON mapping. */
export interface RosMessageCodec {
  /** `binary: 'bytes'` keeps uint8 arrays as bytes (MessagePack); the default is base64 (JSON). */
  decode(type: string, cdr: Uint8Array, binary?: 'base64' | 'bytes'): Result<JsonObject>;
  encode(type: string, json: unknown): Result<Uint8Array>;
  has(type: string): boolean;
}

/**
 * The codec over the built-in definitions, the bridge's `msg_dirs` and, when ROS 2 is sourced,
 * every `$AMENT_PREFIX_PATH/share/<pkg>/msg`. Definitions that do not parse are logged and skipped.
 */
export async function createMessageCodec(
  config: Ros2BridgeConfig,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): Promise<RosMessageCodec> {
  const built = await loadMessageRegistry({
    directories: config.msg_dirs.map((d) => ({ path: d.path, ...(d.package ? { package: d.package } : {}) })),
    ...(env.AMENT_PREFIX_PATH ? { amentPrefixPath: env.AMENT_PREFIX_PATH } : {}),
    ...(env.ROS_DISTRO ? { distro: env.ROS_DISTRO } : {}),
  });
  for (const p of built.problems)
    logger.warn({ origin: p.origin, type: p.type }, `message definition skipped: ${p.message}`);
  for (const n of built.notes) logger.info({ origin: n.origin, type: n.type }, n.message);
  const codec = new RosCodec(built.registry);
  return {
    decode: (type, cdr, binary = 'base64') => decodeJson(codec, type, cdr, { binary }),
    encode: (type, json) => encodeJson(codec, type, json),
    has: (type) => built.registry.has(type),
  };
}
