import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, delimiter, join } from 'node:path';
import {
  MessageRegistry,
  type BuiltRegistry,
  type MsgSource,
  type RegistryOptions,
  type RegistryProblem,
} from './registry.js';

/**
 * Reads extra .msg files from disk for the registry (the only file of the message layer that does
 * I/O). Nothing here throws: a directory or file that cannot be read becomes a problem with its path.
 */

export interface MsgDirectory {
  path: string;
  /**
   * When set, `path` holds this package's .msg files directly (`path/Type.msg`). Otherwise `path`
   * holds packages laid out as in a ROS install's share/ directory (`path/<pkg>/msg/Type.msg`).
   */
  package?: string;
}

export interface MsgFileOptions {
  /** Directories from the config; a later directory overrides an earlier one. */
  directories?: readonly MsgDirectory[];
  /**
   * The value of `AMENT_PREFIX_PATH` (prefixes joined by `:`), when ROS 2 is sourced: every
   * `<prefix>/share/<pkg>/msg/*.msg` is read. As in ROS, an earlier prefix (an overlay) wins.
   */
  amentPrefixPath?: string;
  /** Files larger than this are skipped as problems (default 1 MiB; real .msg files are a few KiB). */
  maxFileBytes?: number;
}

export interface MsgSources {
  /** In rising priority: ament prefixes (last to first), then config directories (first to last). */
  sources: MsgSource[];
  problems: RegistryProblem[];
}

const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

/** Reads every .msg file the options point at. */
export async function readMsgSources(options: MsgFileOptions): Promise<MsgSources> {
  const out: MsgSources = { sources: [], problems: [] };
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const prefixes = (options.amentPrefixPath ?? '').split(delimiter).filter((p) => p !== '');
  for (const prefix of prefixes.reverse()) {
    await readPackagesDir(join(prefix, 'share'), maxBytes, out);
  }
  for (const dir of options.directories ?? []) {
    if (dir.package === undefined) await readPackagesDir(dir.path, maxBytes, out);
    else await readPackageMsgDir(dir.path, dir.package, maxBytes, out, { required: true });
  }
  return out;
}

/** Reads the files, then builds the registry over the built-ins; every problem is in the result. */
export async function loadMessageRegistry(
  options: MsgFileOptions & RegistryOptions = {},
): Promise<BuiltRegistry> {
  const { sources, problems } = await readMsgSources(options);
  const built = MessageRegistry.build(sources, options);
  return { ...built, problems: [...problems, ...built.problems] };
}

async function readPackagesDir(path: string, maxBytes: number, out: MsgSources): Promise<void> {
  const packages = await list(path, out);
  if (packages === undefined) return;
  for (const pkg of packages) {
    await readPackageMsgDir(join(path, pkg, 'msg'), pkg, maxBytes, out, { required: false });
  }
}

async function readPackageMsgDir(
  path: string,
  pkg: string,
  maxBytes: number,
  out: MsgSources,
  options: { required: boolean },
): Promise<void> {
  // Packages without messages have no msg/ directory; only a configured directory must exist.
  const names = await list(path, options.required ? out : undefined);
  if (names === undefined) return;
  const files = names.filter((n) => n.endsWith('.msg'));
  // One package at a time keeps the number of open files bounded (a full ROS install has ~1000).
  const read = await Promise.all(files.map((name) => readMsgFile(join(path, name), maxBytes)));
  for (const [i, result] of read.entries()) {
    const file = join(path, files[i] ?? '');
    if (typeof result === 'string') {
      out.sources.push({ type: `${pkg}/msg/${basename(file, '.msg')}`, text: result, origin: file });
    } else {
      out.problems.push({ origin: file, message: result.problem });
    }
  }
}

async function readMsgFile(path: string, maxBytes: number): Promise<string | { problem: string }> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return { problem: 'not a regular file' };
    if (info.size > maxBytes) return { problem: `${info.size} bytes is more than the ${maxBytes} allowed` };
    return await readFile(path, 'utf8');
  } catch (err) {
    return { problem: `cannot read: ${errorText(err)}` };
  }
}

/** Sorted entry names (so loading is deterministic), or undefined when the directory is not there. */
async function list(path: string, problems: MsgSources | undefined): Promise<string[] | undefined> {
  try {
    return (await readdir(path)).sort();
  } catch (err) {
    problems?.problems.push({ origin: path, message: `cannot read directory: ${errorText(err)}` });
    return undefined;
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
