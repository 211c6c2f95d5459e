import { CxpError, type Result } from '../../src/cxp/errors.js';
import type { SerialBridgeConfig } from './config.js';
import { compileDecoder, type Decoder } from './decode.js';
import { framerFromConfig, type Framer } from './framing.js';
import { compilePolls, type CompiledPoll } from './modbus-poll.js';
import { rtuTiming } from './modbus/rtu-timing.js';

/** What a serial port's config compiles to, and the timings derived from it. Pure. */

/** Framer, decoder and polls from a checked config (INVALID_CONFIG with every problem otherwise). */
export function buildPipeline(
  config: SerialBridgeConfig,
): Result<{ framer: Framer | undefined; decoder: Decoder | undefined; polls: CompiledPoll[] }> {
  const problems: { path: string; message: string }[] = [];
  const sub = (prefix: string, error: CxpError) => {
    const list = (error.details.problems ?? []) as { path: string; message: string }[];
    if (list.length === 0) problems.push({ path: prefix, message: error.message });
    for (const p of list)
      problems.push({ path: `${prefix}${p.path === '/' ? '' : p.path}`, message: p.message });
  };
  let framer: Framer | undefined;
  let decoder: Decoder | undefined;
  let polls: CompiledPoll[] = [];
  if (config.protocol === 'stream') {
    if (config.modbus) problems.push({ path: '/modbus', message: 'only for protocol: modbus_rtu' });
    const f = framerFromConfig(config.framing ?? { type: 'line' });
    if (f.ok) framer = f.value;
    else sub('/framing', f.error);
    if (config.decode) {
      const d = compileDecoder(config.decode, { variables: ['port'] });
      if (d.ok) decoder = d.value;
      else sub('/decode', d.error);
    }
  } else {
    if (config.framing) problems.push({ path: '/framing', message: 'not used by protocol: modbus_rtu' });
    if (config.decode)
      problems.push({ path: '/decode', message: 'not used by protocol: modbus_rtu (use modbus.polls)' });
    if (!config.modbus) problems.push({ path: '/modbus', message: 'required by protocol: modbus_rtu' });
    else {
      const compiled = compilePolls(config.modbus);
      polls = compiled.polls;
      for (const p of compiled.problems) problems.push({ path: `/modbus${p.path}`, message: p.message });
    }
    const timing = rtuTiming({
      baudRate: config.baud_rate,
      dataBits: config.data_bits === 7 ? 7 : 8,
      parity: config.parity === 'even' || config.parity === 'odd' ? config.parity : 'none',
      stopBits: config.stop_bits === 2 ? 2 : 1,
    });
    if (!timing.ok || (config.data_bits !== 7 && config.data_bits !== 8))
      problems.push({ path: '/data_bits', message: 'Modbus RTU needs 7 or 8 data bits' });
  }
  if (config.reconnect.max_ms < config.reconnect.initial_ms)
    problems.push({ path: '/reconnect/max_ms', message: 'must not be below initial_ms' });
  if (problems.length > 0)
    return {
      ok: false,
      error: new CxpError(
        'INVALID_CONFIG',
        `invalid serial port ${config.id}: ${problems[0]?.message ?? ''}`,
        {
          details: { problems },
        },
      ),
    };
  return { ok: true, value: { framer, decoder, polls } };
}

/** Modbus ports are checked by default: a device that stops answering polls is silent. */
export function defaultExpectEvery(
  config: SerialBridgeConfig,
  polls: readonly CompiledPoll[],
): number | undefined {
  if (config.protocol !== 'modbus_rtu' || polls.length === 0) return undefined;
  const fastest = Math.min(...polls.map((p) => p.everyMs));
  const modbus = config.modbus;
  const perTry = modbus?.response_timeout_ms ?? 500;
  return 3 * fastest + perTry * (1 + (modbus?.retries ?? 0));
}

/** The 3.5-character silence between Modbus frames, whole ms; none for stream ports. */
export function gapMs(config: SerialBridgeConfig): number {
  if (config.protocol !== 'modbus_rtu') return 0;
  const timing = rtuTiming({
    baudRate: config.baud_rate,
    dataBits: config.data_bits === 7 ? 7 : 8,
    parity: config.parity === 'even' || config.parity === 'odd' ? config.parity : 'none',
    stopBits: config.stop_bits === 2 ? 2 : 1,
  });
  return timing.ok ? Math.max(1, Math.ceil(timing.value.silentIntervalMicros / 1000)) : 2;
}

/** How long a partial frame may sit before the framer's flush (gap or timeout), if ever. */
export function flushAfterMs(config: SerialBridgeConfig): number | undefined {
  const f = config.framing;
  if (!f) return undefined;
  return f.type === 'gap' ? f.gap_ms : f.timeout_ms;
}
