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

/**
 * A filter split into levels once, so matching a message costs one split of its topic (shared by all
 * filters) and a walk over the levels, with no allocation when it does not match.
 */
export class TopicFilter {
  readonly filter: string;
  readonly #levels: readonly string[];
  readonly #wildFirst: boolean;

  constructor(filter: string) {
    this.filter = filter;
    this.#levels = filter.split('/');
    this.#wildFirst = filter.startsWith('+') || filter.startsWith('#');
  }

  /** The captures, given the topic and its levels (`topic.split('/')`), or undefined. */
  capture(topic: string, levels: readonly string[]): TopicCaptures | undefined {
    if (!this.test(topic, levels)) return undefined;
    const plus: string[] = [];
    for (let i = 0; i < this.#levels.length; i++) {
      const part = this.#levels[i];
      if (part === '#') return { plus, rest: levels.slice(i).join('/') };
      if (part === '+') plus.push(levels[i] ?? '');
    }
    return { plus, rest: undefined };
  }

  test(topic: string, levels: readonly string[]): boolean {
    if (this.#wildFirst && topic.startsWith('$')) return false;
    const f = this.#levels;
    for (let i = 0; i < f.length; i++) {
      const part = f[i];
      if (part === '#') return true;
      if (i >= levels.length) return false;
      if (part !== '+' && part !== levels[i]) return false;
    }
    return f.length === levels.length;
  }
}

export function matchTopic(filter: string, topic: string): TopicCaptures | undefined {
  return new TopicFilter(filter).capture(topic, topic.split('/'));
}

/** Boolean matching is the broker's ACL matcher (one implementation for both). */
export { isValidTopicFilter, isValidTopicName, topicMatches } from './broker/acl.js';
