/**
 * MQTT 3.1.1 topic names, topic filters and access lists. Pure: no I/O, no state.
 *
 * - `+` matches exactly one level (which may be empty), `#` matches the rest including the parent
 *   (`a/#` matches `a`), and neither matches a topic whose first level starts with `$` when the
 *   wildcard is the filter's first level (MQTT-4.7.2-1).
 * - A subscription filter is allowed when one allowed filter covers it: every topic the requested
 *   filter can match is matched by the allowed one.
 */

export interface TopicAcl {
  /** Topic filters the principal may publish to. */
  readonly publish: readonly string[];
  /** Topic filters that bound what the principal may subscribe to. */
  readonly subscribe: readonly string[];
}

/** The longest topic or filter accepted, in UTF-8 bytes (the MQTT string limit). */
export const MAX_TOPIC_BYTES = 65_535;

function hasValidText(value: string): boolean {
  return value.length > 0 && !value.includes('\u0000') && Buffer.byteLength(value) <= MAX_TOPIC_BYTES;
}

/** A topic name a client may publish to: no wildcards, not empty, no NUL. */
export function isValidTopicName(topic: string): boolean {
  return hasValidText(topic) && !topic.includes('+') && !topic.includes('#');
}

/** A topic filter: `+` and `#` only as whole levels, `#` only as the last level. */
export function isValidTopicFilter(filter: string): boolean {
  if (!hasValidText(filter)) return false;
  const levels = filter.split('/');
  return levels.every((level, i) => {
    if (level === '#') return i === levels.length - 1;
    if (level === '+') return true;
    return !level.includes('+') && !level.includes('#');
  });
}

const isWildcard = (level: string | undefined): boolean => level === '+' || level === '#';

/**
 * Whether every topic matched by `requested` is also matched by `allowed`. Both must be valid
 * filters; a topic name is a filter without wildcards, so this also answers "does it match".
 */
export function filterCovers(allowed: string, requested: string): boolean {
  const a = allowed.split('/');
  const r = requested.split('/');
  // A leading wildcard never matches a `$` topic; a requested filter with a literal `$` first level
  // is then not covered (one starting with a wildcard matches no `$` topic either, so it may be).
  if (isWildcard(a[0]) && r[0]?.startsWith('$') === true) return false;
  for (let i = 0; i < a.length; i++) {
    const al = a[i];
    if (al === '#') return true;
    const rl = r[i];
    if (rl === undefined || rl === '#') return false;
    if (al !== '+' && rl !== al) return false;
  }
  return r.length === a.length;
}

/** Whether the filter matches the topic name (both assumed valid). */
export function topicMatches(filter: string, topic: string): boolean {
  return filterCovers(filter, topic);
}

/** The principal may publish to this topic name. */
export function canPublish(acl: TopicAcl, topic: string): boolean {
  if (!isValidTopicName(topic)) return false;
  return acl.publish.some((filter) => isValidTopicFilter(filter) && topicMatches(filter, topic));
}

/** The principal may subscribe to this filter: one of its allowed filters covers it. */
export function canSubscribe(acl: TopicAcl, filter: string): boolean {
  if (!isValidTopicFilter(filter)) return false;
  return acl.subscribe.some((allowed) => isValidTopicFilter(allowed) && filterCovers(allowed, filter));
}
