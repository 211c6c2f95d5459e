import { RefSelector, refProblem } from '../src/context/refs.js';
import type { SafetySection } from './config.js';

/**
 * Checks of the `safety:` section the schema cannot express, every problem with its path: an
 * enabled supervisor without rules (it would allow every action), duplicate rule ids, refs and
 * selectors that can never match, an empty range.
 */
export function checkSafetyConfig(section: SafetySection): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  if (section.enabled && section.rules.length === 0)
    problems.push({
      path: '/rules',
      message: 'an enabled supervisor needs at least one rule (without any it would allow every action)',
    });
  const ids = new Set<string>();
  section.rules.forEach((rule, i) => {
    const at = `/rules/${i}`;
    if (ids.has(rule.id)) problems.push({ path: `${at}/id`, message: `duplicate rule id "${rule.id}"` });
    ids.add(rule.id);
    const refs =
      rule.kind === 'heartbeat' || rule.kind === 'range'
        ? [rule.ref]
        : rule.kind === 'device'
          ? rule.refs
          : [];
    refs.forEach((ref, j) => {
      const problem = ref.includes('*') ? RefSelector.problem(ref) : refProblem(ref);
      if (problem !== undefined)
        problems.push({ path: rule.kind === 'device' ? `${at}/refs/${j}` : `${at}/ref`, message: problem });
    });
    if (rule.kind === 'range' && rule.min !== undefined && rule.max !== undefined && rule.min > rule.max)
      problems.push({ path: `${at}/max`, message: 'must not be below min' });
  });
  const pose = section.pose_ref === undefined ? undefined : refProblem(section.pose_ref);
  if (pose !== undefined) problems.push({ path: '/pose_ref', message: pose });
  return problems;
}
