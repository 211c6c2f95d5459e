import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  canPublish,
  canSubscribe,
  filterCovers,
  isValidTopicFilter,
  isValidTopicName,
  topicMatches,
  type TopicAcl,
} from './acl.js';

describe('isValidTopicName', () => {
  it.each([
    ['a', true],
    ['a/b/c', true],
    ['/a', true],
    ['a//b', true],
    ['a/', true],
    ['$SYS/x', true],
    [' ', true],
    ['', false],
    ['a/+', false],
    ['a/#', false],
    ['a+b', false],
    ['a\u0000b', false],
    ['x'.repeat(65_536), false],
  ])('%j → %s', (topic, valid) => {
    expect(isValidTopicName(topic)).toBe(valid);
  });
});

describe('isValidTopicFilter', () => {
  it.each([
    ['#', true],
    ['+', true],
    ['a/#', true],
    ['a/+/b', true],
    ['+/+/#', true],
    ['/#', true],
    ['$SYS/#', true],
    ['a//+', true],
    ['', false],
    ['a/#/b', false],
    ['#/a', false],
    ['a#', false],
    ['a/b#', false],
    ['a+', false],
    ['a/+b/c', false],
    ['++', false],
    ['a\u0000', false],
  ])('%j → %s', (filter, valid) => {
    expect(isValidTopicFilter(filter)).toBe(valid);
  });
});

describe('topicMatches', () => {
  it.each([
    ['a/b', 'a/b', true],
    ['a/b', 'a/c', false],
    ['a/b', 'a/b/c', false],
    ['a/b/c', 'a/b', false],
    ['a/+', 'a/b', true],
    ['a/+', 'a/', true],
    ['a/+', 'a', false],
    ['a/+', 'a/b/c', false],
    ['+/b', 'a/b', true],
    ['+/+', '/b', true],
    ['+', 'a', true],
    ['+', '/a', false],
    ['a/#', 'a', true],
    ['a/#', 'a/b', true],
    ['a/#', 'a/b/c/d', true],
    ['a/#', 'ab', false],
    ['a/#', 'b/a', false],
    ['#', 'a/b/c', true],
    ['#', '/', true],
    ['a/+/#', 'a/b', true],
    ['a/+/#', 'a', false],
    ['/#', '/a', true],
    ['/#', 'a', false],
    // $-topics are not matched by a leading wildcard (MQTT-4.7.2-1) ...
    ['#', '$SYS/broker', false],
    ['+/broker', '$SYS/broker', false],
    ['+', '$x', false],
    // ... but are by a filter that names them, and a wildcard later in the filter is fine.
    ['$SYS/#', '$SYS/broker/uptime', true],
    ['$SYS/+', '$SYS/x', true],
    ['a/#', 'a/$b', true],
    ['a/+', 'a/$b', true],
  ])('%j matches %j → %s', (filter, topic, match) => {
    expect(topicMatches(filter, topic)).toBe(match);
  });
});

describe('filterCovers', () => {
  it.each([
    // allowed, requested, covered
    ['plant/#', 'plant/+/temp', true],
    ['plant/#', 'plant/#', true],
    ['plant/#', 'plant', true],
    ['plant/#', 'plant/a/b/#', true],
    ['plant/+/temp', 'plant/#', false],
    ['plant/+/temp', 'plant/+/temp', true],
    ['plant/+/temp', 'plant/a/temp', true],
    ['plant/+/temp', 'plant/+/+', false],
    ['plant/+/temp', 'plant/+', false],
    ['plant/a/temp', 'plant/+/temp', false],
    ['plant/+', 'plant/+/#', false],
    ['plant/+', 'plant', false],
    ['plant/+/#', 'plant/#', false],
    ['plant/+/#', 'plant/a/#', true],
    ['plant/+/#', 'plant/a', true],
    ['plant/a', 'plant/a/#', false],
    ['#', '#', true],
    ['#', '+/+', true],
    ['#', 'anything/at/all', true],
    ['+', '+', true],
    ['+', '#', false],
    ['+/#', '#', false],
    // $ topics: a leading wildcard never covers a literal $ level
    ['#', '$SYS/#', false],
    ['+/#', '$SYS/x', false],
    ['$SYS/#', '$SYS/+/x', true],
    ['$SYS/#', '#', false],
  ])('%j covers %j → %s', (allowed, requested, covered) => {
    expect(filterCovers(allowed, requested)).toBe(covered);
  });
});

describe('canPublish and canSubscribe', () => {
  const acl: TopicAcl = {
    publish: ['plant/+/cmd', 'robots/r1/#', 'bad/#/filter'],
    subscribe: ['plant/#', 'robots/+/state'],
  };

  it.each([
    ['plant/line1/cmd', true],
    ['plant/line1/state', false],
    ['robots/r1', true],
    ['robots/r1/arm/joint', true],
    ['robots/r2/arm', false],
    ['bad/x/filter', false],
    ['plant/+/cmd', false],
    ['', false],
  ])('publish to %j → %s', (topic, allowed) => {
    expect(canPublish(acl, topic)).toBe(allowed);
  });

  it.each([
    ['plant/#', true],
    ['plant/+/temp', true],
    ['plant', true],
    ['robots/+/state', true],
    ['robots/r9/state', true],
    ['robots/#', false],
    ['robots/+/+', false],
    ['#', false],
    ['plant/#/x', false],
    ['', false],
  ])('subscribe to %j → %s', (filter, allowed) => {
    expect(canSubscribe(acl, filter)).toBe(allowed);
  });

  it('denies everything with an empty access list', () => {
    const none: TopicAcl = { publish: [], subscribe: [] };
    expect(canPublish(none, 'a')).toBe(false);
    expect(canSubscribe(none, 'a')).toBe(false);
  });
});

/** An independent, recursive reference matcher for the property tests. */
function referenceMatch(filter: readonly string[], topic: readonly string[], first: boolean): boolean {
  const [head, ...rest] = filter;
  if (head === undefined) return topic.length === 0;
  const dollar = first && topic[0]?.startsWith('$') === true;
  if (head === '#') return !dollar;
  const [level, ...remaining] = topic;
  if (level === undefined) return false;
  if (head === '+') return !dollar && referenceMatch(rest, remaining, false);
  return head === level && referenceMatch(rest, remaining, false);
}

const level = fc.constantFrom('a', 'b', '$s', '');
const topicArb = fc.array(level, { minLength: 1, maxLength: 5 }).map((l) => l.join('/'));
const filterArb = fc
  .tuple(fc.array(fc.oneof(level, fc.constant('+')), { minLength: 0, maxLength: 4 }), fc.boolean())
  .filter(([levels, hash]) => levels.length > 0 || hash)
  .map(([levels, hash]) => [...levels, ...(hash ? ['#'] : [])].join('/'));

describe('topic filter properties', () => {
  it('topicMatches agrees with a reference matcher', () => {
    fc.assert(
      fc.property(filterArb, topicArb, (filter, topic) => {
        expect(topicMatches(filter, topic)).toBe(referenceMatch(filter.split('/'), topic.split('/'), true));
      }),
      { numRuns: 2000 },
    );
  });

  it('a covering filter matches every topic the covered one matches', () => {
    fc.assert(
      fc.property(filterArb, filterArb, topicArb, (allowed, requested, topic) => {
        fc.pre(filterCovers(allowed, requested) && topicMatches(requested, topic));
        expect(topicMatches(allowed, topic)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
