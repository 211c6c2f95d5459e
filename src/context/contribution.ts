import { Type, type TObject } from '@sinclair/typebox';
import { checkDataModel, truncateText, utf8Length } from '../cxp/data-model.js';
import { SchemaChecker } from '../cxp/validate.js';
import { CxpError } from '../cxp/errors.js';
import { Policy, Provenance } from '../cxp/schema/common.js';
import { formatTimestamp, parseDuration, parseTimestamp } from '../cxp/time.js';
import { refProblem } from './refs.js';

/** One source's contribution to one ref: the unit the store keeps, diffs and replicates. */
export interface Contribution {
  value: unknown;
  /** Always carries source, stamp and confidence once stored. */
  provenance: Provenance & { stamp: string; confidence: number };
  policy?: Policy;
}

/** What a bridge, device or peer hands the store. */
export interface ContributionInput {
  ref: string;
  source: string;
  value: unknown;
  /** Epoch ms or RFC 3339; defaults to the store clock. */
  stamp?: number | string;
  /** 0..1, default 1. */
  confidence?: number;
  kind?: string;
  principal?: string;
  via?: string[];
  policy?: Policy;
}

/** A stored contribution with its parsed times, for ordering and expiry. */
export interface Stored {
  contribution: Contribution;
  stampMs: number;
  expiresAtMs: number | undefined;
}

const MAX_VALUE_DEPTH = 32;

function invalid(message: string, details: Record<string, unknown> = {}): CxpError {
  return new CxpError('INVALID_CONTRIBUTION', message, { details });
}

export interface NormalizeOptions {
  defaultRetention: string | undefined;
  /** Largest value accepted, as UTF-8 JSON bytes. */
  maxValueBytes: number;
}

const provenanceChecker = new SchemaChecker(Provenance);
/** Provenance as the caller gives it: every field but the stamp, which the store formats itself. */
const provenanceInputChecker = new SchemaChecker(
  Type.Composite([Type.Omit(Provenance, ['stamp']), Type.Object({ stamp: Type.Literal('') })]),
);
const policyChecker = new SchemaChecker(Policy);

/** Validates an input and builds the stored (deeply frozen) form. Throws CxpError (caught by the store). */
export function normalizeInput(input: ContributionInput, now: number, options: NormalizeOptions): Stored {
  const problem = refProblem(input.ref);
  if (problem !== undefined) {
    throw new CxpError('INVALID_REF', `${truncateText(input.ref, 64)}: ${problem}`, {
      details: { ref: truncateText(input.ref, 512) },
    });
  }
  const confidence = input.confidence ?? 1;
  if (!(confidence >= 0 && confidence <= 1))
    throw invalid(`confidence ${String(confidence)} is outside 0..1`);
  checkValue(input.value, options.maxValueBytes);
  const stampMs = stampToMs(input.stamp, now);
  const provenance: Contribution['provenance'] = {
    source: input.source,
    stamp: '',
    confidence,
  };
  if (input.kind !== undefined) provenance.kind = input.kind;
  if (input.principal !== undefined) provenance.principal = input.principal;
  if (input.via !== undefined) provenance.via = Array.isArray(input.via) ? [...input.via] : input.via;
  // Checked before the stamp is set: the stamp is formatted here and needs no RFC 3339 check.
  checkShape(provenanceInputChecker, provenance, 'provenance');
  provenance.stamp = formatTimestamp(stampMs);
  const contribution: Contribution = { value: cloneValue(input.value), provenance };
  if (input.policy !== undefined) {
    checkShape(policyChecker, input.policy, 'policy');
    contribution.policy = structuredClone(input.policy);
  }
  return freeze(
    withExpiry(contribution, stampMs, now, input.policy?.retention_ttl ?? options.defaultRetention),
  );
}

function checkValue(value: unknown, maxBytes: number): void {
  const issue = checkDataModel(value, MAX_VALUE_DEPTH);
  if (issue)
    throw invalid(`value ${truncateText(issue.path, 256) || '/'}: ${issue.message}`, { errors: [issue] });
  const bytes = utf8Length(JSON.stringify(value));
  if (bytes > maxBytes)
    throw invalid(`value of ${bytes} bytes exceeds the limit of ${maxBytes}`, {
      size: bytes,
      limit: maxBytes,
    });
}

