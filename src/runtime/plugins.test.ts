import { describe, expect, it } from 'vitest';
import type { Component } from './lifecycle.js';
import { lazyComponent } from './plugins.js';

/** A component that records its calls in `log`; `failStart` makes its start reject. */
function inner(log: string[], options: { failStart?: boolean } = {}): Component {
  return {
    name: 'inner',
    start: () => {
      log.push('start');
      return options.failStart === true ? Promise.reject(new Error('no printer')) : Promise.resolve();
    },
    quiesce: () => {
      log.push('quiesce');
    },
    stop: () => {
      log.push('stop');
      return Promise.resolve();
    },
  };
}

/** A load that records itself and resolves `built` (or rejects with `fail`). */
function loader(log: string[], built: Component, fail?: Error): () => Promise<Component> {
  return async () => {
    log.push('load');
    await Promise.resolve();
    if (fail) throw fail;
    return built;
  };
}

const signal = new AbortController().signal;

describe('lazyComponent', () => {
  it('loads on start, then starts, quiesces and stops the loaded component once', async () => {
    const log: string[] = [];
    const built = inner(log);
    const c = lazyComponent('zebra:zt1', loader(log, built));
    expect(c.name).toBe('zebra:zt1');
    expect(c.inner).toBeUndefined();
    expect(log).toEqual([]);
    await c.start(signal);
    expect(c.inner).toBe(built);
    await c.quiesce();
    await Promise.all([c.stop(), c.stop()]);
    await c.stop();
    expect(log).toEqual(['load', 'start', 'quiesce', 'stop']);
  });

  it('prepare loads without starting; start then does not load again', async () => {
    const log: string[] = [];
    const c = lazyComponent('ipp:press', loader(log, inner(log)));
    await Promise.all([c.prepare(), c.prepare()]);
    expect(log).toEqual(['load']);
    expect(c.inner).toBeDefined();
    await c.start(signal);
    await c.stop();
    expect(log).toEqual(['load', 'start', 'stop']);
  });

  it('stop before start loads nothing and resolves; a later start is refused', async () => {
    const log: string[] = [];
    const c = lazyComponent('bridge:robot', loader(log, inner(log)));
    await c.quiesce();
    await c.stop();
    expect(log).toEqual([]);
    await expect(c.start(signal)).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
    expect(log).toEqual([]);
  });

  it('stops a component that was loaded but never started', async () => {
    const log: string[] = [];
    const c = lazyComponent('zebra:zt1', loader(log, inner(log)));
    await c.prepare();
    await c.stop();
    expect(log).toEqual(['load', 'stop']);
  });

  it('a stop while loading stops the loaded component, and the start in flight does not start it', async () => {
    const log: string[] = [];
    const c = lazyComponent('zebra:zt1', loader(log, inner(log)));
    const starting = c.start(signal);
    const stopping = c.stop();
    await Promise.all([starting, stopping]);
    expect(log).toEqual(['load', 'stop']);
  });

  it('a load failure is the start failure; stop afterwards resolves', async () => {
    const log: string[] = [];
    const c = lazyComponent('bridge:robot', loader(log, inner(log), new Error('no such module')));
    await expect(c.start(signal)).rejects.toThrow('no such module');
    await expect(c.prepare()).rejects.toThrow('no such module');
    expect(c.inner).toBeUndefined();
    await c.quiesce();
    await c.stop();
    expect(log).toEqual(['load']);
  });

  it('a failed start of the loaded component propagates, and stop still releases it', async () => {
    const log: string[] = [];
    const c = lazyComponent('ipp:press', loader(log, inner(log, { failStart: true })));
    await expect(c.start(signal)).rejects.toThrow('no printer');
    await c.stop();
    expect(log).toEqual(['load', 'start', 'stop']);
  });
});
