/**
 * The CXP v1 data model is I-JSON (RFC 7493): objects with string keys, arrays, finite numbers,
 * well-formed Unicode strings, booleans and null. Both encodings are held to it, so a JSON and a
 * MessagePack copy of a message always decode to equal values.
 */

export interface DataModelIssue {
  path: string;
  message: string;
}

export const DEFAULT_MAX_DEPTH = 64;

type Container = Record<string, unknown> | unknown[];

interface Frame {
  value: unknown;
  depth: number;
  parent: Container | undefined;
  key: string | number;
  /** The frame of the parent container: the JSON Pointer is built from these only on failure. */
  up: Frame | undefined;
}

/** String.prototype.isWellFormed (Node 20 has it; the ES2023 lib typings do not). */
export const isWellFormed = (s: string): boolean =>
  (s as unknown as { isWellFormed(): boolean }).isWellFormed();

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function issue(frame: Frame, message: string): DataModelIssue {
  return { path: pathOf(frame), message };
}

function pathOf(frame: Frame): string {
  const keys: string[] = [];
  for (let f = frame; f.up !== undefined; f = f.up) keys.push(escapePointer(String(f.key)));
  return keys.length === 0 ? '' : `/${keys.reverse().join('/')}`;
}

/**
 * Checks (iteratively, so deep input cannot overflow the stack) that `root` is JSON data no deeper
 * than `maxDepth`. Normalises -0 to 0 in place, since JSON cannot tell them apart.
 */
export function checkDataModel(root: unknown, maxDepth = DEFAULT_MAX_DEPTH): DataModelIssue | undefined {
  const stack: Frame[] = [{ value: root, depth: 0, parent: undefined, key: '', up: undefined }];
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    const { value, depth } = frame;
    switch (typeof value) {
      case 'string':
        if (!isWellFormed(value)) return issue(frame, 'string is not well-formed Unicode (lone surrogate)');
        continue;
      case 'boolean':
        continue;
      case 'number':
        if (!Number.isFinite(value)) return issue(frame, `number ${String(value)} is not finite`);
        if (Object.is(value, -0) && frame.parent !== undefined) setChild(frame.parent, frame.key, 0);
        continue;
      case 'object':
        if (value === null) continue;
        if (depth >= maxDepth) return issue(frame, `nesting deeper than ${maxDepth} levels`);
        if (Array.isArray(value)) {
          for (let i = value.length - 1; i >= 0; i--) {
            stack.push({ value: value[i], depth: depth + 1, parent: value, key: i, up: frame });
          }
          continue;
        }
        if (!isPlainObject(value))
          return issue(frame, 'value is not JSON data (binary, date or extension type)');
        for (const key of Object.keys(value)) {
          if (key === '__proto__') return issue(frame, 'key "__proto__" is not allowed');
          if (!isWellFormed(key)) return issue(frame, 'key is not well-formed Unicode (lone surrogate)');
          stack.push({ value: value[key], depth: depth + 1, parent: value, key, up: frame });
        }
        continue;
      default:
        return issue(frame, `${typeof value} is not JSON data`);
    }
  }
  return undefined;
}

function setChild(parent: Container, key: string | number, value: unknown): void {
  if (Array.isArray(parent)) parent[Number(key)] = value;
  else parent[String(key)] = value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Deep equality of two JSON data values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every(
    (k) =>
      Object.hasOwn(b, k) && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

/** UTF-8 byte length of a string without allocating. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** At most `max` UTF-16 units of `s`, never cutting a surrogate pair in half (so the result encodes). */
export function truncateText(s: string, max: number): string {
  if (s.length <= max) return s;
  const code = s.charCodeAt(max - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