function checkShape(checker: SchemaChecker<TObject>, value: unknown, what: string): void {
  if (!checker.check(value)) {
    const issues = checker.issues(value, 4);
    throw invalid(`${what}${issues[0]?.path ?? ''}: ${issues[0]?.message ?? 'invalid'}`, { errors: issues });
  }
}

/** Stored contributions are shared with readers (diffs, lookups), so nobody may change them. */
function freeze(stored: Stored): Stored {
  deepFreeze(stored.contribution);
  return stored;
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (const item of value) deepFreeze(item);
    return;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) deepFreeze(record[key]);
}

function stampToMs(stamp: number | string | undefined, now: number): number {
  if (stamp === undefined) return now;
  const ms = typeof stamp === 'number' ? stamp : parseTimestamp(stamp);
  if (ms === undefined || !Number.isFinite(ms) || ms < 0 || ms > 8.64e15) {
    throw invalid(`stamp ${truncateText(String(stamp), 40)} is not epoch ms or RFC 3339`);
  }
  return ms;
}

/** Retention counts from when the store received the contribution, not from the source stamp. */
function withExpiry(
  contribution: Contribution,
  stampMs: number,
  now: number,
  ttl: string | undefined,
): Stored {
  if (ttl === undefined) return { contribution, stampMs, expiresAtMs: undefined };
  const ms = parseDuration(ttl);
  if (ms === undefined)
    throw invalid(`retention_ttl "${truncateText(ttl, 32)}" is not a duration like 2h or 1h30m`);
  const expiresAtMs = now + ms;
  contribution.provenance.expires_at = formatTimestamp(expiresAtMs);
  return { contribution, stampMs, expiresAtMs };
}

/** Rebuilds the stored form of a contribution received from a peer (diff or full expand). */
export function fromWire(
  value: unknown,
  provenance: Provenance,
  policy: Policy | undefined,
  maxValueBytes: number,
): Stored {
  checkShape(provenanceChecker, provenance, 'provenance');
  const stampMs = provenance.stamp === undefined ? undefined : parseTimestamp(provenance.stamp);
  if (stampMs === undefined) throw invalid('provenance.stamp is required on replicated contributions');
  checkValue(value, maxValueBytes);
  if (policy !== undefined) checkShape(policyChecker, policy, 'policy');
  const expires = provenance.expires_at === undefined ? undefined : parseTimestamp(provenance.expires_at);
  const contribution: Contribution = {
    value: cloneValue(value),
    provenance: {
      ...structuredClone(provenance),
      stamp: provenance.stamp ?? '',
      confidence: provenance.confidence ?? 1,
    },
  };
  if (policy !== undefined) contribution.policy = structuredClone(policy);
  return freeze({ contribution, stampMs, expiresAtMs: expires });
}

/** A private copy; -0 becomes 0 as it would on the wire (nested ones are normalised by checkDataModel). */
function cloneValue(value: unknown): unknown {
  if (Object.is(value, -0)) return 0;
  return typeof value === 'object' && value !== null ? structuredClone(value) : value;
}

/**
 * The resolved view: the highest confidence wins, then the newest stamp, then the smallest source id.
 * Deterministic, so every replica resolves the same way; losers are kept, never overwritten.
 */
export function pickWinner(candidates: readonly Stored[]): Stored | undefined {
  let best: Stored | undefined;
  for (const c of candidates) {
    if (best === undefined || beats(c, best)) best = c;
  }
  return best;
}

function beats(a: Stored, b: Stored): boolean {
  const ca = a.contribution.provenance.confidence;
  const cb = b.contribution.provenance.confidence;
  if (ca !== cb) return ca > cb;
  if (a.stampMs !== b.stampMs) return a.stampMs > b.stampMs;
  return a.contribution.provenance.source < b.contribution.provenance.source;
}
