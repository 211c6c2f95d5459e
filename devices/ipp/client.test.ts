import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { IppClient } from './client.js';
import { buildAttributes, decodeMessage, encodeResponse, type IppMessage } from './codec.js';
import type { StatusName } from './registry.js';

/**
 * The client's transport behaviour against a scripted IPP server in this process (the real-printer
 * tests run against ippeveprinter in test/integration/ipp). Each request is decoded with the codec,
 * so what the client sends is checked too.
 */

type Script = (req: IppMessage, body: Buffer, res: ServerResponse) => void;

async function server(
  script: Script,
): Promise<{ url: string; requests: IppMessage[]; close(): Promise<void> }> {
  const requests: IppMessage[] = [];
  const s: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const decoded = decodeMessage(body);
      if (!decoded.ok) {
        res.writeHead(400).end();
        return;
      }
      requests.push(decoded.value);
      script(decoded.value, body, res);
    });
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const address = s.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    url: `ipp://127.0.0.1:${address.port}/ipp/print`,
    requests,
    close: () =>
      new Promise((resolve) => {
        s.closeAllConnections();
        s.close(() => {
          resolve();
        });
      }),
  };
}

function reply(
  res: ServerResponse,
  status: StatusName | number,
  requestId: number,
  version = { major: 2, minor: 0 },
) {
  const attrs = buildAttributes({ 'attributes-charset': 'utf-8', 'attributes-natural-language': 'en' });
  const printer = buildAttributes({ 'printer-state': 'idle', 'printer-name': 'fake' });
  if (!attrs.ok || !printer.ok) throw new Error('bad fixture');
  const bytes = encodeResponse({
    version,
    status,
    requestId,
    groups: [
      { tag: 'operation', attributes: attrs.value },
      { tag: 'printer', attributes: printer.value },
    ],
  });
  if (!bytes.ok) throw bytes.error;
  res.writeHead(200, { 'content-type': 'application/ipp' }).end(bytes.value);
}

const client = (url: string, extra: Partial<ConstructorParameters<typeof IppClient>[0]> = {}) =>
  new IppClient({
    url,
    timeoutMs: 1000,
    busyRetries: 3,
    busyBackoff: { initialMs: 10, maxMs: 50 },
    userName: 'cxp-edge',
    ...extra,
  });

