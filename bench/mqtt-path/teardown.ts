/**
 * One registry of everything the bench starts (brokers, gateways, child processes, temp dirs), torn
 * down in reverse order, once, on success, on error and on SIGINT/SIGTERM.
 */
export class Teardown {
  readonly #steps: { name: string; run: () => Promise<void> | void }[] = [];
  #running: Promise<void> | undefined;

  /** Registers a step; returns a function that runs just this step now (and unregisters it). */
  add(name: string, run: () => Promise<void> | void): () => Promise<void> {
    const step = { name, run };
    this.#steps.push(step);
    return async () => {
      const i = this.#steps.indexOf(step);
      if (i < 0) return;
      this.#steps.splice(i, 1);
      await runStep(step);
    };
  }

  /** Runs every registered step, newest first; errors are reported and the rest still run. */
  run(): Promise<void> {
    this.#running ??= (async () => {
      for (let step = this.#steps.pop(); step; step = this.#steps.pop()) await runStep(step);
    })();
    return this.#running;
  }

  /** SIGINT/SIGTERM tear everything down, then exit with 130/143. */
  onSignals(): void {
    for (const [signal, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      process.once(signal, () => {
        console.error(`\n${signal}: cleaning up`);
        void this.run().finally(() => {
          process.exit(code);
        });
      });
    }
  }
}

async function runStep(step: { name: string; run: () => Promise<void> | void }): Promise<void> {
  try {
    await step.run();
  } catch (err) {
    console.error(`cleanup of ${step.name} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
