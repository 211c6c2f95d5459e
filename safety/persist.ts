import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { literalUnion } from '../src/cxp/schema/common.js';
import { SEVERITIES } from '../src/cxp/schema/safety-event.js';

/**
 * The latched conditions saved across a restart, and their file format. Pure: text in, checked
 * data out (or why it cannot be trusted). Restoring power must not re-enable motion by itself, so
 * a latched condition comes back open after a restart; a file that cannot be read is a fault of its
 * own, never a silent fresh start.
 */

export const SavedCondition = Type.Object(
  {
    key: Type.String({ minLength: 1, maxLength: 1024 }),
    rule_id: Type.String({ minLength: 1, maxLength: 64 }),
    kind: Type.String({ pattern: '^(fault|policy)\\.[a-z0-9_]+$', maxLength: 128 }),
    subject: Type.String({ minLength: 1, maxLength: 1024 }),
    message: Type.String({ maxLength: 4096 }),
    severity: literalUnion(SEVERITIES),
    acked: Type.Boolean(),
    instance: Type.Integer({ minimum: 1 }),
    occurrences: Type.Integer({ minimum: 1 }),
    /** Wall clock, epoch ms. */
    first_raised_at: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type SavedCondition = Static<typeof SavedCondition>;

export const LatchedState = Type.Object(
  {
    format: Type.Literal('cxp-edge/safety-latched/1'),
    boot_id: Type.String({ minLength: 1, maxLength: 128 }),
    saved_at: Type.Integer({ minimum: 0 }),
    conditions: Type.Array(SavedCondition, { maxItems: 100_000 }),
  },
  { additionalProperties: false },
);
export type LatchedState = Static<typeof LatchedState>;

export function serializeLatched(state: LatchedState): string {
  return `${JSON.stringify(state)}\n`;
}

/** The saved state, or why it cannot be trusted. */
export function parseLatched(
  text: string,
): { ok: true; state: LatchedState } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `not JSON: ${(err as Error).message}` };
  }
  if (!Value.Check(LatchedState, value)) {
    const first = [...Value.Errors(LatchedState, value)].slice(0, 1).map((e) => `${e.path} ${e.message}`);
    return { ok: false, reason: `not a latched-state file: ${first.join('')}` };
  }
  return { ok: true, state: value };
}
