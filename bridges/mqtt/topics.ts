/**
 * MQTT topic filters: `+` matches one level, a trailing `#` the rest (including the parent level);
 * a filter starting with a wildcard never matches a `$` topic (MQTT 3.1.1 §4.7.2).
 */

/** The segments a filter's wildcards captured: one per `+`, then the `#` remainder if any. */
export interface TopicCaptures {
  plus: string[];
  rest: string | undefined;
}

export function matchTopic(filter: string, topic: string): TopicCaptures | undefined {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return undefined;
  const f = filter.split('/');
  const t = topic.split('/');
  const plus: string[] = [];
  for (let i = 0; i < f.length; i++) {
    const part = f[i];
    if (part === '#') return { plus, rest: t.slice(i).join('/') };
    const level = t[i];
    if (level === undefined) return undefined;
    if (part === '+') plus.push(level);
    else if (part !== level) return undefined;
  }
  return f.length === t.length ? { plus, rest: undefined } : undefined;
}

export function topicMatches(filter: string, topic: string): boolean {
  return matchTopic(filter, topic) !== undefined;
}

/** Why a string is not a valid topic filter, or undefined. */
export function filterProblem(filter: string): string | undefined {
  if (filter.length === 0 || filter.length > 65_535) return 'a topic filter has 1 to 65535 characters';
  const parts = filter.split('/');
  for (const [i, p] of parts.entries()) {
    if (p.includes('#') && (p !== '#' || i !== parts.length - 1)) return '# must be a whole last level';
    if (p.includes('+') && p !== '+') return '+ must be a whole level';
  }
  return filter.includes('\u0000') ? 'NUL is not allowed' : undefined;
}

/** A topic name for publishing: no wildcards, no NUL, not empty. */
export function topicProblem(topic: string): string | undefined {
  if (topic.length === 0 || topic.length > 65_535) return 'a topic has 1 to 65535 characters';
  if (hasWildcardOrNul(topic)) return 'a topic has no wildcards or NUL';
  return undefined;
}

function hasWildcardOrNul(s: string): boolean {
  return s.includes('#') || s.includes('+') || s.includes('\u0000');
}
