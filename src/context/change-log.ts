import type { DiffOp } from '../cxp/schema/context-messages.js';

/** One committed change of the store: from `base` to `version`. */
export interface ChangeEntry {
  base: number;
  version: number;
  ops: DiffOp[];
}

/**
 * Bounded history of committed changes, so peers can catch up by DIFF. Holds at most `maxOps`
 * operations (but always the newest entry); older entries are dropped and force a resync.
 */
export class ChangeLog {
  readonly #maxOps: number;
  /** Entries before #head were dropped and are cleared (undefined) so their ops can be collected. */
  #entries: (ChangeEntry | undefined)[] = [];
  #head = 0;
  #ops = 0;
  #floor: number;

  constructor(maxOps: number, floor: number) {
    this.#maxOps = maxOps;
    this.#floor = floor;
  }

  /** The oldest version a peer may hold and still catch up from. */
  get floor(): number {
    return this.#floor;
  }

  append(entry: ChangeEntry): void {
    this.#entries.push(entry);
    this.#ops += entry.ops.length;
    while (this.#ops > this.#maxOps && this.#entries.length - this.#head > 1) {
      const dropped = this.#entries[this.#head];
      this.#entries[this.#head++] = undefined; // release the ops now, not at the next compaction
      if (dropped === undefined) break;
      this.#ops -= dropped.ops.length;
      this.#floor = dropped.version;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Ops still referenced by the log (every slot, dropped ones included): what it keeps alive. */
  get retainedOps(): number {
    let n = 0;
    for (const e of this.#entries) n += e?.ops.length ?? 0;
    return n;
  }

  reset(floor: number): void {
    this.#entries = [];
    this.#head = 0;
    this.#ops = 0;
    this.#floor = floor;
  }

  /** Ops committed after `base`, in order, or undefined when `base` is older than the floor. */
  since(base: number): DiffOp[] | undefined {
    if (base < this.#floor) return undefined;
    const out: DiffOp[] = [];
    for (let i = this.#head; i < this.#entries.length; i++) {
      const e = this.#entries[i];
      if (e !== undefined && e.version > base) out.push(...e.ops);
    }
    return out;
  }
}

/** Keeps only the last op per (ref, source), in the order of those last ops. */
export function compactOps(ops: readonly DiffOp[]): DiffOp[] {
  if (ops.some((op) => op.provenance === undefined)) return [...ops];
  const last = new Map<string, number>();
  ops.forEach((op, i) => last.set(`${op.ref}\u0000${op.provenance?.source ?? ''}`, i));
  return ops.filter((op, i) => last.get(`${op.ref}\u0000${op.provenance?.source ?? ''}`) === i);
}
