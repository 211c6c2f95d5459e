import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PrintEngine, realTimers } from './emulator-state.js';

/** The print engine on fake time: exact label timing, faults mid-label, cancels. */

let countdown: number | undefined;
let printed: string[];
let rooms: number;

function engine(maxBufferedFormats = 10): PrintEngine {
  return new PrintEngine({
    msPerLabel: 100,
    maxBufferedFormats,
    timers: realTimers,
    mediaCountdown: {
      get: () => countdown,
      set: (value) => {
        countdown = value;
      },
    },
    onPrinted: (formatIndex, labelNumber) => printed.push(`${formatIndex}.${labelNumber}`),
    onRoom: () => {
      rooms++;
    },
  });
}

beforeEach(() => {
  vi.useFakeTimers();
  countdown = undefined;
  printed = [];
  rooms = 0;
});

afterEach(() => {
  vi.useRealTimers();
});

describe('PrintEngine', () => {
  it('prints one label per msPerLabel, batch after batch', () => {
    const e = engine();
    e.enqueue(0, 2);
    e.enqueue(1, 1);
    expect([e.formatsInBuffer, e.labelsRemaining]).toEqual([2, 2]);
    vi.advanceTimersByTime(99);
    expect(e.printed).toBe(0);
    vi.advanceTimersByTime(1);
    expect([e.printed, e.formatsInBuffer, e.labelsRemaining]).toEqual([1, 2, 1]);
    vi.advanceTimersByTime(200);
    expect(printed).toEqual(['0.1', '0.2', '1.1']);
    expect([e.idle, rooms]).toEqual([true, 2]);
  });

  it('is full at capacity', () => {
    const e = engine(2);
    e.enqueue(0, 1);
    expect(e.full).toBe(false);
    e.enqueue(1, 1);
    expect(e.full).toBe(true);
  });

  it('a stopping fault loses the label in progress; pause lets it finish', () => {
    const e = engine();
    e.enqueue(0, 3);
    vi.advanceTimersByTime(50);
    e.setFaults({ headOpen: true });
    vi.advanceTimersByTime(500);
    expect(e.printed).toBe(0);
    e.setFaults({ headOpen: false });
    vi.advanceTimersByTime(150);
    expect(e.printed).toBe(1);
    e.setFaults({ paused: true }); // 50 ms into label 2
    vi.advanceTimersByTime(500);
    expect([e.printed, e.labelsRemaining]).toEqual([2, 1]);
  });

  it('runs out of media after the countdown, or at once when it is already 0', () => {
    const e = engine();
    countdown = 2;
    e.enqueue(0, 5);
    vi.advanceTimersByTime(1000);
    expect([e.printed, e.faults.paperOut, countdown]).toEqual([2, true, undefined]);
    countdown = 0;
    e.setFaults({ paperOut: false });
    vi.advanceTimersByTime(1000);
    expect([e.printed, e.faults.paperOut, e.labelsRemaining]).toEqual([2, true, 3]);
  });

  it('cancelAll keeps only the label on the head; pauseAndCancelCurrent drops the batch', () => {
    const e = engine();
    e.enqueue(0, 3);
    e.enqueue(1, 3);
    vi.advanceTimersByTime(150);
    e.cancelAll();
    expect([e.formatsInBuffer, e.labelsRemaining]).toEqual([1, 1]);
    vi.advanceTimersByTime(1000);
    expect(printed).toEqual(['0.1', '0.2']);
    e.enqueue(2, 2);
    e.enqueue(3, 1);
    vi.advanceTimersByTime(50);
    e.pauseAndCancelCurrent();
    expect([e.faults.paused, e.formatsInBuffer]).toEqual([true, 1]);
    e.setFaults({ paused: false });
    vi.advanceTimersByTime(100);
    expect(printed.at(-1)).toBe('3.1');
  });

  it('stop() clears its timer', () => {
    const e = engine();
    e.enqueue(0, 1);
    e.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});
