/**
 * Child process for the store-and-forward kill test, run as
 * `STORE_FORWARD_CHILD=1 node --import tsx store-forward-child.ts <dir> <flushAt>`: it appends 1000
 * messages (topic `kill/<seq>`, 1 KiB payload filled with `seq % 251`, so the 64 KiB group commit
 * writes mid-stream), flushes after the first `flushAt`, prints `flushed <n>`, and kills itself with
 * SIGKILL right after the last append: records still buffered are lost, as in a crash.
 */
import { DiskQueue } from '../../bridges/mqtt/store-forward.js';
import { systemClock } from '../../src/cxp/clock.js';

async function main(dir: string, flushAt: number): Promise<void> {
  const queue = await DiskQueue.open({ dir, clock: systemClock });
  for (let seq = 1; seq <= 1000; seq++) {
    const payload = new Uint8Array(1024).fill(seq % 251);
    const result = queue.append({ topic: `kill/${seq}`, payload, qos: 1, retain: false });
    if (!result.ok) throw result.error;
    if (seq === flushAt) {
      await queue.flush();
      process.stdout.write(`flushed ${seq}\n`);
    }
  }
  process.kill(process.pid, 'SIGKILL');
}

const [dir, flushAt] = process.argv.slice(2);
if (process.env.STORE_FORWARD_CHILD === '1' && dir !== undefined && flushAt !== undefined) {
  await main(dir, Number(flushAt));
}
