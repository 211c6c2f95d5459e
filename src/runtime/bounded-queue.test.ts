import { describe, expect, it } from 'vitest';
import { CxpError } from '../cxp/errors.js';
import { BoundedQueue } from './bounded-queue.js';

function drain<T>(queue: BoundedQueue<T>): T[] {
  const items: T[] = [];
  for (let item = queue.shift(); item !== undefined; item = queue.shift()) items.push(item);
  return items;
}

describe('BoundedQueue', () => {
  it('is a FIFO that wraps around its ring', () => {
    const queue = new BoundedQueue<number>({ capacity: 3, policy: 'block' });
    expect(queue.push(1)).toBe('queued');
    expect(queue.push(2)).toBe('queued');
    expect(queue.shift()).toBe(1);
    expect(queue.push(3)).toBe('queued');
    expect(queue.push(4)).toBe('queued');
    expect(queue.size).toBe(3);
    expect(drain(queue)).toEqual([2, 3, 4]);
    expect(queue.shift()).toBeUndefined();
    expect(queue.size).toBe(0);
  });

  it('drop-oldest discards the head and counts it', () => {
    const queue = new BoundedQueue<number>({ capacity: 2, policy: 'drop-oldest' });
    queue.push(1);
    queue.push(2);
    expect(queue.push(3)).toBe('dropped_oldest');
    expect(queue.push(4)).toBe('dropped_oldest');
    expect(queue.dropped).toBe(2);
    expect(drain(queue)).toEqual([3, 4]);
  });

  it('drop-newest discards the new item and counts it', () => {
    const queue = new BoundedQueue<string>({ capacity: 2, policy: 'drop-newest' });
    queue.push('a');
    queue.push('b');
    expect(queue.push('c')).toBe('dropped_newest');
    expect(queue.dropped).toBe(1);
    expect(drain(queue)).toEqual(['a', 'b']);
  });

  it('block answers full, drops nothing, and wakes the producer when space appears', async () => {
    const queue = new BoundedQueue<number>({ capacity: 1, policy: 'block' });
    await queue.waitForSpace(); // room now: resolves at once
    queue.push(1);
    expect(queue.push(2)).toBe('full');
    expect(queue.dropped).toBe(0);
    let woken = false;
    const waiting = queue.waitForSpace().then(() => (woken = true));
    await Promise.resolve();
    expect(woken).toBe(false);
    queue.shift();
    await waiting;
    expect(woken).toBe(true);
    expect(queue.push(2)).toBe('queued');
  });

  it('clear wakes blocked producers and aborting a wait rejects it', async () => {
    const queue = new BoundedQueue<number>({ capacity: 1, policy: 'block' });
    queue.push(1);
    const waiting = queue.waitForSpace();
    queue.clear();
    await waiting;
    expect(queue.size).toBe(0);

    queue.push(1);
    const controller = new AbortController();
    const aborted = queue.waitForSpace(controller.signal);
    controller.abort(new Error('stopping'));
    await expect(aborted).rejects.toThrow('stopping');
    await expect(queue.waitForSpace(controller.signal)).rejects.toThrow('stopping');
    queue.shift(); // the aborted waiter is gone; nothing left to wake
  });

  it('stays bounded over 10,000 pushes under each drop policy', () => {
    for (const policy of ['drop-oldest', 'drop-newest'] as const) {
      const queue = new BoundedQueue<number>({ capacity: 100, policy });
      for (let i = 0; i < 10_000; i++) {
        queue.push(i);
        expect(queue.size).toBeLessThanOrEqual(100);
      }
      expect(queue.dropped).toBe(9_900);
      const items = drain(queue);
      expect(items[0]).toBe(policy === 'drop-oldest' ? 9_900 : 0);
      expect(items).toHaveLength(100);
    }
    const blocking = new BoundedQueue<number>({ capacity: 100, policy: 'block' });
    let full = 0;
    for (let i = 0; i < 10_000; i++) if (blocking.push(i) === 'full') full++;
    expect(blocking.size).toBe(100);
    expect(full).toBe(9_900);
  });

  it('rejects a bad capacity with a coded error', () => {
    expect(() => new BoundedQueue({ capacity: 0, policy: 'block' })).toThrow(CxpError);
    expect(() => new BoundedQueue({ capacity: 1.5, policy: 'block' })).toThrow(/capacity/);
  });
});
