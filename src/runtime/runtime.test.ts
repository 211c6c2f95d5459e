import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../cxp/clock.js';
import { CxpError } from '../cxp/errors.js';
import { IdGenerator } from '../cxp/ids.js';
import { MessageFactory } from '../cxp/message.js';
import { ContextProvider } from '../context/sparse/provider.js';
import { ContextStore } from '../context/store.js';
import { CxpDispatcher } from './dispatcher.js';
import { HttpServer } from './http.js';
import { Lifecycle, type Component } from './lifecycle.js';
import { GatewayMetrics } from './metrics.js';

const logger = pino({ level: 'silent' });

function recorder(
  log: string[],
  name: string,
  behaviour: { failStart?: boolean; hang?: boolean } = {},
): Component {
  return {
    name,
    start: () => {
      log.push(`start ${name}`);
      return behaviour.failStart === true ? Promise.reject(new Error('boom')) : Promise.resolve();
    },
    quiesce: () => {
      log.push(`quiesce ${name}`);
    },
    stop: () => {
      log.push(`stop ${name}`);
      return behaviour.hang === true ? new Promise(() => undefined) : Promise.resolve();
    },
  };
}

describe('Lifecycle', () => {
  it('starts in order and stops in two phases, in reverse, once', async () => {
    const log: string[] = [];
    const life = new Lifecycle({ logger, stopTimeoutMs: 1000 });
    for (const n of ['a', 'b', 'c']) life.add(recorder(log, n));
    await life.start();
    expect(life.state).toBe('running');
    await Promise.all([life.stop(), life.stop()]);
    expect(log).toEqual([
      'start a',
      'start b',
      'start c',
      'quiesce c',
      'quiesce b',
      'quiesce a',
      'stop c',
      'stop b',
      'stop a',
    ]);
    expect(life.state).toBe('stopped');
    expect(() => {
      life.add(recorder(log, 'late'));
    }).toThrow(CxpError);
  });

  it('stops what started when a later component fails, and abandons a hung stop at the deadline', async () => {
    const log: string[] = [];
    const life = new Lifecycle({ logger, stopTimeoutMs: 50 });
    life.add(recorder(log, 'a', { hang: true }));
    life.add(recorder(log, 'b', { failStart: true }));
    await expect(life.start()).rejects.toThrow('boom');
    expect(life.state).toBe('failed');
    expect(log).toEqual(['start a', 'start b', 'quiesce a', 'stop a']);
  });

  it('prepares every component, in order, before the first one starts; a failed prepare starts none', async () => {
    const prepared = (log: string[], name: string, fail = false): Component => ({
      ...recorder(log, name),
      prepare: () => {
        log.push(`prepare ${name}`);
        return fail ? Promise.reject(new Error('no module')) : Promise.resolve();
      },
    });
    const log: string[] = [];
    const life = new Lifecycle({ logger, stopTimeoutMs: 1000 });
    life.add(prepared(log, 'a'));
    life.add(recorder(log, 'b'));
    life.add(prepared(log, 'c'));
    await life.start();
    expect(log).toEqual(['prepare a', 'prepare c', 'start a', 'start b', 'start c']);

    const failed: string[] = [];
    const failing = new Lifecycle({ logger, stopTimeoutMs: 1000 });
    failing.add(recorder(failed, 'a'));
    failing.add(prepared(failed, 'b', true));
    await expect(failing.start()).rejects.toThrow('no module');
    expect(failing.state).toBe('failed');
    expect(failed).toEqual(['prepare b']);
  });
});