describe('IppClient', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('sends printer-uri and requesting-user-name, and decodes the answer into plain groups', async () => {
    const s = await server((req, _b, res) => {
      reply(res, 'successful-ok', req.requestId);
    });
    cleanups.push(() => s.close());
    const c = client(s.url);
    cleanups.push(() => {
      c.close();
    });
    const answer = await c.send('Get-Printer-Attributes', { operation: { 'requested-attributes': ['all'] } });
    if (!answer.ok) throw answer.error;
    expect(answer.value).toMatchObject({
      status: 0,
      statusName: 'successful-ok',
      printer: { 'printer-state': ['idle'] },
    });
    const sent = s.requests[0];
    expect(sent?.code).toBe(0x000b);
    const names = sent?.groups[0]?.attributes.map((a) => a.name);
    expect(names?.slice(0, 4)).toEqual([
      'attributes-charset',
      'attributes-natural-language',
      'printer-uri',
      'requesting-user-name',
    ]);
  });

  it('retries server-error-busy with backoff, and gives the last answer when it stays busy', async () => {
    let calls = 0;
    const s = await server((req, _b, res) => {
      calls += 1;
      reply(res, calls < 3 ? 'server-error-busy' : 'successful-ok', req.requestId);
    });
    cleanups.push(() => s.close());
    const c = client(s.url);
    cleanups.push(() => {
      c.close();
    });
    const ok = await c.send('Get-Printer-Attributes');
    expect(ok.ok && ok.value.statusName).toBe('successful-ok');
    expect(calls).toBe(3);
    const always = await server((req, _b, res) => {
      reply(res, 'server-error-busy', req.requestId);
    });
    cleanups.push(() => always.close());
    const c2 = client(always.url, { busyRetries: 2 });
    cleanups.push(() => {
      c2.close();
    });
    const busy = await c2.send('Get-Printer-Attributes');
    expect(busy.ok && busy.value.statusName).toBe('server-error-busy');
    expect(always.requests).toHaveLength(3);
  });

  it('falls back to IPP/1.1 when the printer refuses 2.0, and stays there', async () => {
    const s = await server((req, _b, res) => {
      if (req.version.major === 2)
        reply(res, 'server-error-version-not-supported', req.requestId, { major: 1, minor: 1 });
      else reply(res, 'successful-ok', req.requestId, { major: 1, minor: 1 });
    });
    cleanups.push(() => s.close());
    const c = client(s.url);
    cleanups.push(() => {
      c.close();
    });
    const first = await c.send('Get-Printer-Attributes');
    expect(first.ok && first.value.statusName).toBe('successful-ok');
    await c.send('Get-Printer-Attributes');
    expect(s.requests.map((r) => `${r.version.major}.${r.version.minor}`)).toEqual(['2.0', '1.1', '1.1']);
  });

  it('streams a document with chunked transfer, and never retries a stream', async () => {
    let received = 0;
    const s = await server((req, _b, res) => {
      received = req.data.length;
      reply(res, 'server-error-busy', req.requestId);
    });
    cleanups.push(() => s.close());
    const c = client(s.url);
    cleanups.push(() => {
      c.close();
    });
    const doc = Readable.from([Buffer.alloc(300_000, 1), Buffer.alloc(300_000, 2)]);
    const answer = await c.send('Send-Document', { operation: { 'job-id': 7, 'last-document': true } }, doc);
    expect(answer.ok && answer.value.statusName).toBe('server-error-busy');
    expect(s.requests).toHaveLength(1);
    expect(received).toBe(600_000);
  });

  it('reports a printer that does not answer, one that is not there, and an HTTP error, each coded', async () => {
    const silent = await server(() => undefined);
    cleanups.push(() => silent.close());
    const c = client(silent.url, { timeoutMs: 200 });
    cleanups.push(() => {
      c.close();
    });
    const timeout = await c.send('Get-Printer-Attributes');
    expect(timeout.ok ? 'ok' : timeout.error.code).toBe('DEVICE_OFFLINE');
    const gone = client('ipp://127.0.0.1:1/ipp/print');
    cleanups.push(() => {
      gone.close();
    });
    const refused = await gone.send('Get-Printer-Attributes');
    expect(refused.ok ? 'ok' : refused.error.code).toBe('DEVICE_OFFLINE');
    const http = await server((_r, _b, res) => {
      res.writeHead(401).end();
    });
    cleanups.push(() => http.close());
    const c3 = client(http.url);
    cleanups.push(() => {
      c3.close();
    });
    const denied = await c3.send('Get-Printer-Attributes');
    expect(denied.ok ? 'ok' : denied.error.code).toBe('NOT_AUTHORIZED');
    expect(
      () =>
        new IppClient({
          ...{ timeoutMs: 1, busyRetries: 0, busyBackoff: { initialMs: 1, maxMs: 1 }, userName: 'x' },
          url: 'http://x/',
        }),
    ).toThrow(/not an ipp/);
  });

  it('refuses garbage answers and oversized ones with a coded error', async () => {
    const garbage = await server((_r, _b, res) => {
      res.writeHead(200, { 'content-type': 'application/ipp' }).end(Buffer.from([2, 0, 0]));
    });
    cleanups.push(() => garbage.close());
    const c = client(garbage.url);
    cleanups.push(() => {
      c.close();
    });
    const bad = await c.send('Get-Printer-Attributes');
    expect(bad.ok ? 'ok' : bad.error.code).toBe('MALFORMED_MESSAGE');
    const big = await server((_r, _b, res) => {
      res.writeHead(200).end(Buffer.alloc(2048));
    });
    cleanups.push(() => big.close());
    const c2 = client(big.url, { maxResponseBytes: 1024 });
    cleanups.push(() => {
      c2.close();
    });
    const tooBig = await c2.send('Get-Printer-Attributes');
    expect(tooBig.ok ? 'ok' : tooBig.error.code).toBe('MESSAGE_TOO_LARGE');
  });
});
