/**
 * The baseline: a raw TCP client writes every label format straight to a fresh emulator's port on
 * one connection (respecting write() returning false), then waits until the printer has printed them
 * all. No status queries, no confirmation: what a fire-and-forget `nc printer 9100 < labels.zpl`
 * gets.
 */
import { connect, type Socket } from 'node:net';
import { ZebraEmulator } from '../../devices/zebra/emulator.js';
import type { Teardown } from '../mqtt-path/teardown.js';
import { watchPrinter } from './printer-watch.js';
import { BASELINE, type Row } from './report.js';

export interface BaselineOptions {
  scenario: string;
  msPerLabel: number;
  /** One format per request, copies already applied. */
  documents: readonly string[];
  labels: number;
  timeoutMs: number;
}

export async function runBaseline(teardown: Teardown, o: BaselineOptions): Promise<Row> {
  const emulator = await ZebraEmulator.start({ msPerLabel: o.msPerLabel });
  const stopEmulator = teardown.add(`baseline emulator (${o.scenario})`, () => emulator.stop());
  const watch = watchPrinter(emulator);
  const socket = await open(emulator.port);
  const closeSocket = teardown.add('baseline socket', () => {
    socket.destroy();
  });
  try {
    const t0 = performance.now();
    for (const doc of o.documents) {
      if (!socket.write(doc, 'utf8')) await drained(socket);
    }
    await watch.untilPrinted(o.labels, o.timeoutMs).catch((err: unknown) => {
      console.error(`baseline ${o.scenario}: ${err instanceof Error ? err.message : String(err)}`);
    });
    const last = Math.max(t0, ...watch.doneAt.filter((t) => t > 0));
    return {
      scenario: o.scenario,
      path: BASELINE,
      requests: o.documents.length,
      labels: o.labels,
      printed: watch.printed(),
      confirmed: watch.printed(),
      failed: 0,
      seconds: (last - t0) / 1000,
    };
  } finally {
    watch.stop();
    await closeSocket();
    await stopEmulator();
  }
}

function open(port: number): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', (err) => {
        console.error(`baseline socket: ${err.message}`);
      });
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

function drained(socket: Socket): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onClose = () => {
      reject(new Error('the printer closed the connection while labels were being written'));
    };
    socket.once('close', onClose);
    socket.once('drain', () => {
      socket.off('close', onClose);
      resolve();
    });
  });
}
