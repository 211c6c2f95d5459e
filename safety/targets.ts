import type { MessageOf } from '../src/cxp/schema/index.js';

/**
 * Which requests a rule names: `<action>` or `<action>:<target>`, `*` matching any run of
 * characters. The target of a request is its `target`, or for `ros2.publish` the topic it writes
 * (`ros2.publish:/cmd_vel`). Pure.
 */

export type TargetPattern = (action: string, target: string | undefined) => boolean;

export function compileTargets(patterns: readonly string[]): TargetPattern {
  const compiled = patterns.map((p) => {
    const colon = p.indexOf(':');
    const action = glob(colon < 0 ? p : p.slice(0, colon));
    const target = colon < 0 ? undefined : glob(p.slice(colon + 1));
    return { action, target };
  });
  return (action, target) =>
    compiled.some(
      (c) =>
        c.action.test(action) && (c.target === undefined || (target !== undefined && c.target.test(target))),
    );
}

/** The target a request acts on, for matching. */
export function requestTarget(request: MessageOf<'ACTION_REQUEST'>): string | undefined {
  const topic = request.params?.['topic'];
  if (request.action === 'ros2.publish' && typeof topic === 'string') return topic;
  return request.target;
}

function glob(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}
