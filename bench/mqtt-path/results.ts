/** What a run collects, and the context the scenarios share. */
import type { BridgeCounts } from './gateways.js';
import type { PhaseResult } from './load.js';
import type { Teardown } from './teardown.js';

export type BrokerKind = 'aedes' | 'mosquitto';
export type PathKind = 'baseline' | 'gateway' | 'gateway, own process';
/** Offered messages/s, or as fast as QoS 0 with backpressure allows. */
export type Rate = number | 'max';

export interface Row {
  broker: BrokerKind;
  path: PathKind;
  offered: Rate;
  result: PhaseResult;
  /** Peak RSS of the watched process during the phase: this one, or the standalone gateway. */
  peakRssBytes: number;
  /** What the bridge received and dropped during the phase (in-process gateways only). */
  bridge?: BridgeCounts;
}

export interface RssRow {
  what: string;
  idleBytes: number;
  /** Peak RSS per offered rate. */
  peaks: Map<Rate, number>;
  /** VmHWM: the highest RSS over the process's life, start-up included (child processes). */
  hwm?: number;
}

export interface Context {
  teardown: Teardown;
  dir: string;
  /** dist/ as last built (`npm run build`), if present: measured idle beside the tsx form. */
  dist: { builtAt: Date } | undefined;
  rows: Row[];
  rss: RssRow[];
}
