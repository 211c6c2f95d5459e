import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { SafetySection } from './config.js';
import { checkSafetyConfig } from './config-check.js';

const section = (input: Record<string, unknown>) => Value.Default(SafetySection, input) as SafetySection;

describe('checkSafetyConfig', () => {
  it('accepts a disabled supervisor without rules, and a sound enabled one', () => {
    expect(checkSafetyConfig(section({}))).toEqual([]);
    expect(
      checkSafetyConfig(
        section({
          enabled: true,
          pose_ref: 'world/robot/pose',
          rules: [
            {
              kind: 'heartbeat',
              id: 'a',
              ref: 'world/robot/heartbeat',
              timeout_ms: 500,
              severity: 'PROTECTIVE',
            },
            { kind: 'device', id: 'b', severity: 'WARNING' },
            { kind: 'range', id: 'c', ref: 'world/*/t', min: 0, max: 1, severity: 'INFO' },
            { kind: 'require', id: 'd', actions: ['x'] },
          ],
        }),
      ),
    ).toEqual([]);
  });

  it('reports every problem with its path', () => {
    expect(
      checkSafetyConfig(
        section({
          enabled: true,
          pose_ref: 'nowhere/pose',
          rules: [
            { kind: 'heartbeat', id: 'a', ref: 'bogus/x', timeout_ms: 500, severity: 'PROTECTIVE' },
            { kind: 'range', id: 'a', ref: 'world/t', min: 2, max: 1, severity: 'INFO' },
            { kind: 'device', id: 'd', refs: ['resources/ok/*', 'nope/**'], severity: 'WARNING' },
          ],
        }),
      ).map((p) => p.path),
    ).toEqual(['/rules/0/ref', '/rules/1/id', '/rules/1/max', '/rules/2/refs/1', '/pose_ref']);
    expect(checkSafetyConfig(section({ enabled: true }))[0]?.message).toMatch(/at least one rule/);
  });
});
