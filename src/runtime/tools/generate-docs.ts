/**
 * Writes the generated documentation artefacts (docs/schemas/**, docs/errors.md).
 * `--check` writes nothing and exits 1 when any file on disk differs (CI runs this).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedDocs } from './generated-docs.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const check = process.argv.includes('--check');

const stale: string[] = [];
for (const [file, content] of generatedDocs()) {
  const path = join(root, file);
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current === content) continue;
  if (check) {
    stale.push(file);
    continue;
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
  console.log(`wrote ${file}`);
}
if (stale.length > 0) {
  console.error(`stale generated files (run \`npm run gen\`):\n  ${stale.join('\n  ')}`);
  process.exitCode = 1;
} else if (check) {
  console.log('generated docs are up to date');
}
