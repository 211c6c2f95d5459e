/**
 * The serial path's pure stages measured in this process, per frame, with the bench's own config
 * and frames: the line framer, the kv decoder with its two signals, and the store's putMany of what
 * they give (batches of 50 frames: one read of the pty gives the bridge about 200 flat out). No I/O, no
 * DIFF encoding or publishing (that is the MQTT binding's, after the store).
 */
import { lineFramer } from '../../bridges/serial/framing.js';
import { compileDecoder } from '../../bridges/serial/decode.js';
import type { ContributionInput } from '../../src/context/contribution.js';
import { ContextStore } from '../../src/context/store.js';
import { systemClock } from '../../src/cxp/clock.js';
import { measure } from '../harness.js';
import { BRIDGE_ID, DECODE } from './receivers.js';
import { frame } from './traffic.js';

export interface StageCost {
  stage: string;
  /** Microseconds per frame (median of the rounds). */
  usPerFrame: number;
}

const BATCH_FRAMES = 50;

export function decodeCosts(): StageCost[] {
  const frames = Array.from({ length: BATCH_FRAMES }, (_, i) => frame(i));
  const chunk = Buffer.from(frames.join(''), 'latin1');
  const lines = frames.map((f) => Buffer.from(f.slice(0, -1), 'latin1'));
  const framer = lineFramer({ maxFrame: 1024 });
  const compiled = compileDecoder(DECODE, { variables: ['port'] });
  if (!compiled.ok) throw compiled.error;
  const decoder = compiled.value;
  const context = { source: `serial:${BRIDGE_ID}`, vars: { port: BRIDGE_ID } };
  const decodeAll = (): ContributionInput[] =>
    lines.flatMap((line) => {
      const d = decoder.decode(line, context);
      if (!d.ok) throw d.error;
      return d.value;
    });
  const inputs = decodeAll();
  const store = new ContextStore({ clock: systemClock });
  const per = (ops: number) => 1e6 / (ops * BATCH_FRAMES);
  const stages: [string, () => void][] = [
    ['line framer (push, frames copied out)', () => framer.push(chunk, 0)],
    ['kv decode + 2 signals', decodeAll],
    ['store putMany (2 values per frame)', () => store.putMany(inputs)],
  ];
  return stages.map(([stage, op]) => ({
    stage,
    usPerFrame: per(measure(stage, op, { rounds: 5, minMs: 150 }).opsPerSec),
  }));
}
