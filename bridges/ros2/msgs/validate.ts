import type { MessageDefinitionField } from '@foxglove/message-definition';
import { isPlainObject, isWellFormed, utf8Length } from '../../../src/cxp/data-model.js';
import { fieldsOf, primitive, type Schema } from './schema.js';
import { childPath, MAX_ISSUES, type FieldIssue } from './types.js';

/**
 * Checks a value against a message definition before it is written, so a wrong type or a missing
 * field is reported with its path instead of being silently written as zero (which is what
 * @foxglove/rosmsg2-serialization's MessageWriter does). Pure; collects up to MAX_ISSUES issues.
 */

export interface ValidateOptions {
  /** Missing fields take their ROS default (the .msg default, else zero/empty) instead of being errors. */
  fillDefaults?: boolean;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

interface Ctx {
  schema: Schema;
  issues: FieldIssue[];
  fillDefaults: boolean;
}

export function validateMessage(schema: Schema, value: unknown, options: ValidateOptions = {}): FieldIssue[] {
  const ctx: Ctx = { schema, issues: [], fillDefaults: options.fillDefaults === true };
  checkStruct(ctx, schema.root, value, '');
  return ctx.issues;
}

function add(ctx: Ctx, path: string, message: string): void {
  if (ctx.issues.length < MAX_ISSUES) ctx.issues.push({ path, message });
}

function full(ctx: Ctx): boolean {
  return ctx.issues.length >= MAX_ISSUES;
}

function checkStruct(
  ctx: Ctx,
  fields: readonly MessageDefinitionField[],
  value: unknown,
  path: string,
): void {
  if (!isPlainObject(value)) {
    add(ctx, path, `expected a message object, got ${describe(value)}`);
    return;
  }
  const names = new Set<string>();
  for (const field of fields) {
    names.add(field.name);
    if (full(ctx)) return;
    const fieldPath = childPath(path, field.name);
    const v = Object.hasOwn(value, field.name) ? value[field.name] : undefined;
    if (v === undefined) {
      if (!ctx.fillDefaults) add(ctx, fieldPath, 'missing field');
      continue;
    }
    if (field.isArray === true) checkArray(ctx, field, v, fieldPath);
    else checkOne(ctx, field, v, fieldPath);
  }
  for (const key of Object.keys(value)) {
    if (!names.has(key)) add(ctx, childPath(path, key), 'unknown field');
  }
}

function checkOne(ctx: Ctx, field: MessageDefinitionField, v: unknown, path: string): void {
  if (field.isComplex === true) checkStruct(ctx, fieldsOf(ctx.schema, field.type), v, path);
  else {
    const problem = primitiveProblem(field, v, ctx.fillDefaults);
    if (problem !== undefined) add(ctx, path, problem);
  }
}

function checkArray(ctx: Ctx, field: MessageDefinitionField, v: unknown, path: string): void {
  const info = field.isComplex === true ? undefined : primitive(field.type);
  const exact = info?.array !== undefined && v instanceof info.array;
  const isArrayLike = Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
  if (!isArrayLike) {
    add(ctx, path, `expected an array, got ${describe(v)}`);
    return;
  }
  const items = v as ArrayLike<unknown>;
  if (field.arrayLength !== undefined && items.length !== field.arrayLength) {
    add(ctx, path, `expected exactly ${field.arrayLength} elements, got ${items.length}`);
    return;
  }
  if (field.arrayUpperBound !== undefined && items.length > field.arrayUpperBound) {
    add(ctx, path, `expected at most ${field.arrayUpperBound} elements, got ${items.length}`);
    return;
  }
  // A typed array of the wire's own element type cannot hold a wrong value.
  if (exact) return;
  for (let i = 0; i < items.length && !full(ctx); i++) {
    const item = items[i];
    const itemPath = childPath(path, i);
    if (item === undefined) add(ctx, itemPath, 'missing element');
    else checkOne(ctx, field, item, itemPath);
  }
}

/** Why `v` cannot be written as the primitive field type, or undefined when it can. */
export function primitiveProblem(
  field: MessageDefinitionField,
  v: unknown,
  fillDefaults = false,
): string | undefined {
  const type = field.type;
  switch (type) {
    case 'bool':
      return typeof v === 'boolean' ? undefined : `expected a boolean, got ${describe(v)}`;
    case 'int64':
    case 'uint64':
      return int64Problem(type, v);
    case 'float32':
      if (typeof v !== 'number') return `expected a number, got ${describe(v)}`;
      // A finite double that rounds to infinity as a float32 would change meaning on the wire.
      return Number.isFinite(v) && !Number.isFinite(Math.fround(v))
        ? `${v} is out of float32 range`
        : undefined;
    case 'float64':
      return typeof v === 'number' ? undefined : `expected a number, got ${describe(v)}`;
    case 'string':
      return stringProblem(field, v);
    case 'time':
    case 'duration':
      return timeProblem(v, fillDefaults);
    default:
      return integerProblem(type, v);
  }
}

function integerProblem(type: string, v: unknown): string | undefined {
  const [min, max] = primitive(type).range ?? [0, 0];
  if (typeof v !== 'number' || !Number.isInteger(v))
    return `expected an integer (${type}), got ${describe(v)}`;
  return isIntegerIn(v, min, max) ? undefined : `${v} is out of ${type} range ${min}..${max}`;
}

function int64Problem(type: 'int64' | 'uint64', v: unknown): string | undefined {
  let big: bigint;
  if (typeof v === 'bigint') big = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) big = BigInt(v);
  else if (typeof v === 'number' && Number.isInteger(v))
    return `${v} is beyond 2^53 and not exact as a number; give a bigint (or a decimal string in JSON)`;
  else return `expected an integer (${type}), got ${describe(v)}`;
  const [min, max] = type === 'int64' ? [INT64_MIN, INT64_MAX] : [0n, UINT64_MAX];
  return big < min || big > max ? `${big} is out of ${type} range` : undefined;
}

function stringProblem(field: MessageDefinitionField, v: unknown): string | undefined {
  if (typeof v !== 'string') return `expected a string, got ${describe(v)}`;
  if (!isWellFormed(v)) return 'string is not well-formed Unicode (lone surrogate)';
  if (v.includes('\0')) return 'string contains NUL, which CDR strings cannot hold';
  if (field.upperBound !== undefined && utf8Length(v) > field.upperBound)
    return `string is longer than its bound of ${field.upperBound} bytes`;
  return undefined;
}

function timeProblem(v: unknown, fillDefaults: boolean): string | undefined {
  if (!isPlainObject(v)) return `expected {sec, nanosec}, got ${describe(v)}`;
  for (const key of Object.keys(v)) {
    if (key !== 'sec' && key !== 'nanosec') return `unknown field "${key}" in a time (expected sec, nanosec)`;
  }
  const { sec, nanosec } = v;
  if (sec === undefined ? !fillDefaults : !isIntegerIn(sec, -2147483648, 2147483647))
    return `sec must be an int32, got ${describe(sec)}`;
  if (nanosec === undefined ? !fillDefaults : !isIntegerIn(nanosec, 0, 4294967295))
    return `nanosec must be a uint32, got ${describe(nanosec)}`;
  return undefined;
}

function isIntegerIn(v: unknown, min: number, max: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  if (typeof v === 'string') return `string "${v.length > 40 ? `${v.slice(0, 40)}...` : v}"`;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean')
    return `${typeof v} ${String(v)}`;
  return typeof v;
}
