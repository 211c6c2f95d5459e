import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';

const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'cxp-cli-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('cxp-edge CLI', () => {
  it('prints help and version', () => {
    expect(cli('--help')).toMatchObject({ code: 0, out: expect.stringContaining('Usage:') as unknown });
    expect(cli('--version').out).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('validates a message file and prints the coded error of a bad one', () => {
    const good = join(dir, 'good.json');
    const bad = join(dir, 'bad.json');
    writeFileSync(
      good,
      '{"cxp_version":"1.0","type":"CONTEXT_REQUEST","request":["mem_332"],"depth":"detailed"}',
    );
    writeFileSync(bad, '{"cxp_version":"2.0","type":"CONTEXT_REQUEST"}');
    expect(cli('validate', good)).toMatchObject({ code: 0, out: 'valid CONTEXT_REQUEST\n' });
    const r = cli('validate', bad);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ code: 'UNSUPPORTED_VERSION', retryable: false });
  });

  it('refuses unknown commands and reports unreadable files', () => {
    expect(cli('frobnicate')).toMatchObject({
      code: 2,
      err: expect.stringContaining('unknown command') as unknown,
    });
    expect(cli('validate').code).toBe(2);
    expect(cli('validate', join(dir, 'missing.json'))).toMatchObject({
      code: 2,
      err: expect.stringContaining('cannot read') as unknown,
    });
  });

  it('check-config prints every problem with its path and exits 1', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'http:\n  port: 70000\n  prot: 1\nmqtt:\n  keepalive_s: two\nbridges:\n  - kind: teleporter\n    id: t1\n',
    );
    const r = cli('check-config', '-c', bad);
    expect(r.code).toBe(1);
    expect(r.err).toContain('/http/port');
    expect(r.err).toContain('/http/prot: unknown key');
    expect(r.err).toContain('/mqtt/keepalive_s');
    expect(r.err).toContain('4 problem(s)');
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'gateway:\n  id: station-7\n');
    expect(cli('check-config', '-c', good)).toMatchObject({
      code: 0,
      out: expect.stringContaining('gateway id station-7') as unknown,
    });
    expect(cli('start', '-c', bad).code).toBe(1);
  });

  it('accepts the shipped default configuration', () => {
    expect(cli('check-config', '-c', join(root, 'config/default.yaml')).code).toBe(0);
  });
});
