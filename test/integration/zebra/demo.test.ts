import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../helpers/gateway-harness.js';
import { freePort, ROOT, waitForPort } from '../../helpers/peers.js';

/**
 * The acceptance path of the Zebra issue, end to end with real processes: `cxp-edge demo` (embedded
 * broker, emulated printer), an ACTION_REQUEST sent with mosquitto_pub, and the ACTION_RESULTs read
 * with mosquitto_sub until the job has completed.
 */

const hasClients = spawnSync('mosquitto_pub', ['--help']).error === undefined;

describe.skipIf(!hasClients)('cxp-edge demo prints a label requested with mosquitto_pub', () => {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('answers accepted, running, then succeeded with the job completed, and stops on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cxp-demo-'));
    dirs.push(dir);
    const port = await freePort();
    const config = join(dir, 'demo.yaml');
    writeFileSync(
      config,
      [
        `gateway: { id: demo-test, state_dir: ${join(dir, 'state')} }`,
        'log: { level: warn }',
        'http: { enabled: false }',
        `broker: { host: 127.0.0.1, port: ${port} }`,
        'devices: []',
        '',
      ].join('\n'),
    );
    const demo = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src/runtime/cli.ts'), 'demo', '-c', config],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(demo);
    let demoErr = '';
    demo.stderr.on('data', (c: Buffer) => (demoErr += c.toString()));
    demo.stdout.resume();
    await waitForPort(port, 20_000);

    const lines: string[] = [];
    const sub = spawn(
      'mosquitto_sub',
      ['-h', '127.0.0.1', '-p', String(port), '-t', 'cxp/v1/demo-test/out/#', '-q', '1'],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    children.push(sub);
    sub.stdout.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean)));
    const capabilities = spawnSync(
      'mosquitto_sub',
      ['-h', '127.0.0.1', '-p', String(port), '-t', 'cxp/v1/demo-test/capabilities', '-C', '1', '-W', '10'],
      { encoding: 'utf8' },
    );
    expect(capabilities.stdout).toContain('"printing/label"');

    const request = {
      cxp_version: '1.0',
      type: 'ACTION_REQUEST',
      id: 'req-demo-1',
      source: { id: 'tester', kind: 'agent' },
      target: 'demo-zt411',
      action: 'print.submit',
      params: {
        template: 'shipping',
        variables: {
          order: 'SO-55120',
          item: 'Tote, blue',
          sku: '55120',
          url: 'https://example.invalid/o/55120',
        },
      },
    };
    await new Promise((r) => setTimeout(r, 300)); // mosquitto_sub subscribed
    const pub = spawnSync('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-t',
      'cxp/v1/demo-test/in',
      '-q',
      '1',
      '-m',
      JSON.stringify(request),
    ]);
    expect(pub.status).toBe(0);
    const results = () =>
      lines.map(
        (l) => JSON.parse(l) as { type: string; correlation_id?: string; status?: string; result?: unknown },
      );
    await until(
      () => results().some((m) => m.correlation_id === 'req-demo-1' && m.status === 'succeeded'),
      20_000,
      () => `the succeeded result (got ${lines.join(' | ')}; demo stderr ${demoErr.slice(-500)})`,
    );
    const mine = results().filter((m) => m.correlation_id === 'req-demo-1');
    expect(mine.map((m) => m.status)).toEqual(['accepted', 'running', 'succeeded']);
    expect(mine.at(-1)?.result).toMatchObject({ status: 'completed', progress_percent: 100 });

    const exited = new Promise<number | null>((resolve) =>
      demo.once('exit', (code) => {
        resolve(code);
      }),
    );
    demo.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);
});
