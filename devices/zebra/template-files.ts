import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fail, ok, type Result } from '../../src/cxp/errors.js';
import { compileTemplate, TEMPLATE_NAME, type CompiledTemplate } from './template.js';
import type { ZplCheckOptions } from './zpl.js';

/** Template files for the Zebra provider: the I/O beside the pure template compiler. */

export interface TemplateSources {
  inline?: Record<string, string>;
  /** Template name -> file path. */
  files?: Record<string, string>;
  /** A directory of `*.zpl` files; the name is the file name without `.zpl`. */
  dir?: string;
}

interface Problem {
  path: string;
  message: string;
}

const reason = (err: unknown): string => (err instanceof Error ? err.message : String(err));

function templateFiles(sources: TemplateSources, problems: Problem[]): [name: string, path: string][] {
  const files = Object.entries(sources.files ?? {});
  if (sources.dir === undefined) return files;
  try {
    const entries = readdirSync(sources.dir, { withFileTypes: true })
      .filter((e) => /\.zpl$/i.test(e.name) && (e.isFile() || e.isSymbolicLink()))
      .map((e) => e.name)
      .sort();
    for (const file of entries) files.push([basename(file).slice(0, -4), join(sources.dir, file)]);
  } catch (err) {
    problems.push({ path: sources.dir, message: `cannot read the template directory: ${reason(err)}` });
  }
  return files;
}

/**
 * Loads and compiles every template (inline texts, named files, a directory of *.zpl). Every problem is
 * reported at once as INVALID_CONFIG with `details.problems` [{path, message}].
 */
export function loadTemplates(
  sources: TemplateSources,
  options: ZplCheckOptions = {},
): Result<Map<string, CompiledTemplate>> {
  const problems: Problem[] = [];
  const texts: [name: string, path: string, text: string][] = [];
  for (const [name, text] of Object.entries(sources.inline ?? {})) texts.push([name, `inline.${name}`, text]);
  for (const [name, path] of templateFiles(sources, problems)) {
    try {
      texts.push([name, path, readFileSync(path, 'utf8')]);
    } catch (err) {
      problems.push({ path, message: `cannot read: ${reason(err)}` });
    }
  }
  const templates = new Map<string, CompiledTemplate>();
  const seen = new Set<string>();
  for (const [name, path, text] of texts) {
    if (!TEMPLATE_NAME.test(name)) problems.push({ path, message: `template name "${name}" is not allowed` });
    else if (seen.has(name)) problems.push({ path, message: `template "${name}" is defined twice` });
    else {
      seen.add(name);
      const compiled = compileTemplate(name, text, options);
      if (compiled.ok) templates.set(name, compiled.value);
      else problems.push({ path, message: compiled.error.message });
    }
  }
  if (problems.length === 0) return ok(templates);
  return fail('INVALID_CONFIG', `${problems.length} template problem(s)`, { details: { problems } });
}
