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

/** Why a string is not a ref, or undefined when it is one. */
export function refProblem(ref: string): string | undefined {
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
    return matchSegments(this.#segments, 0, ref.split('/'), 0);
  }
}

function matchSegments(pattern: string[], pi: number, ref: string[], ri: number): boolean {
  if (pi === pattern.length) return ri === ref.length;
  const p = pattern[pi];
  if (p === '**') {
    for (let skip = ri; skip <= ref.length; skip++) {
      if (matchSegments(pattern, pi + 1, ref, skip)) return true;
    }
    return false;
  }
  if (ri === ref.length) return false;
  return (p === '*' || p === ref[ri]) && matchSegments(pattern, pi + 1, ref, ri + 1);
}
