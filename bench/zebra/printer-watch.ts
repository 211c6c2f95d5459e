/**
 * What the emulated printer saw, stamped on this process's clock: when each format arrived (and its
 * text), when each format's last label came off, and how many status queries (~HS, ~HQES, SGD
 * getvar) it answered.
 */
import type { ZebraEmulator } from '../../devices/zebra/emulator.js';

export interface PrinterWatch {
  /** Format k (0-based, in arrival order): performance.now() when it was complete, and its text. */
  readonly formats: { at: number; text: string }[];
  /** performance.now() when the last label of format k (numbered as in `formats`) came off. */
  readonly doneAt: number[];
  /** Status queries answered, by command (`~HS`, `~HQES`, `getvar <name>`...). */
  readonly queries: Map<string, number>;
  /** Labels printed since the watch started. */
  printed(): number;
  /** Resolves when `labels` labels have been printed since the watch started; rejects after timeoutMs. */
  untilPrinted(labels: number, timeoutMs: number): Promise<void>;
  stop(): void;
}

export function watchPrinter(emulator: ZebraEmulator): PrinterWatch {
  const formats: { at: number; text: string }[] = [];
  const doneAt: number[] = [];
  const queries = new Map<string, number>();
  const printedBefore = emulator.printed;
  const formatsBefore = emulator.formatsReceived;
  const waiters = new Set<() => void>();
  const onFormat = (text: string) => formats.push({ at: performance.now(), text });
  const onPrinted = (formatIndex: number) => {
    if (formatIndex >= formatsBefore) doneAt[formatIndex - formatsBefore] = performance.now();
    for (const wake of [...waiters]) wake();
  };
  const onCommand = (command: string) => {
    const key = command.startsWith('!') ? command.replace(/^! U1 (\w+) "([^"]*)".*$/s, '$1 $2') : command;
    queries.set(key, (queries.get(key) ?? 0) + 1);
  };
  emulator.on('format', onFormat);
  emulator.on('printed', onPrinted);
  emulator.on('command', onCommand);
  const printed = () => emulator.printed - printedBefore;
  const untilPrinted = (labels: number, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      if (printed() >= labels) {
        resolve();
        return;
      }
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`printed ${printed()} of ${labels} labels within ${timeoutMs} ms`));
      }, timeoutMs);
      function check(): void {
        if (printed() < labels) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      }
      waiters.add(check);
    });
  return {
    formats,
    doneAt,
    queries,
    printed,
    untilPrinted,
    stop: () => {
      emulator.off('format', onFormat);
      emulator.off('printed', onPrinted);
      emulator.off('command', onCommand);
    },
  };
}
