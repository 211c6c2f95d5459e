import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './peers.js';

/** Runs the real CLI (from source); the timeout turns a process that never exits into a failure. */
export function cli(...args: string[]): {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
} {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/runtime/cli.ts'), ...args], {
    encoding: 'utf8',
    cwd: ROOT,
    timeout: 30_000,
  });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}
