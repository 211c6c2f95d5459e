/**
 * A structural pre-scan of MessagePack bytes, run before msgpackr decodes them. msgpackr is lenient
 * where CXP must be strict: it replaces invalid UTF-8 with U+FFFD, renames a `__proto__` key and
 * turns non-string map keys into strings. The scan walks the item structure without building values
 * (and without allocating per item: it sits on the hot path) and reports the first thing outside the
 * CXP data model, so both encodings accept the same messages.
 */

export interface ScanIssue {
  offset: number;
  message: string;
}

const ARRAY = 0;
const MAP_KEY = 1;
const MAP_VALUE = 2;

/** Header size of the fixed-width scalar types 0xc0..0xd3 (0 = not a scalar handled here). */
const SCALAR_SIZE = new Uint8Array(256);
// prettier-ignore
for (const [b, size] of [
  [0xc0, 1], [0xc2, 1], [0xc3, 1], [0xca, 5], [0xcb, 9], [0xcc, 2], [0xcd, 3], [0xce, 5], [0xcf, 9],
  [0xd0, 2], [0xd1, 3], [0xd2, 5], [0xd3, 9],
] as const) SCALAR_SIZE[b] = size;

export function scanMsgpack(bytes: Uint8Array, maxDepth: number): ScanIssue | undefined {
  const end = bytes.length;
  const remaining: number[] = [];
  const modes: number[] = [];
  let pos = 0;
  let topLevel = 1;
  for (;;) {
    let depth = remaining.length;
    while (depth > 0 && remaining[depth - 1] === 0) {
      remaining.pop();
      modes.pop();
      depth -= 1;
    }
    let isKey = false;
    if (depth === 0) {
      if (topLevel === 0) break;
      topLevel = 0;
    } else {
      remaining[depth - 1] = (remaining[depth - 1] ?? 0) - 1;
      const mode = modes[depth - 1];
      isKey = mode === MAP_KEY;
      if (mode !== ARRAY) modes[depth - 1] = isKey ? MAP_VALUE : MAP_KEY;
    }
    if (pos >= end) return issue(pos, 'unexpected end of MessagePack data');
    const b = bytes[pos] ?? 0;
    let strLength = -1;
    let header = 1;
    let count = -1;
    let isMap = false;
    if (b <= 0x7f || b >= 0xe0) header = 1;
    else if (b <= 0x8f) {
      count = b & 0x0f;
      isMap = true;
    } else if (b <= 0x9f) count = b & 0x0f;
    else if (b <= 0xbf) strLength = b & 0x1f;
    else if (SCALAR_SIZE[b] !== 0) header = SCALAR_SIZE[b] ?? 1;
    else if (b === 0xd9 || b === 0xda || b === 0xdb) {
      header = b === 0xd9 ? 2 : b === 0xda ? 3 : 5;
      if (pos + header > end) return issue(pos, 'unexpected end of MessagePack data');
      strLength = readLength(bytes, pos, header);
    } else if (b >= 0xdc && b <= 0xdf) {
      header = b === 0xdc || b === 0xde ? 3 : 5;
      if (pos + header > end) return issue(pos, 'unexpected end of MessagePack data');
      count = readLength(bytes, pos, header);
      isMap = b >= 0xde;
    } else
      return issue(
        pos,
        `MessagePack type 0x${b.toString(16)} (binary, extension or unused) is not JSON data`,
      );
    if (pos + header > end) return issue(pos, 'unexpected end of MessagePack data');
    if (isKey && strLength < 0) return issue(pos, 'map keys must be strings');
    pos += header;
    if (strLength >= 0) {
      const stop = pos + strLength;
      if (stop > end) return issue(pos, 'string runs past the end of the data');
      if (isKey && strLength === 9 && isProtoKey(bytes, pos))
        return issue(pos, 'key "__proto__" is not allowed');
      const bad = invalidUtf8At(bytes, pos, stop);
      if (bad !== undefined) return issue(bad, 'string is not valid UTF-8');
      pos = stop;
    } else if (count >= 0) {
      if (count > end - pos) return issue(pos, 'container longer than the data');
      if (depth >= maxDepth) return issue(pos, `nesting deeper than ${maxDepth} levels`);
      remaining.push(isMap ? count * 2 : count);
      modes.push(isMap ? MAP_KEY : ARRAY);
    }
  }
  return pos === end ? undefined : issue(pos, 'bytes after the end of the message');
}

function issue(offset: number, message: string): ScanIssue {
  return { offset, message };
}

/** Big-endian length after the type byte: 1, 2 or 4 bytes for headers of 2, 3 or 5. */
function readLength(bytes: Uint8Array, pos: number, header: number): number {
  const a = bytes[pos + 1] ?? 0;
  if (header === 2) return a;
  const b = bytes[pos + 2] ?? 0;
  if (header === 3) return (a << 8) | b;
  return a * 0x1000000 + ((b << 16) | ((bytes[pos + 3] ?? 0) << 8) | (bytes[pos + 4] ?? 0));
}

/** "__proto__" as bytes. */
function isProtoKey(bytes: Uint8Array, at: number): boolean {
  const expected = '__proto__';
  for (let i = 0; i < 9; i++) if (bytes[at + i] !== expected.charCodeAt(i)) return false;
  return true;
}

/** Offset of the first byte that breaks strict UTF-8 (no overlongs, surrogates or > U+10FFFF). */
export function invalidUtf8At(bytes: Uint8Array, start: number, end: number): number | undefined {
  let i = start;
  while (i < end) {
    const b = bytes[i] ?? 0;
    if (b < 0x80) {
      i += 1;
      continue;
    }
    let size = 0;
    let min = 0x80;
    let max = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) size = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      size = 3;
      if (b === 0xe0) min = 0xa0;
      else if (b === 0xed) max = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      size = 4;
      if (b === 0xf0) min = 0x90;
      else if (b === 0xf4) max = 0x8f;
    } else return i;
    if (i + size > end) return i;
    const second = bytes[i + 1] ?? 0;
    if (second < min || second > max) return i;
    for (let k = 2; k < size; k++) {
      const c = bytes[i + k] ?? 0;
      if (c < 0x80 || c > 0xbf) return i;
    }
    i += size;
  }
  return undefined;
}
