import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { SerialLink, type SerialLinkOptions } from './link.js';

/**
 * The contract of `SerialLink` against one kind of cable (house style rule 5): the same cases run
 * on the scriptable fake (fake-cable.ts) and on a kernel pty pair from socat (test/helpers/pty.ts).
 * Every wait has a time limit, so a link that hangs fails the case in seconds.
 */

/** A serialport binding, as `SerialLinkOptions.binding` takes it. */
export type SerialBinding = NonNullable<SerialLinkOptions['binding']>;

/** A serial cable between the link (the gateway end, `path`) and a device the test plays. */
export interface Cable {
  /** Path the link opens. */
  readonly path: string;
  /** The binding to open `path` with; undefined for the platform's (a real tty). */
  readonly binding?: SerialBinding;
  /** Writes bytes as the device; throws while unplugged. */
  send(bytes: Uint8Array | string): void;
  /** Reads what the link wrote, waiting up to `timeoutMs` for at least `min` bytes (fewer at timeout). */
  receive(min: number, timeoutMs?: number): Promise<Buffer>;
  /** Pulls the cable: the path disappears and an open port goes away under the link. */
  unplug(): Promise<void>;
  /** Puts it back: the same path opens again. */
  replug(): Promise<void>;
  stop(): Promise<void>;
}

const RECONNECT = { initialMs: 50, maxMs: 200 };
/** The link's backoff jitter (link.ts). */
const JITTER = 0.1;
const LONGEST_DELAY_MS = RECONNECT.maxMs * (1 + JITTER);
/** Scheduling, open and polling slack on a busy CI machine. */
const SLACK_MS = 250;
/** Upper bound on one case: a hang fails here, not at vitest's default. */
const CASE_MS = 10_000;

