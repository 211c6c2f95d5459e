import type { ContributionInput } from '../../src/context/contribution.js';
import type { Result } from '../../src/cxp/errors.js';
import type { ModbusConfig, ModbusPoll } from './config.js';
import type { ReplyReader } from './exchanges.js';
import { compileRegisterMap, type RegisterMap } from './modbus/registers.js';
import { RtuResponseReader } from './modbus/rtu-reader.js';
import { encodeRequest, RTU_LIMITS, type ReadRequest, type RtuRequest } from './modbus/rtu-request.js';
import type { RtuResponse } from './modbus/rtu-response.js';
import { compileSignal, type CompiledSignal } from './signals.js';

/** Modbus RTU polls of one port, compiled from config: request bytes, value maps, signals. */

type Problem = { path: string; message: string };

export interface CompiledPoll {
  readonly name: string;
  readonly everyMs: number;
  readonly request: ReadRequest;
  readonly bytes: Uint8Array;
  /** Values by name from one response (registers through the map, bits by offset). */
  values(response: RtuResponse): Record<string, number | boolean> | undefined;
  readonly signals: readonly CompiledSignal[];
}

/** Every poll compiled, or every problem (paths relative to the `modbus` section). */
export function compilePolls(config: ModbusConfig): { polls: CompiledPoll[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const polls: CompiledPoll[] = [];
  const names = new Set<string>();
  config.polls.forEach((poll, i) => {
    const path = `/polls/${i}`;
    if (names.has(poll.name))
      problems.push({ path: `${path}/name`, message: `duplicate poll "${poll.name}"` });
    names.add(poll.name);
    const compiled = compilePoll(poll, config.unit, path, problems);
    if (compiled) polls.push(compiled);
  });
  return { polls, problems };
}

function compilePoll(
  poll: ModbusPoll,
  defaultUnit: number,
  path: string,
  problems: Problem[],
): CompiledPoll | undefined {
  const bitsRead = poll.function === 'read_coils' || poll.function === 'read_discrete_inputs';
  const max = bitsRead ? RTU_LIMITS.maxReadBits : RTU_LIMITS.maxReadRegisters;
  const request: ReadRequest = {
    kind: poll.function,
    unit: poll.unit ?? defaultUnit,
    address: poll.address,
    quantity: poll.quantity,
  };
  const before = problems.length;
  if (poll.quantity > max)
    problems.push({ path: `${path}/quantity`, message: `at most ${max} for ${poll.function}` });
  if (poll.address + poll.quantity > 0x10000)
    problems.push({ path: `${path}/quantity`, message: 'the block runs past address 65535' });
  let map: RegisterMap | undefined;
  let bits: Map<string, number> | undefined;
  if (bitsRead) {
    if (poll.registers.length > 0)
      problems.push({ path: `${path}/registers`, message: `${poll.function} reads bits: use bits` });
    bits = new Map();
    poll.bits.forEach((b, j) => {
      if (b.offset >= poll.quantity)
        problems.push({ path: `${path}/bits/${j}/offset`, message: `past the ${poll.quantity} bits polled` });
      if (bits?.has(b.name))
        problems.push({ path: `${path}/bits/${j}/name`, message: `duplicate ${b.name}` });
      bits?.set(b.name, b.offset);
    });
  } else {
    if (poll.bits.length > 0)
      problems.push({ path: `${path}/bits`, message: `${poll.function} reads registers: use registers` });
    const compiled = compileRegisterMap(poll.registers, { quantity: Math.min(poll.quantity, max) });
    if (compiled.ok) map = compiled.value;
    else
      for (const p of (compiled.error.details.problems ?? []) as Problem[])
        problems.push({ path: `${path}/registers${p.path === '/' ? '' : p.path}`, message: p.message });
  }
  // A map that did not compile is reported already; its names are then unknown, not missing.
  const fields = bits ? new Set(bits.keys()) : map ? new Set(map.fields.map((f) => f.name)) : undefined;
  const signals = poll.signals.map((rule, j) =>
    compileSignal(rule, { fields, variables: ['port', 'poll'], path: `${path}/signals/${j}`, problems }),
  );
  const encoded = encodeRequest(request);
  if (!encoded.ok && problems.length === before) problems.push({ path, message: encoded.error.message });
  if (problems.length > before || !encoded.ok) return undefined;
  const bitMap = bits;
  const registerMap = map;
  return {
    name: poll.name,
    everyMs: poll.every_ms,
    request,
    bytes: encoded.value,
    signals,
    values(response) {
      if ('bits' in response && bitMap)
        return Object.fromEntries(
          [...bitMap].map(([name, offset]) => [name, response.bits[offset] ?? false]),
        );
      if ('registers' in response && registerMap) {
        const decoded = registerMap.decode(response.registers);
        return decoded.ok ? decoded.value : undefined;
      }
      return undefined;
    },
  };
}

/** Contributions of one poll's values, and the signals that could not be made. */
export function pollContributions(
  poll: CompiledPoll,
  values: Record<string, number | boolean>,
  context: { source: string; port: string },
): { inputs: ContributionInput[]; problems: string[] } {
  const record = {
    lookup: (field: string): unknown => (Object.hasOwn(values, field) ? values[field] : undefined),
  };
  const inputs: ContributionInput[] = [];
  const problems: string[] = [];
  for (const signal of poll.signals) {
    const made = signal.apply(record, {
      source: context.source,
      vars: { port: context.port, poll: poll.name },
    });
    if (typeof made === 'string') problems.push(made);
    else if (made !== undefined) inputs.push(made);
  }
  return { inputs, problems };
}

/** The reply reader of one Modbus request: raw chunks in, the decoded response out. */
export function modbusReader(request: RtuRequest): ReplyReader<RtuResponse> {
  const reader = new RtuResponseReader(request);
  return {
    take: (chunk): Result<RtuResponse> | 'more' => reader.feed(chunk) ?? 'more',
    reset: () => {
      reader.reset(request);
    },
  };
}
