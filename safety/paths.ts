import { isPlainObject } from '../src/cxp/data-model.js';

/** The value at a dotted path of plain objects, or undefined. Pure. */
export function pickPath(value: unknown, path: string): unknown {
  let node = value;
  for (const key of path.split('.')) {
    if (!isPlainObject(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}
