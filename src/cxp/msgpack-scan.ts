/**
 * A structural pre-scan of MessagePack bytes, run before msgpackr decodes them. msgpackr is lenient
 * where CXP must be strict: it replaces invalid UTF-8 with U+FFFD, renames a `__proto__` key and
 * turns non-string map keys into strings. The scan walks the item structure (no values are built)
 * and reports the first thing outside the CXP data model, so both encodings accept the same messages.
 */

export interface ScanIssue {
  offset: number;
  message: string;
}

/** Items still to read in an open array or map, and whether the next one is a map key. */
interface Open {
  remaining: number;
  isMap: boolean;
  keyNext: boolean;
}

const PROTO_KEY = [0x5f, 0x5f, 0x70, 0x72, 0x6f, 0x74, 0x6f, 0x5f, 0x5f]; // "__proto__"

export function scanMsgpack(bytes: Uint8Array, maxDepth: number): ScanIssue | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: Open[] = [];
  let pos = 0;
  let items = 1;
  while (items > 0 || stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top && top.remaining === 0) {
      stack.pop();
      continue;
    }
    if (pos >= bytes.length) return { offset: pos, message: 'unexpected end of MessagePack data' };
    let isKey = false;
    if (top) {
      isKey = top.isMap && top.keyNext;
      top.keyNext = !top.keyNext;
      top.remaining -= 1;
    } else items -= 1;
    const item = readHead(view, bytes, pos);
    if ('message' in item) return item;
    if (isKey && item.kind !== 'str') return { offset: pos, message: 'map keys must be strings' };
    pos = item.next;
    if (item.kind === 'str') {
      const end = pos + item.length;
      if (end > bytes.length) return { offset: pos, message: 'string runs past the end of the data' };
      if (isKey && isProtoKey(bytes, pos, item.length))
        return { offset: pos, message: 'key "__proto__" is not allowed' };
      const bad = invalidUtf8At(bytes, pos, end);
      if (bad !== undefined) return { offset: bad, message: 'string is not valid UTF-8' };
      pos = end;
    } else if (item.kind === 'array' || item.kind === 'map') {
      if (item.length > bytes.length - pos) return { offset: pos, message: 'container longer than the data' };
      if (stack.length >= maxDepth) return { offset: pos, message: `nesting deeper than ${maxDepth} levels` };
      stack.push({
        remaining: item.kind === 'map' ? item.length * 2 : item.length,
        isMap: item.kind === 'map',
        keyNext: true,
      });
    }
  }
  return pos === bytes.length ? undefined : { offset: pos, message: 'bytes after the end of the message' };
}

type Head = { kind: 'scalar' | 'str' | 'array' | 'map'; length: number; next: number } | ScanIssue;

function readHead(view: DataView, bytes: Uint8Array, pos: number): Head {
  const b = bytes[pos] ?? 0;
  const at = (kind: 'scalar' | 'str' | 'array' | 'map', length: number, size: number): Head =>
    pos + size > bytes.length
      ? { offset: pos, message: 'unexpected end of MessagePack data' }
      : { kind, length, next: pos + size };
  if (b <= 0x7f || b >= 0xe0) return at('scalar', 0, 1);
  if (b <= 0x8f) return at('map', b & 0x0f, 1);
  if (b <= 0x9f) return at('array', b & 0x0f, 1);
  if (b <= 0xbf) return at('str', b & 0x1f, 1);
  const need = (size: number) => pos + size <= bytes.length;
  switch (b) {
    case 0xc0:
    case 0xc2:
    case 0xc3:
      return at('scalar', 0, 1);
    case 0xca:
      return at('scalar', 0, 5);
    case 0xcb:
      return at('scalar', 0, 9);
    case 0xcc:
    case 0xd0:
      return at('scalar', 0, 2);
    case 0xcd:
    case 0xd1:
      return at('scalar', 0, 3);
    case 0xce:
    case 0xd2:
      return at('scalar', 0, 5);
    case 0xcf:
    case 0xd3:
      return at('scalar', 0, 9);
    case 0xd9:
      return need(2) ? at('str', view.getUint8(pos + 1), 2) : at('str', 0, 2);
    case 0xda:
      return need(3) ? at('str', view.getUint16(pos + 1), 3) : at('str', 0, 3);
    case 0xdb:
      return need(5) ? at('str', view.getUint32(pos + 1), 5) : at('str', 0, 5);
    case 0xdc:
      return need(3) ? at('array', view.getUint16(pos + 1), 3) : at('array', 0, 3);
    case 0xdd:
      return need(5) ? at('array', view.getUint32(pos + 1), 5) : at('array', 0, 5);
    case 0xde:
      return need(3) ? at('map', view.getUint16(pos + 1), 3) : at('map', 0, 3);
    case 0xdf:
      return need(5) ? at('map', view.getUint32(pos + 1), 5) : at('map', 0, 5);
    default:
      return {
        offset: pos,
        message: `MessagePack type 0x${b.toString(16)} (binary, extension or unused) is not JSON data`,
      };
  }
}

function isProtoKey(bytes: Uint8Array, start: number, length: number): boolean {
  return length === PROTO_KEY.length && PROTO_KEY.every((c, i) => bytes[start + i] === c);
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
    let size: number;
    let min: number;
    let max = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) [size, min] = [2, 0x80];
    else if (b === 0xe0) [size, min] = [3, 0xa0];
    else if (b === 0xed) [size, min, max] = [3, 0x80, 0x9f];
    else if (b >= 0xe1 && b <= 0xef) [size, min] = [3, 0x80];
    else if (b === 0xf0) [size, min] = [4, 0x90];
    else if (b === 0xf4) [size, min, max] = [4, 0x80, 0x8f];
    else if (b >= 0xf1 && b <= 0xf3) [size, min] = [4, 0x80];
    else return i;
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
