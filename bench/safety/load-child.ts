/**
 * The background load, in its own process so that its pacing loop does not share an event loop
 * with the bench's clocks:
 *
 *   node --import tsx bench/safety/load-child.ts <broker url> <msg/s> <topics> [--sink]
 *
 * Publishes `{"v": n}` on `bench/load/<n mod topics>` (QoS 0) at the given rate, paced every
 * millisecond (the messages due since the start are sent each tick, so a late tick catches up). A
 * write the socket refuses is waited out ('drain'): nothing is buffered without bound, and the
 * shortfall shows in the count. With --sink it also subscribes to `bench/load/+` and discards what
 * it gets, so the broker delivers the load to someone when no gateway does. Writes `publishing` to
 * stderr once it runs; on SIGTERM writes `sent <n> in <ms> ms, received <m>` and exits.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt from 'mqtt';

const [url, rateArg, topicsArg, sinkArg] = process.argv.slice(2);
const rate = Number(rateArg);
const topics = Number(topicsArg);
if (url === undefined || !(rate > 0) || !(topics > 0)) {
  process.stderr.write('usage: load-child.ts <broker url> <msg/s> <topics> [--sink]\n');
  process.exit(2);
}

const state = { running: true, sent: 0, received: 0, startedAt: 0 };

async function main(): Promise<void> {
  const client = await mqtt.connectAsync(url ?? '', {
    clientId: `bench-safety-load-${process.pid}`,
    reconnectPeriod: 0,
  });
  if (sinkArg === '--sink') {
    client.on('message', () => {
      state.received++;
    });
    await client.subscribeAsync('bench/load/+', { qos: 0 });
  }
  process.once('SIGTERM', () => {
    state.running = false;
  });
  process.stderr.write('publishing\n');
  state.startedAt = performance.now();
  while (state.running) {
    const due = Math.floor(((performance.now() - state.startedAt) / 1000) * rate);
    while (state.sent < due) {
      const n = state.sent++;
      client.publish(`bench/load/${n % topics}`, `{"v":${n}}`, { qos: 0 });
      if (client.stream.writableNeedDrain) await new Promise((r) => client.stream.once('drain', r));
    }
    await sleep(1);
  }
  const ms = performance.now() - state.startedAt;
  process.stderr.write(`sent ${state.sent} in ${ms.toFixed(0)} ms, received ${state.received}\n`);
  await client.endAsync();
}

main().catch((err: unknown) => {
  process.stderr.write(`load failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
