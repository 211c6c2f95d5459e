import { describe, expect, it } from 'vitest';
import { createWatcher, rangeProblem } from './watchers.js';

/** Watchers on their own: the inputs they give for odd values. */

describe('rangeProblem', () => {
  it('wants the unit on a bare number too', () => {
    expect(rangeProblem({ unit: 'degC', max: 1 }, 0)).toEqual({
      invalid: true,
      message: 'unit null is not degC',
    });
  });
});

describe('device watcher', () => {
  const watcher = createWatcher(
    {
      kind: 'device',
      id: 'd',
      severity: 'WARNING',
      refs: ['resources/printers/*'],
      codes: {},
      ignore: [],
      raise_after_ms: 0,
      clear_after_ms: 0,
      interlocks: [],
    },
    0,
  );

  it('ignores other refs and malformed error entries, and clears codes when the entry goes', () => {
    expect(watcher.observe('resources/serial/x', { online: false }, 0)).toEqual([]);
    const first = watcher.observe(
      'resources/printers/p',
      {
        online: true,
        errors: [{ code: 'MEDIA_OUT' }, { code: 7 }, 'HEAD_OPEN', null, { code: 'PAPER', message: 'low' }],
      },
      0,
    );
    expect(first.map((i) => [i.kind, i.present, i.message])).toEqual([
      ['fault.device_media_out', true, 'resources/printers/p: MEDIA_OUT MEDIA_OUT'],
      ['fault.device_paper', true, 'resources/printers/p: PAPER low'],
    ]);
    const kept = watcher.observe('resources/printers/p', { online: true, errors: [{ code: 'PAPER' }] }, 1);
    expect(kept.map((i) => [i.kind, i.present])).toEqual([
      ['fault.device_paper', true],
      ['fault.device_media_out', false],
    ]);
    const gone = watcher.observe('resources/printers/p', undefined, 2);
    expect(gone.map((i) => [i.kind, i.present])).toEqual([['fault.device_paper', false]]);
    expect(watcher.observe('resources/printers/p', undefined, 3)).toEqual([]);
  });
});