describe('CxpDispatcher', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 21));
  const messages = new MessageFactory({
    clock,
    ids: new IdGenerator(clock),
    source: { id: 'gw', kind: 'gateway' },
  });
  const store = new ContextStore({ clock });
  const provider = new ContextProvider({ store, messages, clock });
  const dispatcher = new CxpDispatcher({ provider, messages, clock, intentHooks: () => [] });
  dispatcher.registerAction('echo.ok', (req) =>
    messages.create('ACTION_RESULT', {
      correlation_id: req.id ?? '*',
      status: 'succeeded',
      result: req.params ?? {},
    }),
  );
  dispatcher.registerAction('echo.fail', () => {
    throw new CxpError('DEVICE_OFFLINE', 'printer gone');
  });

  it('routes each message type to what answers it', async () => {
    store.put({ ref: 'world/a', source: 's', value: 1 });
    const [expand] = await dispatcher.dispatch(
      { cxp_version: '1.0', type: 'CONTEXT_REQUEST', id: 'r', request: ['world/a'] },
      undefined,
    );
    expect(expand).toMatchObject({ type: 'CONTEXT_EXPAND', correlation_id: 'r' });
    const [intent] = await dispatcher.dispatch(
      { cxp_version: '1.0', type: 'INTENT_PROPOSE', id: 'i', intent: { name: 'x' } },
      undefined,
    );
    expect(intent).toMatchObject({
      type: 'CONTEXT_ACK',
      decision: 'rejected',
      reasons: [{ code: 'NO_DECISION_HOOK' }],
    });
    const [catchUp] = await dispatcher.dispatch(
      { cxp_version: '1.0', type: 'CONTEXT_ACK', ack: 0, status: 'ok' },
      { id: 'p' },
    );
    expect(catchUp).toMatchObject({ type: 'CONTEXT_DIFF', base_version: 0, version: 1 });
    const [tooOld] = await dispatcher.dispatch(
      { cxp_version: '1.0', type: 'CONTEXT_ACK', ack: 99, status: 'ok' },
      undefined,
    );
    expect(tooOld).toMatchObject({ status: 'rejected', error: { code: 'RESYNC_REQUIRED' } });
    const [other] = await dispatcher.dispatch(
      { cxp_version: '1.0', type: 'CONTEXT_PREVIEW', summary: 'x', context_refs: [] },
      undefined,
    );
    expect(other).toMatchObject({ status: 'rejected', error: { code: 'UNSUPPORTED_OPERATION' } });
  });

  it('runs actions, maps thrown errors to failed results and refuses unknown ones and expired messages', async () => {
    const base = { cxp_version: '1.0', type: 'ACTION_REQUEST' as const, id: 'a1' };
    expect(
      (await dispatcher.dispatch({ ...base, action: 'echo.ok', params: { n: 1 } }, undefined))[0],
    ).toMatchObject({ status: 'succeeded', result: { n: 1 } });
    expect((await dispatcher.dispatch({ ...base, action: 'echo.fail' }, undefined))[0]).toMatchObject({
      status: 'failed',
      error: { code: 'DEVICE_OFFLINE' },
    });
    expect((await dispatcher.dispatch({ ...base, action: 'nope' }, undefined))[0]).toMatchObject({
      status: 'rejected',
      error: { code: 'UNKNOWN_ACTION', details: { known: ['echo.fail', 'echo.ok'] } },
    });
    const old = { ...base, action: 'echo.ok', ts: '2020-01-01T00:00:00.000Z', ttl_ms: 1000 };
    expect((await dispatcher.dispatch(old, undefined))[0]).toMatchObject({
      type: 'CONTEXT_ACK',
      error: { code: 'EXPIRED' },
      correlation_id: 'a1',
    });
    expect(() => {
      dispatcher.registerAction('echo.ok', () => {
        throw new Error('x');
      });
    }).toThrow(CxpError);
  });
});

describe('HttpServer', () => {
  it('serves health, readiness with its checks, metrics and 404/405', async () => {
    const metrics = new GatewayMetrics({ processMetrics: false });
    const http = new HttpServer({ host: '127.0.0.1', port: 0, metrics, logger, info: { id: 'gw' } });
    let ready = false;
    http.addReadinessCheck('mqtt', () => ({ ready, detail: ready ? 'up' : 'down' }));
    http.addReadinessCheck('broken', () => {
      throw new Error('check failed');
    });
    await http.start();
    const url = `http://127.0.0.1:${http.address?.port ?? 0}`;
    try {
      expect(await (await fetch(`${url}/healthz`)).json()).toMatchObject({ status: 'ok', id: 'gw' });
      const r = await fetch(`${url}/readyz`);
      expect(r.status).toBe(503);
      expect(await r.json()).toMatchObject({
        ready: false,
        checks: { mqtt: { ready: false }, broken: { ready: false, detail: 'check failed' } },
      });
      ready = true;
      metrics.messagesIn.inc({ route: 'r', kind: 'k' });
      expect(await (await fetch(`${url}/metrics`)).text()).toContain(
        'cxp_edge_messages_in_total{route="r",kind="k"} 1',
      );
      expect((await fetch(`${url}/nope`)).status).toBe(404);
      expect((await fetch(`${url}/healthz`, { method: 'POST' })).status).toBe(405);
    } finally {
      await http.stop();
      await http.stop();
    }
  });
});
