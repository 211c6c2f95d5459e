import { CxpError, fail, ok, type Result } from '../cxp/errors.js';
import type { DiffOp } from '../cxp/schema/context-messages.js';
import { fromWire, type Stored } from './contribution.js';
import { refProblem } from './refs.js';

/** A diff op checked and turned into what the store applies. */
export type CheckedOp =
  | { kind: 'upsert'; op: 'add' | 'replace'; ref: string; stored: Stored }
  | { kind: 'remove'; ref: string; source: string | undefined };

/** Validates every op before any is applied, so a bad diff changes nothing. */
export function validateOps(ops: readonly DiffOp[], maxValueBytes: number): Result<CheckedOp[]> {
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
      out.push({
        kind: 'upsert',
        op: op.op,
        ref: op.ref,
        stored: fromWire(op.value, op.provenance, op.policy, maxValueBytes),
      });
    } catch (err) {
      const error = err instanceof CxpError ? err : new CxpError('MALFORMED_MESSAGE', String(err));
      return fail(error.code, `ops/${i}: ${error.message}`, { details: { index: i, ...error.details } });
    }
  }
  return ok(out);
}

/** The diff op that records a checked op (built from the stored, frozen contribution). */
export function opOf(checked: CheckedOp): DiffOp {
  if (checked.kind === 'remove') {
    return checked.source === undefined
      ? { op: 'remove', ref: checked.ref }
      : { op: 'remove', ref: checked.ref, provenance: { source: checked.source } };
  }
  const c = checked.stored.contribution;
  const op: DiffOp = { op: checked.op, ref: checked.ref, value: c.value, provenance: c.provenance };
  if (c.policy !== undefined) op.policy = c.policy;
  return op;
}
