/**
 * Which segments an MQTT topic filter captured: `+` matches one level, a trailing `#` the rest
 * (including the parent level); a filter starting with a wildcard never matches a `$` topic
 * (MQTT 3.1.1 §4.7.2). Plain true/false matching lives in broker/acl.ts.
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

/** Boolean matching is the broker's ACL matcher (one implementation for both). */
export { isValidTopicFilter, isValidTopicName, topicMatches } from './broker/acl.js';
