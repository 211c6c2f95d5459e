import { SECTIONS, type Section } from '../cxp/schema/common.js';

/**
 * Ref grammar: `<section>/<segment>[/<segment>...]`, at most 512 characters and 16 segments.
 * Segments use letters, digits and `_ . : @ ~ + -`; `.` and `..` alone are not segments.
 * Selectors (in CONTEXT_REQUEST) may also use `*` (one segment) and `**` (any number of segments).
 */

export const MAX_REF_LENGTH = 512;
export const MAX_REF_SEGMENTS = 16;
const SEGMENT = /^[A-Za-z0-9_.:@~+-]+$/;

export function isSection(value: string): value is Section {
  return (SECTIONS as readonly string[]).includes(value);
}

/** Refs already found valid: the same refs come back with every signal. Bounded, cleared when full. */
const knownRefs = new Set<string>();
const KNOWN_REFS_MAX = 20_000;

/** Why a string is not a ref, or undefined when it is one. */
export function refProblem(ref: string): string | undefined {
  if (knownRefs.has(ref)) return undefined;
  const problem = checkRef(ref);
  if (problem === undefined) {
    if (knownRefs.size >= KNOWN_REFS_MAX) knownRefs.clear();
    knownRefs.add(ref);
  }
  return problem;
}

function checkRef(ref: string): string | undefined {
  if (ref.length === 0 || ref.length > MAX_REF_LENGTH) return `a ref has 1 to ${MAX_REF_LENGTH} characters`;
  const segments = ref.split('/');
  if (segments.length < 2) return 'a ref is <section>/<name>';
  if (segments.length > MAX_REF_SEGMENTS + 1)
    return `a ref has at most ${MAX_REF_SEGMENTS} segments after the section`;
  const [section, ...rest] = segments;
  if (section === undefined || !isSection(section))
    return `unknown section "${section ?? ''}"; sections are ${SECTIONS.join(', ')}`;
  for (const segment of rest) {
    if (!SEGMENT.test(segment) || segment === '.' || segment === '..') return `bad segment "${segment}"`;
  }
  return undefined;
}

export function isRef(ref: string): boolean {
  return refProblem(ref) === undefined;
}

/** The section of a valid ref. */
export function sectionOf(ref: string): Section {
  return ref.slice(0, ref.indexOf('/')) as Section;
}

export function isSelector(item: string): boolean {
  return item.includes('*');
}

/** A compiled selector: matches refs against a glob of `*` and `**` segments. */
export class RefSelector {
  readonly #segments: string[];

  constructor(pattern: string) {
    this.#segments = pattern === '*' || pattern === '**' ? ['**'] : pattern.split('/');
  }

  /** Why the pattern is not a selector, or undefined when it is one. */
  static problem(pattern: string): string | undefined {
    if (pattern.length === 0 || pattern.length > MAX_REF_LENGTH) return 'a selector has 1 to 512 characters';
    if (pattern === '*' || pattern === '**') return undefined;
    const segments = pattern.split('/');
    if (segments.length > MAX_REF_SEGMENTS + 1) return 'too many segments';
    const [section, ...rest] = segments;
    if (section === undefined || (section !== '*' && !isSection(section)))
      return `unknown section "${section ?? ''}"`;
    for (const s of rest) {
      if (s !== '*' && s !== '**' && !SEGMENT.test(s)) return `bad segment "${s}"`;
    }
    return undefined;
  }

  matches(ref: string): boolean {
    return matchSegments(this.#segments, ref.split('/'));
  }

  /** True when the selector matches every ref (`*`, `**`), so no matching is needed. */
  get matchesAll(): boolean {
    return this.#segments.length === 1 && this.#segments[0] === '**';
  }

  /** The literal text every match starts with (up to the first wildcard segment), for narrowing. */
  get literalPrefix(): string {
    const literal: string[] = [];
    for (const s of this.#segments) {
      if (s === '*' || s === '**') break;
      literal.push(s);
    }
    return literal.length === 0 ? '' : `${literal.join('/')}/`;
  }
}

/**
 * Whether pattern segments match ref segments, in O(pattern x ref) time (a table over suffixes;
 * no backtracking, so no selector can make matching slow).
 */
function matchSegments(pattern: readonly string[], ref: readonly string[]): boolean {
  const cols = ref.length + 1;
  // next[j]: pattern[i+1..] matches ref[j..]; cur[j]: pattern[i..] matches ref[j..]
  let next = new Array<boolean>(cols).fill(false);
  next[ref.length] = true;
  for (let i = pattern.length - 1; i >= 0; i--) {
    const p = pattern[i];
    const cur = new Array<boolean>(cols).fill(false);
    for (let j = ref.length; j >= 0; j--) {
      if (p === '**') cur[j] = next[j] === true || (j < ref.length && cur[j + 1] === true);
      else cur[j] = j < ref.length && (p === '*' || p === ref[j]) && next[j + 1] === true;
    }
    next = cur;
  }
  return next[0] === true;
}
