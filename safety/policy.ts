import { isPlainObject } from '../src/cxp/data-model.js';
import { pickPath } from './paths.js';
import type { MessageOf } from '../src/cxp/schema/index.js';
import type { Principal } from '../src/context/policy.js';
import type { PolicyRule } from './config.js';
import { compileTargets, requestTarget, type TargetPattern } from './targets.js';

/**
 * Policy rules on ACTION_REQUESTs: a speed limit on what a request would command, the principals
 * and purposes allowed to send it. Pure and synchronous; an exception inside a check is a denial
 * (fail closed), as is a value that is not a finite number.
 */

export interface Violation {
  ruleId: string;
  kind: 'policy.speed_limit' | 'policy.permission_missing' | 'policy.evaluation_error';
  message: string;
  constraint?: { quantity: string; limit: number | null; observed: number | null; unit: string };
}

export interface PolicyCheck {
  readonly rule: PolicyRule;
  readonly applies: TargetPattern;
  check(request: MessageOf<'ACTION_REQUEST'>, principal: Principal | undefined): Violation | undefined;
}

export function compilePolicy(rule: PolicyRule): PolicyCheck {
  const applies = compileTargets(rule.actions);
  const check = rule.kind === 'speed_limit' ? speedCheck(rule) : requireCheck(rule);
  return {
    rule,
    applies,
    check(request, principal) {
      try {
        return check(request, principal);
      } catch (err) {
        return {
          ruleId: rule.id,
          kind: 'policy.evaluation_error',
          message: `rule ${rule.id} failed: ${err instanceof Error ? err.message : String(err)}`,
        };
      }
    },
  };
}

type Check = (
  request: MessageOf<'ACTION_REQUEST'>,
  principal: Principal | undefined,
) => Violation | undefined;

function speedCheck(rule: Extract<PolicyRule, { kind: 'speed_limit' }>): Check {
  return (request) => {
    let sum = 0;
    for (const field of rule.fields) {
      const v = pickPath(request.params ?? {}, field);
      if (v === undefined) continue; // an absent component is zero (ROS messages default to 0)
      if (typeof v !== 'number' || !Number.isFinite(v))
        return violation(rule, null, `${field} is ${JSON.stringify(v)}, not a finite number`);
      sum += v * v;
    }
    const speed = Math.sqrt(sum);
    // Positive check: allowed only when provably within the limit.
    return speed <= rule.max_mps
      ? undefined
      : violation(rule, speed, `speed ${round(speed)} m/s exceeds ${rule.max_mps} m/s`);
  };
}

function violation(
  rule: { id: string; max_mps: number },
  observed: number | null,
  message: string,
): Violation {
  return {
    ruleId: rule.id,
    kind: 'policy.speed_limit',
    message,
    constraint: { quantity: 'linear_speed', limit: rule.max_mps, observed, unit: 'm/s' },
  };
}

function requireCheck(rule: Extract<PolicyRule, { kind: 'require' }>): Check {
  return (request, principal) => {
    if (rule.principals && (principal === undefined || !rule.principals.includes(principal.id)))
      return {
        ruleId: rule.id,
        kind: 'policy.permission_missing',
        message: `principal ${principal?.id ?? '(none)'} may not send ${request.action}`,
      };
    const purpose = isPlainObject(request.params) ? request.params['purpose'] : undefined;
    if (rule.purposes && (typeof purpose !== 'string' || !rule.purposes.includes(purpose)))
      return {
        ruleId: rule.id,
        kind: 'policy.permission_missing',
        message: `${request.action} needs a purpose among ${rule.purposes.join(', ')}`,
      };
    return undefined;
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** Whether a check applies to this request. */
export function appliesTo(check: PolicyCheck, request: MessageOf<'ACTION_REQUEST'>): boolean {
  return check.applies(request.action, requestTarget(request));
}
