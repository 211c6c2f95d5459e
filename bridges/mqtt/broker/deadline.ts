export interface Deadline {
  /** Resolves true when the promise settled first, false when the deadline passed first. */
  race(promise: Promise<unknown>): Promise<boolean>;
  cancel(): void;
}

/** A timer that bounds a sequence of waits; it never keeps the process alive. */
export function startDeadline(ms: number): Deadline {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => {
      resolve(false);
    }, ms);
    timer.unref();
  });
  return {
    race: (promise) => Promise.race([promise.then(() => true), expired]),
    cancel: () => {
      clearTimeout(timer);
    },
  };
}
