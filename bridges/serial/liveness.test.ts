import { describe, expect, it } from 'vitest';
import { Liveness } from './liveness.js';

/** Liveness on fake monotonic time: open/closed, silence, never-seen data, error bursts. */

const make = (expectEveryMs: number | undefined) =>
  new Liveness({ expectEveryMs, burstCount: 3, burstWindowMs: 1000 });

describe('Liveness', () => {
  it('is opening until the first open, with the reason the port is not open', () => {
    const l = make(1000);
    expect(l.view(0)).toMatchObject({ online: false, state: 'opening' });
    l.closed('cannot open /dev/ttyUSB0: ENOENT');
    expect(l.view(10).faults).toEqual([
      { code: 'DEVICE_OFFLINE', message: 'cannot open /dev/ttyUSB0: ENOENT' },
    ]);
  });

  it('goes ok on open, silent after the expected interval without data, ok again on data', () => {
    const l = make(1000);
    l.opened(100);
    expect(l.view(100).state).toBe('ok');
    expect(l.nextCheck(100)).toBe(1100);
    expect(l.view(1099).state).toBe('ok');
    const silent = l.view(1100);
    expect(silent.state).toBe('silent');
    expect(silent.faults[0]?.message).toMatch(/no data since the port opened 1000 ms ago/);
    l.data(1200);
    expect(l.view(1200)).toMatchObject({ state: 'ok', lastDataAt: 1200 });
    expect(l.nextCheck(1200)).toBe(2200);
    expect(l.view(2300).faults[0]?.message).toMatch(/no data for 1100 ms/);
  });

  it('never reports silence without an expected interval', () => {
    const l = make(undefined);
    l.opened(0);
    expect(l.view(1e9).state).toBe('ok');
    expect(l.nextCheck(0)).toBeUndefined();
  });

  it('is disconnected after a close, and data from before a reopen does not count', () => {
    const l = make(1000);
    l.opened(0);
    l.data(500);
    l.closed('disconnected');
    expect(l.view(600)).toMatchObject({ online: false, state: 'disconnected' });
    expect(l.nextCheck(600)).toBeUndefined();
    l.opened(2000);
    expect(l.view(2500).state).toBe('ok');
    expect(l.view(3000).faults[0]?.message).toMatch(/since the port reopened/);
  });

  it('is noisy while the last burstCount errors fall within the window, and says when that ends', () => {
    const l = make(undefined);
    l.opened(0);
    l.error(100);
    l.error(200);
    expect(l.noisy(200)).toBe(false);
    l.error(300);
    expect(l.view(300)).toMatchObject({ state: 'noisy', faults: [{ code: 'DEVICE_NOISY' }] });
    expect(l.nextCheck(300)).toBe(1100);
    expect(l.noisy(1099)).toBe(true);
    expect(l.noisy(1100)).toBe(false);
    // errors spread wider than the window never make a burst
    for (let t = 2000; t < 10_000; t += 600) {
      l.error(t);
      expect(l.noisy(t)).toBe(false);
    }
  });

  it('ranks disconnected over silent over noisy, and lists every fault', () => {
    const l = make(100);
    l.opened(0);
    for (const t of [10, 20, 30]) l.error(t);
    const v = l.view(150);
    expect(v.state).toBe('silent');
    expect(v.faults.map((f) => f.code)).toEqual(['DEVICE_SILENT', 'DEVICE_NOISY']);
    l.closed('disconnected');
    expect(l.view(160).faults.map((f) => f.code)).toEqual(['DEVICE_OFFLINE', 'DEVICE_NOISY']);
  });

  it('changed() reports a view only when the state or fault codes change', () => {
    const l = make(1000);
    expect(l.changed(0)?.state).toBe('opening');
    expect(l.changed(1)).toBeUndefined();
    l.opened(2);
    expect(l.changed(3)?.state).toBe('ok');
    l.data(4);
    expect(l.changed(5)).toBeUndefined();
    expect(l.changed(2000)?.state).toBe('silent');
    expect(l.changed(3000)).toBeUndefined();
  });
});
