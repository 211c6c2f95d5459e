import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/cxp/clock.js';
import { CxpError } from '../../src/cxp/errors.js';
import { zebraConfig } from '../../test/helpers/zebra.js';
import { ZebraJobs, type ZebraJob } from './jobs.js';

function jobs(extra: Record<string, unknown> = {}) {
  const clock = new ManualClock(Date.UTC(2026, 10, 21));
  const changes: string[] = [];
  let n = 0;
  const config = zebraConfig({
    id: 'zt',
    host: 'h',
    queue_capacity: 2,
    job_retention: 10,
    max_pending_ms: 1000,
    ...extra,
  });
  const j = new ZebraJobs(
    config,
    clock,
    () => `job-${++n}`,
    (job) => changes.push(`${job.id}:${job.state}`),
  );
  return { j, clock, changes };
}

const added = (r: ReturnType<ZebraJobs['add']>): ZebraJob => {
  if (!r.ok) throw r.error;
  return r.value;
};

describe('ZebraJobs', () => {
  it('moves a job pending -> processing -> completed with its status and frees the document', () => {
    const { j, clock, changes } = jobs();
    const job = added(j.add('^XA^FDx^FS^PQ4^XZ', 4));
    j.sending(job);
    job.odometerStart = 100;
    j.sent(job);
    clock.advance(500);
    j.progress(job, undefined, 2);
    expect(j.status(job)).toMatchObject({
      status: 'processing',
      progress_percent: 50,
      metadata: { labels_remaining: 2 },
    });
    j.complete(job, 4);
    expect(j.status(job)).toMatchObject({
      work_id: 'job-1',
      status: 'completed',
      progress_percent: 100,
      metadata: { printer: 'zt', labels: 4, labels_printed: 4, labels_remaining: 0 },
    });
    expect(job.document).toBe('');
    expect(j.active).toBeUndefined();
    expect(changes).toEqual(['job-1:pending', 'job-1:processing', 'job-1:processing', 'job-1:completed']);
  });

  it('refuses beyond the queue capacity with DEVICE_BUSY', () => {
    const { j } = jobs();
    added(j.add('a', 1));
    added(j.add('b', 1));
    const third = j.add('c', 1);
    expect(third.ok).toBe(false);
    if (!third.ok) expect(third.error.code).toBe('DEVICE_BUSY');
  });

  it('holds with a reason, then fails what waited longer than max_pending_ms with that reason', () => {
    const { j, clock } = jobs();
    const job = added(j.add('a', 1));
    const paused = new CxpError('PAUSED', 'paused').toWire();
    j.hold(job, paused);
    expect(j.status(job)).toMatchObject({ status: 'held', error: { code: 'PAUSED' } });
    clock.advance(1001);
    j.expirePending(clock.now(), paused);
    expect(j.status(job)).toMatchObject({
      status: 'failed',
      error: { code: 'PAUSED', details: { waited_ms: 1001 } },
    });
    expect(j.waiting).toBe(0);
  });

  it('cancels a waiting job once, and refuses to cancel a finished one', () => {
    const { j } = jobs();
    const job = added(j.add('a', 1));
    expect(j.cancel(job).ok).toBe(true);
    expect(j.status(job)).toMatchObject({ status: 'canceled', error: { code: 'JOB_CANCELED' } });
    const again = j.cancel(job);
    expect(again.ok).toBe(false);
    if (!again.ok) expect(again.error.code).toBe('INVALID_PARAMS');
  });

  it('forgets the oldest finished jobs beyond job_retention, never a waiting one', () => {
    const { j } = jobs({ queue_capacity: 100 });
    const waiting = added(j.add('w', 1));
    const done: ZebraJob[] = [];
    for (let i = 0; i < 15; i++) {
      const job = added(j.add('x', 1));
      j.fail(job, new CxpError('CONNECTION_LOST', 'x').toWire());
      done.push(job);
    }
    expect(j.get(waiting.id)).toBe(waiting);
    expect(j.get(done[0]?.id ?? '')).toBeUndefined();
    expect(j.get(done[14]?.id ?? '')).toBeDefined();
    expect(done.filter((d) => j.get(d.id) !== undefined)).toHaveLength(10);
  });
});
