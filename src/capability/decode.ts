import type { Static, TObject } from '@sinclair/typebox';
import { fail, ok, type Result } from '../cxp/errors.js';
import { SchemaChecker, type ValidationIssue } from '../cxp/validate.js';

/** Checks untrusted input against a schema; a mismatch is INVALID_PARAMS with `details.errors`. */
export function decodeWith<T extends TObject>(
  checker: SchemaChecker<T>,
  value: unknown,
  what: string,
): Result<Static<T>> {
  if (checker.check(value)) return ok(value);
  const errors = checker.issues(value);
  return fail('INVALID_PARAMS', `invalid ${what}: ${describe(errors)}`, { details: { errors } });
}

/** The first issue as text, for an error message. */
export function describe(errors: readonly ValidationIssue[]): string {
  const first = errors[0];
  return first === undefined ? 'does not match its schema' : `${first.path}: ${first.message}`;
}

const checkers = new WeakMap<TObject, SchemaChecker<TObject>>();

/** A compiled checker per schema, compiled once on first use. */
export function checkerFor(schema: TObject): SchemaChecker<TObject> {
  let checker = checkers.get(schema);
  if (checker === undefined) {
    checker = new SchemaChecker(schema);
    checkers.set(schema, checker);
  }
  return checker;
}
