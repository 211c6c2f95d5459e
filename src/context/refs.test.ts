import { describe, expect, it } from 'vitest';
import { checkPolicy } from './policy.js';
import { isRef, refProblem, RefSelector, sectionOf } from './refs.js';

describe('refs', () => {
  it.each([
    'world/robot/amr-1/pose',
    'resources/printers/zebra-1',
    'safety/x',
    'memory/mem_332',
    'task/a:b@c~d+e.f',
  ])('accepts %s', (ref) => {
    expect(isRef(ref)).toBe(true);
  });

  it.each([
    ['', /1 to 512/],
    ['mem_332', /<section>\/<name>/],
    ['robots/x', /unknown section/],
    ['world/', /bad segment/],
    ['world/a b', /bad segment/],
    ['world/..', /bad segment/],
    ['world/*', /bad segment/],
    [`world/${'a/'.repeat(17)}a`, /at most 16/],
    [`world/${'a'.repeat(600)}`, /1 to 512/],
  ])('rejects %j', (ref, why) => {
    expect(refProblem(ref)).toMatch(why);
  });

  it('knows the section', () => {
    expect(sectionOf('resources/printers/zebra-1')).toBe('resources');
  });
});

describe('selectors', () => {
  const cases: [string, string, boolean][] = [
    ['world/*', 'world/a', true],
    ['world/*', 'world/a/b', false],
    ['world/**', 'world/a/b', true],
    ['world/**', 'world/a', true],
    ['*/printers/*', 'resources/printers/z1', true],
    ['resources/*/z1', 'resources/printers/z1', true],
    ['resources/**/status', 'resources/printers/z1/status', true],
    ['resources/**/status', 'resources/printers/z1/media', false],
    ['**', 'task/x', true],
    ['*', 'task/x/y', true],
    ['world/a', 'world/a', true],
  ];
  it.each(cases)('%s matches %s: %s', (pattern, ref, expected) => {
    expect(RefSelector.problem(pattern)).toBeUndefined();
    expect(new RefSelector(pattern).matches(ref)).toBe(expected);
  });

  it.each(['', 'robots/*', 'world/a b/*', `world/${'*/'.repeat(17)}*`])('rejects selector %j', (pattern) => {
    expect(RefSelector.problem(pattern)).toBeDefined();
  });
});

describe('policy', () => {
  const operator = { id: 'op-1', roles: ['operator'] };

  it('allows everything without a policy or with empty lists', () => {
    expect(checkPolicy(undefined, {})).toEqual({ allowed: true });
    expect(checkPolicy({ purpose: [], audience: [] }, {})).toEqual({ allowed: true });
  });

  it('checks the audience by id, role and *', () => {
    expect(checkPolicy({ audience: ['op-1'] }, { principal: operator }).allowed).toBe(true);
    expect(checkPolicy({ audience: ['role:operator'] }, { principal: operator }).allowed).toBe(true);
    expect(checkPolicy({ audience: ['*'] }, { principal: { id: 'x' } }).allowed).toBe(true);
    expect(checkPolicy({ audience: ['*'] }, {})).toMatchObject({
      allowed: false,
      reason: 'audience_not_allowed',
    });
    expect(checkPolicy({ audience: ['role:admin'] }, { principal: operator })).toMatchObject({
      allowed: false,
    });
  });

  it('needs a listed purpose when purposes are restricted', () => {
    expect(checkPolicy({ purpose: ['maintenance'] }, {})).toMatchObject({ reason: 'purpose_required' });
    expect(checkPolicy({ purpose: ['maintenance'] }, { purpose: 'billing' })).toMatchObject({
      reason: 'purpose_not_allowed',
    });
    expect(checkPolicy({ purpose: ['maintenance'] }, { purpose: 'maintenance' }).allowed).toBe(true);
    expect(checkPolicy({ purpose: ['*'] }, {}).allowed).toBe(true);
  });
});
