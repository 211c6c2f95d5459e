/**
 * The codec part: captured responses (codec-capture.ts) decoded and re-encoded N times per round in
 * this process beside baselines of the same run: copying the bytes (Buffer.from) and JSON.parse /
 * JSON.stringify of the same attributes as a JSON document. Also the heap a decoded message keeps.
 */
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { decodeMessage, encodeMessage, toPlain, type IppMessage } from '../../devices/ipp/codec.js';
import { table } from '../harness.js';

export interface Shape {
  bytes: number;
  groups: number;
  /** Attributes of the groups (top level), and with every collection member counted. */
  attributes: number;
  withMembers: number;
  values: number;
  collections: number;
}

/** Counts what a decoded message holds. */
export function shapeOf(bytes: Buffer, message: IppMessage): Shape {
  const s = {
    bytes: bytes.length,
    groups: message.groups.length,
    attributes: 0,
    withMembers: 0,
    values: 0,
    collections: 0,
  };
  const walk = (attributes: IppMessage['groups'][number]['attributes']) => {
    for (const a of attributes) {
      s.withMembers += 1;
      for (const v of a.values) {
        s.values += 1;
        if (v.tag === 'collection') {
          s.collections += 1;
          walk(v.value);
        }
      }
    }
  };
  for (const g of message.groups) {
    s.attributes += g.attributes.length;
    walk(g.attributes);
  }
  return s;
}

/**
 * Ops/s of each operation: every one run `iterations` times to warm up, then `rounds` rounds in
 * which each is timed over `iterations` calls in turn (interleaved, so drift and GC debt spread over
 * all of them); the median round of each.
 */
export function opsPerSecond<K extends string>(
  ops: Record<K, () => unknown>,
  iterations: number,
  rounds: number,
): Record<K, number> {
  const names = Object.keys(ops) as K[];
  let sink: unknown;
  for (const name of names) for (let i = 0; i < iterations; i++) sink = ops[name]();
  const rates = new Map<K, number[]>(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (const name of names) {
      const op = ops[name];
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < iterations; i++) sink = op();
      rates.get(name)?.push(iterations / (Number(process.hrtime.bigint() - t0) / 1e9));
    }
  }
  if (sink === Symbol.for('never')) console.log(sink); // keeps the results alive for the optimiser
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  return Object.fromEntries(names.map((n) => [n, median(rates.get(n) ?? [])])) as Record<K, number>;
}

/** global.gc, exposed at run time when node was started without --expose-gc. */
function collector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Heap + ArrayBuffer bytes that `count` results of `make` keep alive, per result (after full GCs). */
export function retainedBytes(make: () => unknown, count: number): number {
  const gc = collector();
  const used = () => {
    gc();
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const before = used();
  const keep = Array.from({ length: count }, make);
  const after = used();
  if (keep.length !== count) throw new Error('unreachable');
  return (after - before) / count;
}

/** The message decoded (must succeed), and re-encoded to the very same bytes. */
export function decodeChecked(bytes: Buffer): IppMessage {
  const decoded = decodeMessage(bytes);
  if (!decoded.ok) throw decoded.error;
  const again = encodeMessage(decoded.value);
  if (!again.ok) throw again.error;
  if (!again.value.equals(bytes)) throw new Error('the re-encoded message differs from the captured bytes');
  return decoded.value;
}

/** The message's attributes as the client hands them on (toPlain per group), as JSON text. */
export function asJson(message: IppMessage): string {
  const plain = message.groups.map((g) => toPlain(g.attributes));
  return JSON.stringify(plain, (_key, v: unknown) =>
    v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v,
  );
}

export interface CodecSample {
  name: string;
  bytes: Buffer;
}

export interface CodecOptions {
  iterations: number;
  rounds: number;
  /** Decoded messages kept alive for the memory figure. */
  retain: number;
}

const mbps = (opsPerSec: number, bytes: number) => ((opsPerSec * bytes) / 1e6).toFixed(1);
const rate = (n: number) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0);
const micros = (n: number) => (1e6 / n).toFixed(n > 1e6 ? 2 : 1);

