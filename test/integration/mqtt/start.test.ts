import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, hasMosquitto, ROOT, waitForPort } from '../../helpers/peers.js';

/**
 * `cxp-edge start` as users run it: the real CLI process on the shipped config/default.yaml (ports and
 * state moved with CXP_EDGE_* overrides), watched with mosquitto_sub. Needs mosquitto-clients.
 */
describe.skipIf(!hasMosquitto())('cxp-edge start on its embedded broker', () => {
  let child: ChildProcess | undefined;
  const dirs: string[] = [];
  afterEach(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('shows the retained online status and a preview on cxp/v1/# within 2 s, and stops on SIGTERM', async () => {
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    const state = mkdtempSync(join(tmpdir(), 'cxp-start-'));
    dirs.push(state);
    const env = {
      ...process.env,
      CXP_EDGE_BROKER__PORT: String(mqttPort),
      CXP_EDGE_HTTP__PORT: String(httpPort),
      CXP_EDGE_GATEWAY__STATE_DIR: state,
      CXP_EDGE_GATEWAY__ID: 'smoke',
      CXP_EDGE_LOG__LEVEL: 'warn',
    };
    child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src/runtime/cli.ts'), 'start', '-c', join(ROOT, 'config/default.yaml')],
      {
        env,
        stdio: 'ignore',
      },
    );
    await waitForPort(mqttPort, 20_000);
    const started = Date.now();
    const sub = spawnSync(
      'mosquitto_sub',
      ['-p', String(mqttPort), '-v', '-t', 'cxp/v1/#', '-C', '3', '-W', '2'],
      { encoding: 'utf8' },
    );
    expect(Date.now() - started).toBeLessThan(2500);
    const lines = sub.stdout.trim().split('\n');
    expect(lines).toContain('cxp/v1/smoke/status online');
    expect(lines.some((l) => l.startsWith('cxp/v1/smoke/preview {') && l.includes('"CONTEXT_PREVIEW"'))).toBe(
      true,
    );
    const ready = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
    expect(ready.status).toBe(200);
    const exited = new Promise<number | null>((r) =>
      child?.once('exit', (code) => {
        r(code);
      }),
    );
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 40_000);
});
