import { CxpError, fail, ok, type Result } from '../cxp/errors.js';
import type { DiffOp } from '../cxp/schema/context-messages.js';
import { fromWire, type Stored } from './contribution.js';
import { refProblem } from './refs.js';

/** A diff op checked and turned into what the store applies. */
export type CheckedOp =
  | { kind: 'upsert'; ref: string; stored: Stored }
  | { kind: 'remove'; ref: string; source: string | undefined };

/** Validates every op before any is applied, so a bad diff changes nothing. */
export function validateOps(ops: readonly DiffOp[]): Result<CheckedOp[]> {
  const out: CheckedOp[] = [];
  for (const [i, op] of ops.entries()) {
    const problem = refProblem(op.ref);
    if (problem !== undefined)
      return fail('INVALID_REF', `ops/${i}: ${problem}`, { details: { index: i, ref: op.ref } });
    if (op.op === 'remove') {
      out.push({ kind: 'remove', ref: op.ref, source: op.provenance?.source });
      continue;
    }
    if (op.provenance === undefined || !('value' in op)) {
      return fail('MALFORMED_MESSAGE', `ops/${i}: ${op.op} needs value and provenance`, {
        details: { index: i },
      });
    }
    try {
      out.push({ kind: 'upsert', ref: op.ref, stored: fromWire(op.value, op.provenance, op.policy) });
    } catch (err) {
      const error = err instanceof CxpError ? err : new CxpError('MALFORMED_MESSAGE', String(err));
      return fail(error.code, `ops/${i}: ${error.message}`, { details: { index: i, ...error.details } });
    }
  }
  return ok(out);
}

/** Applies checked ops in order to the store's entry map. */
export function applyOps(
  entries: Map<string, Map<string, Stored>>,
  ops: readonly CheckedOp[],
  onStored: (stored: Stored) => void,
): void {
  for (const op of ops) {
    if (op.kind === 'upsert') {
      let sources = entries.get(op.ref);
      if (!sources) {
        sources = new Map();
        entries.set(op.ref, sources);
      }
      sources.set(op.stored.contribution.provenance.source, op.stored);
      onStored(op.stored);
      continue;
    }
    const sources = entries.get(op.ref);
    if (!sources) continue;
    if (op.source === undefined) sources.clear();
    else sources.delete(op.source);
    if (sources.size === 0) entries.delete(op.ref);
  }
}