/** One sample's rows of the rates table: the codec's operations, then the baselines. */
function rateRows(s: CodecSample, o: CodecOptions): (string | number)[][] {
  const message = decodeChecked(s.bytes);
  const json = asJson(message);
  const parsed: unknown = JSON.parse(json);
  const { decode, encode, client, copy, parse, stringify } = opsPerSecond(
    {
      decode: () => decodeMessage(s.bytes),
      encode: () => encodeMessage(message),
      client: () => {
        const d = decodeMessage(s.bytes);
        return d.ok ? d.value.groups.map((g) => toPlain(g.attributes)) : d;
      },
      copy: () => Buffer.from(s.bytes),
      parse: () => JSON.parse(json) as unknown,
      stringify: () => JSON.stringify(parsed),
    },
    o.iterations,
    o.rounds,
  );
  const jsonBytes = Buffer.byteLength(json);
  const row = (what: string, n: number, size: number, base: number | undefined) => [
    s.name,
    what,
    rate(n),
    mbps(n, size),
    micros(n),
    base === undefined ? '-' : (n / base).toFixed(2),
  ];
  return [
    row('decode', decode, s.bytes.length, parse),
    row('encode (re-encode of the decoded message)', encode, s.bytes.length, stringify),
    row('decode + toPlain (what IppClient does per answer)', client, s.bytes.length, parse),
    row('baseline: Buffer.from copy', copy, s.bytes.length, undefined),
    row(`baseline: JSON.parse (same attributes, ${jsonBytes} bytes)`, parse, jsonBytes, undefined),
    row('baseline: JSON.stringify (same)', stringify, jsonBytes, undefined),
  ];
}

/** Each sample's shape: sizes and counts. */
function shapeRows(samples: readonly CodecSample[]): (string | number)[][] {
  return samples.map((s) => {
    const message = decodeChecked(s.bytes);
    const sh = shapeOf(s.bytes, message);
    const json = Buffer.byteLength(asJson(message));
    return [s.name, sh.bytes, sh.groups, sh.attributes, sh.withMembers, sh.values, sh.collections, json];
  });
}

/** The heap a decoded message keeps, alone and as an IppAnswer, beside JSON.parse of the same. */
function memoryRows(samples: readonly CodecSample[], o: CodecOptions): (string | number)[][] {
  return samples.map((s) => {
    const json = asJson(decodeChecked(s.bytes));
    const decoded = retainedBytes(() => decodeMessage(s.bytes), o.retain);
    // What an IppAnswer keeps: the decoded message and its groups as plain records.
    const answer = retainedBytes(() => {
      const d = decodeMessage(s.bytes);
      return d.ok ? [d.value, d.value.groups.map((g) => toPlain(g.attributes))] : d;
    }, o.retain);
    const parsed = retainedBytes(() => JSON.parse(json) as unknown, o.retain);
    const perWire = (decoded / s.bytes.length).toFixed(1);
    return [s.name, s.bytes.length, decoded.toFixed(0), perWire, answer.toFixed(0), parsed.toFixed(0)];
  });
}

/** The codec section of the report: shapes, rates beside the baselines, memory. */
export function codecLines(samples: readonly CodecSample[], o: CodecOptions): string[] {
  const shapeHead = ['response', 'bytes', 'groups', 'attributes', 'attributes incl. collection members'];
  const memoryHead = ['response', 'wire bytes', 'decoded message, bytes', 'x wire'];
  return [
    '## Codec\n',
    `Responses captured from the lab's press (ippeveprinter -a km-press.conf), decoded and re-encoded in this process; each re-encodes to the captured bytes exactly. ${o.iterations} iterations per round after as many to warm up, median of ${o.rounds} rounds.\n`,
    table([...shapeHead, 'values', 'collections', 'same attributes as JSON, bytes'], shapeRows(samples)),
    '',
    table(
      ['response', 'operation', 'ops/s', 'MB/s', 'us/op', 'ops/s ÷ JSON baseline'],
      samples.flatMap((s) => rateRows(s, o)),
    ),
    `\nMemory kept per decoded message (heap + ArrayBuffers after full GCs, ${o.retain} kept):\n`,
    table(
      [...memoryHead, 'decoded + toPlain (an IppAnswer), bytes', 'JSON.parse of the JSON, bytes'],
      memoryRows(samples, o),
    ),
    '',
  ];
}
