import { describe, expect, it } from 'vitest';
import { ManualClock } from '../cxp/clock.js';
import { IdGenerator } from '../cxp/ids.js';
import { MessageFactory } from '../cxp/message.js';
import type { CxpMessage, MessageOf } from '../cxp/schema/index.js';
import { ContextProvider } from '../context/sparse/provider.js';
import { ContextStore } from '../context/store.js';
import { CxpDispatcher, type ActionHandler } from '../runtime/dispatcher.js';
import { createDefaultCatalogs, LABEL_CAPABILITIES, PRINTING_LABEL } from './catalogs.js';
import { ProviderRegistry, type DeviceProvider } from './providers.js';

function setup() {
  const clock = new ManualClock(Date.UTC(2026, 10, 21));
  const ids = new IdGenerator(clock);
  const messages = new MessageFactory({ clock, ids, source: { id: 'gw', kind: 'gateway' } });
  const store = new ContextStore({ clock });
  const dispatcher = new CxpDispatcher({
    provider: new ContextProvider({ store, messages, clock }),
    messages,
    clock,
    intentHooks: () => [],
  });
  const registry = new ProviderRegistry({
    dispatcher,
    messages,
    catalogs: createDefaultCatalogs(),
    supportedVersions: [1],
  });
  const provider = (id: string, handler?: ActionHandler): DeviceProvider => ({
    id,
    identity: { interface: PRINTING_LABEL, provider: 'test', version: '1' },
    matrix: () => ({ capabilities: [{ name: LABEL_CAPABILITIES.zplLanguage }] }),
    operations: new Map<string, ActionHandler>([
      [
        'print.job_status',
        handler ??
          ((req) =>
            messages.create('ACTION_RESULT', {
              correlation_id: req.id ?? '*',
              status: 'succeeded',
              result: { from: id },
            })),
      ],
    ]),
  });
  const request = (action: string, extra: Record<string, unknown> = {}) =>
    ({
      cxp_version: '1.0',
      type: 'ACTION_REQUEST',
      id: 'r1',
      action,
      ...extra,
    }) as MessageOf<'ACTION_REQUEST'>;
  return { dispatcher, registry, provider, request, messages };
}

const firstResult = (replies: CxpMessage[]) => replies[0] as MessageOf<'ACTION_RESULT'>;

describe('ProviderRegistry', () => {
  it('routes by target, and to the only provider when none is named', async () => {
    const { dispatcher, registry, provider, request } = setup();
    registry.add(provider('a'));
    expect(firstResult(await dispatcher.dispatch(request('print.job_status'), undefined)).result).toEqual({
      from: 'a',
    });
    registry.add(provider('b'));
    const ambiguous = firstResult(await dispatcher.dispatch(request('print.job_status'), undefined));
    expect(ambiguous).toMatchObject({
      status: 'rejected',
      error: { code: 'UNKNOWN_TARGET', details: { known: ['a', 'b'] } },
    });
    const b = firstResult(await dispatcher.dispatch(request('print.job_status', { target: 'b' }), undefined));
    expect(b.result).toEqual({ from: 'b' });
    const nobody = firstResult(
      await dispatcher.dispatch(request('print.job_status', { target: 'zz' }), undefined),
    );
    expect(nobody).toMatchObject({ status: 'rejected', error: { code: 'UNKNOWN_TARGET' } });
    expect(() => {
      registry.add(provider('a'));
    }).toThrow(/two providers/);
  });

  it('answers cap.handshake for the named provider from its current matrix', async () => {
    const { dispatcher, registry, provider, request } = setup();
    registry.add(provider('a'));
    const handshake = firstResult(
      await dispatcher.dispatch(
        request('cap.handshake', {
          target: 'a',
          params: {
            client_identity: { interface: 'printing/manager', provider: 'planner', version: '1' },
            required_capabilities: [LABEL_CAPABILITIES.zplLanguage],
            optional_capabilities: [LABEL_CAPABILITIES.mediaValidation],
          },
        }),
        undefined,
      ),
    );
    expect(handshake).toMatchObject({
      status: 'succeeded',
      result: { status: 'degraded', missing_optional_capabilities: [LABEL_CAPABILITIES.mediaValidation] },
    });
  });

  it('publishes a document of every provider and tells listeners about changes', () => {
    const { registry, provider } = setup();
    let changes = 0;
    registry.onChange(() => (changes += 1));
    registry.add(provider('a'));
    registry.changed();
    expect(changes).toBe(2);
    expect(registry.document().providers.map((p) => p.id)).toEqual(['a']);
    registry.remove('a');
    expect(registry.document().providers).toEqual([]);
  });

  it('sends results a handler emits before answering after its first answer, and later ones as they come', async () => {
    const { dispatcher, registry, provider, request, messages } = setup();
    let emitLater: ((m: MessageOf<'ACTION_RESULT'>) => void) | undefined;
    registry.add(
      provider('a', (req, _p, context) => {
        const result = (status: 'running' | 'succeeded' | 'accepted') =>
          messages.create('ACTION_RESULT', { correlation_id: req.id ?? '*', status });
        context.emit(result('running'));
        emitLater = (m) => {
          context.emit(m);
        };
        return result('accepted');
      }),
    );
    const later: CxpMessage[] = [];
    const replies = await dispatcher.dispatch(request('print.job_status'), undefined, (m) => later.push(m));
    expect(replies.map((r) => (r as MessageOf<'ACTION_RESULT'>).status)).toEqual(['accepted', 'running']);
    expect(later).toEqual([]);
    emitLater?.(messages.create('ACTION_RESULT', { correlation_id: 'r1', status: 'succeeded' }));
    expect(later.map((r) => (r as MessageOf<'ACTION_RESULT'>).status)).toEqual(['succeeded']);
  });
});