export function serialLinkContract(name: string, makeCable: () => Promise<Cable>): void {
  describe(`SerialLink contract on ${name}`, () => {
    const cleanups: (() => Promise<unknown>)[] = [];
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await within(c(), 3000, 'cleanup');
    });

    async function cable(options: { plugged?: boolean } = {}): Promise<Cable> {
      const c = await within(makeCable(), 3000, 'the cable');
      cleanups.push(() => c.stop());
      if (options.plugged === false) await within(c.unplug(), 3000, 'unplug');
      return c;
    }

    function link(c: Cable) {
      const chunks: Buffer[] = [];
      const states: string[] = [];
      const retries: number[] = [];
      const l = new SerialLink({
        path: c.path,
        baudRate: 115200,
        reconnect: RECONNECT,
        binding: c.binding,
        logger: pino({ level: 'silent' }),
        onData: (chunk) => chunks.push(chunk),
        onState: (s, reason) => states.push(reason === undefined ? s : `${s}:${reason}`),
        onRetry: (delay) => retries.push(delay),
      });
      cleanups.push(() => l.stop());
      const text = () => Buffer.concat(chunks).toString();
      return { l, states, retries, text };
    }

    async function opened(c: Cable) {
      const h = link(c);
      h.l.start();
      await until(() => h.l.isOpen, 3000, 'open');
      return h;
    }

    it(
      'reads what the device sends, several chunks, in order',
      async () => {
        const c = await cable();
        const { text } = await opened(c);
        const sent = ['weight=12.5 kg\n', 'weight=12.6 kg\n', 'ST,GS,+0012.7kg\r\n', '\x02binary\x00\x03'];
        for (const s of sent) c.send(s);
        for (const s of ['late 1\n', 'late 2\n']) {
          await pause(20);
          c.send(s);
          sent.push(s);
        }
        const all = sent.join('');
        await until(
          () => text().length >= all.length,
          2000,
          () => `all the data (got ${text().length})`,
        );
        expect(text()).toBe(all);
      },
      CASE_MS,
    );

    it(
      'writes reach the device in the order they were submitted, however many are in flight',
      async () => {
        const c = await cable();
        const { l } = await opened(c);
        const payloads = Array.from({ length: 16 }, (_, i) => Buffer.from(`${i}:${'x'.repeat(i * 37)}\n`));
        const results = await within(Promise.all(payloads.map((p) => l.write(p))), 3000, 'the writes');
        expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(payloads.map(() => 'ok'));
        const all = Buffer.concat(payloads);
        expect((await c.receive(all.length, 3000)).toString()).toBe(all.toString());
      },
      CASE_MS,
    );

    it(
      'refuses a write while the port is closed with DEVICE_OFFLINE',
      async () => {
        const c = await cable();
        const h = link(c);
        expect(await code(h.l.write(Buffer.from('before start')))).toBe('DEVICE_OFFLINE');
        h.l.start();
        await until(() => h.l.isOpen, 3000, 'open');
        await c.unplug();
        await until(() => !h.l.isOpen, 1500, 'the unplug seen');
        expect(await code(h.l.write(Buffer.from('unplugged')))).toBe('DEVICE_OFFLINE');
        await h.l.stop();
        expect(await code(h.l.write(Buffer.from('stopped')))).toBe('DEVICE_OFFLINE');
      },
      CASE_MS,
    );

    it(
      'retries a port that does not exist yet, reports it closed once, and opens it once it appears',
      async () => {
        const c = await cable({ plugged: false });
        const { l, states, retries, text } = link(c);
        l.start();
        await until(
          () => retries.length >= 3,
          2000,
          () => `three retries (got ${retries.length})`,
        );
        expect(l.isOpen).toBe(false);
        expect(states).toHaveLength(1);
        expect(states[0]).toMatch(/^closed:/);
        expect(states[0]).toContain(c.path);
        for (const delay of retries) expect(delay).toBeLessThanOrEqual(LONGEST_DELAY_MS);
        await c.replug();
        await until(() => l.isOpen, LONGEST_DELAY_MS + SLACK_MS, 'open once present');
        expect(states.slice(1)).toEqual(['open']);
        c.send('hello\n');
        await until(() => text() === 'hello\n', 2000, 'data');
      },
      CASE_MS,
    );

    it(
      'reports an unplug as closed: disconnected by itself, without a write, within 1.5 s',
      async () => {
        const c = await cable();
        const { l, states } = await opened(c);
        await c.unplug();
        await until(() => states.length > 1, 1500, 'the unplug reported');
        expect(states.slice(0, 2)).toEqual(['open', 'closed:disconnected']);
        expect(l.isOpen).toBe(false);
        // Later failures to reopen are reported under their own reason, never as another unplug.
        await pause(LONGEST_DELAY_MS);
        expect(states.filter((s) => s === 'closed:disconnected')).toHaveLength(1);
      },
      CASE_MS,
    );

    it(
      'reopens within its backoff after a replug, and data flows both ways again',
      async () => {
        const c = await cable();
        const { l, states, retries, text } = await opened(c);
        await c.unplug();
        await until(() => states.includes('closed:disconnected'), 1500, 'the unplug reported');
        // Long enough for the backoff to reach its cap.
        await until(() => retries.length >= 4, 2000, 'retries while unplugged');
        await c.replug();
        const replugged = Date.now();
        await until(() => l.isOpen, LONGEST_DELAY_MS + SLACK_MS, 'reopened within the backoff');
        expect(Date.now() - replugged).toBeLessThan(LONGEST_DELAY_MS + SLACK_MS);
        expect(l.opens).toBe(2);
        expect(states.at(-1)).toBe('open');
        c.send('again\n');
        await until(() => text() === 'again\n', 2000, 'data after the replug');
        expect(await code(l.write(Buffer.from('T\r\n')))).toBe('ok');
        expect((await c.receive(3, 2000)).toString()).toBe('T\r\n');
      },
      CASE_MS,
    );

    it(
      'stop() closes the port (another link can open it) and reports nothing more',
      async () => {
        const c = await cable();
        const first = await opened(c);
        await within(first.l.stop(), 2000, 'stop');
        expect(first.l.isOpen).toBe(false);
        const states = first.states.length;
        const retries = first.retries.length;
        const second = link(c);
        second.l.start();
        await until(() => second.l.isOpen, 2000, 'the port opened by another link after the stop');
        await pause(3 * LONGEST_DELAY_MS);
        expect(first.states).toHaveLength(states);
        expect(first.retries).toHaveLength(retries);
      },
      CASE_MS,
    );

    it(
      'stop() while retrying ends the retries: no onRetry after it, no open after a replug',
      async () => {
        const c = await cable({ plugged: false });
        const { l, states, retries } = link(c);
        l.start();
        await until(() => retries.length >= 2, 2000, 'retries');
        await within(l.stop(), 2000, 'stop');
        const count = retries.length;
        const reported = states.length;
        await pause(3 * LONGEST_DELAY_MS);
        await c.replug();
        await pause(LONGEST_DELAY_MS + SLACK_MS);
        expect(retries).toHaveLength(count);
        expect(states).toHaveLength(reported);
        expect(l.isOpen).toBe(false);
        expect(l.opens).toBe(0);
      },
      CASE_MS,
    );

    it(
      'opens the port exclusively: a second link waits until the first lets go',
      async () => {
        const c = await cable();
        const first = await opened(c);
        const second = link(c);
        second.l.start();
        await until(() => second.states.length > 0, 2000, 'the second link refused');
        expect(second.states[0]).toMatch(/^closed:.*lock/i);
        expect(second.l.isOpen).toBe(false);
        expect(await code(first.l.write(Buffer.from('mine\n')))).toBe('ok');
        expect((await c.receive(5, 2000)).toString()).toBe('mine\n');
        await first.l.stop();
        await until(() => second.l.isOpen, LONGEST_DELAY_MS + SLACK_MS, 'the second link open');
      },
      CASE_MS,
    );

    it(
      'a write pending when the port goes away resolves with a coded error, and the queue moves on',
      async () => {
        const c = await cable();
        const { l, states } = await opened(c);
        // More than the cable buffers while the device reads nothing: the write stays pending.
        let settled = false;
        const pending = l.write(Buffer.alloc(1024 * 1024, 0x55)).finally(() => {
          settled = true;
        });
        await pause(300);
        expect(settled, 'the big write is still pending before the unplug').toBe(false);
        await c.unplug();
        const failed = await within(code(pending), 2000, 'the pending write after the unplug');
        expect(['CONNECTION_LOST', 'DEVICE_OFFLINE']).toContain(failed);
        await until(() => states.length > 1, 1500, 'the unplug reported');
        expect(states.slice(0, 2)).toEqual(['open', 'closed:disconnected']);
        await c.replug();
        await until(() => l.isOpen, LONGEST_DELAY_MS + SLACK_MS, 'reopened');
        expect(await within(code(l.write(Buffer.from('next\n'))), 2000, 'the next write')).toBe('ok');
        expect((await c.receive(5, 2000)).toString()).toBe('next\n');
      },
      CASE_MS,
    );
  });
}

/** 'ok', or the error code of a write's result. */
async function code(result: ReturnType<SerialLink['write']>): Promise<string> {
  const r = await result;
  return r.ok ? 'ok' : r.error.code;
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `promise`, or a failure naming `what` once `ms` have passed. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what} took more than ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` every 10 ms; fails naming `what` after `ms`. */
async function until(check: () => boolean, ms: number, what: string | (() => string)): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await pause(10);
  }
}
