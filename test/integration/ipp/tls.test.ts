import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IppClient } from '../../../devices/ipp/client.js';
import { ippLabAvailability, KM_PRESS_CONF, startIppLab } from '../../helpers/ipp-lab.js';

/** ipps:// against ippeveprinter serving TLS with the self-signed certificate it makes (-K). */

const availability = ippLabAvailability();
const ci = /^(1|true|yes)$/i.test(process.env['CI'] ?? '');

describe.skipIf(!availability.ok && !ci)('IPP over TLS (ipps://) against ippeveprinter', () => {
  const cleanups: (() => Promise<unknown> | undefined)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('trusts the printer with its certificate as CA, refuses it without, and accepts it when told to', async () => {
    const keys = mkdtempSync(join(tmpdir(), 'cxp-ipp-keys-'));
    cleanups.push(() => {
      rmSync(keys, { recursive: true, force: true });
      return undefined;
    });
    const lab = await startIppLab({ attributes: KM_PRESS_CONF, tlsKeyDir: keys });
    cleanups.push(() => lab.stop());
    const url = `ipps://localhost:${lab.port}/ipp/print`;
    const client = (tls: ConstructorParameters<typeof IppClient>[0]['tls']) => {
      const c = new IppClient({
        url,
        timeoutMs: 5000,
        busyRetries: 0,
        busyBackoff: { initialMs: 10, maxMs: 10 },
        userName: 'cxp-edge',
        ...(tls ? { tls } : {}),
      });
      cleanups.push(() => {
        c.close();
        return undefined;
      });
      return c;
    };
    // The printer makes its key and certificate on the first TLS connection.
    await client({ rejectUnauthorized: false }).send('Get-Printer-Attributes');
    const untrusted = await client(undefined).send('Get-Printer-Attributes');
    expect(untrusted.ok ? 'ok' : untrusted.error.code).toBe('CONNECTION_LOST');
    if (!untrusted.ok) expect(untrusted.error.details).toMatchObject({ tls: 'untrusted certificate' });
    const trusted = await client({ ca: readFileSync(join(keys, 'localhost.crt')) }).send(
      'Get-Printer-Attributes',
      {
        operation: { 'requested-attributes': ['printer-state', 'finishings-supported'] },
      },
    );
    if (!trusted.ok) throw trusted.error;
    expect(trusted.value.statusName).toBe('successful-ok');
    expect(trusted.value.printer['finishings-supported']).toContain('fold-z');
  });
});
