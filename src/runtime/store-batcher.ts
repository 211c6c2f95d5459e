import type { ContributionInput } from '../context/contribution.js';
import type { ContextStore } from '../context/store.js';
import type { CxpError } from '../cxp/errors.js';

/**
 * Contributions from a bridge's hot path, applied to the store in batches: everything added in one
 * turn of the event loop becomes one store version (one DIFF), at most `max` at a time. Bounded:
 * reaching `max` applies at once.
 */
export class StoreBatcher {
  readonly #store: ContextStore;
  readonly #max: number;
  readonly #onRejected: (input: ContributionInput | undefined, error: CxpError) => void;
  #pending: ContributionInput[] = [];
  #scheduled = false;

  constructor(
    store: ContextStore,
    options: { max: number; onRejected: (input: ContributionInput | undefined, error: CxpError) => void },
  ) {
    this.#store = store;
    this.#max = options.max;
    this.#onRejected = options.onRejected;
  }

  /** Contributions waiting for the next flush. */
  get pending(): number {
    return this.#pending.length;
  }

  add(inputs: readonly ContributionInput[]): void {
    if (inputs.length === 0) return;
    for (const input of inputs) this.#pending.push(input);
    if (this.#pending.length >= this.#max) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.flush();
      });
    }
  }

  flush(): void {
    if (this.#pending.length === 0) return;
    const inputs = this.#pending;
    this.#pending = [];
    const result = this.#store.putMany(inputs);
    for (const r of result.rejected) this.#onRejected(inputs[r.index], r.error);
  }
}
