import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Replaces a file atomically: the text goes to `<path>.tmp`, then a rename. With `sync`, the file
 * is fsynced before the rename and its directory after it, so the new content survives a power cut.
 */
export function writeFileAtomicSync(path: string, text: string, options: { sync: boolean }): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    if (options.sync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  if (options.sync) fsyncDirSync(dirname(path));
}

export function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
