import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildAttributes,
  buildRequest,
  decodeMessage,
  encodeRequest,
  encodeResponse,
  type PlainRequest,
} from '../../../devices/ipp/codec.js';
import { ippLabAvailability } from '../../helpers/ipp-lab.js';
import { tinyPdf } from '../../helpers/pdf.js';

/**
 * The codec's requests are byte-compatible with what CUPS's ipptool sends for the same operation and
 * attributes: ipptool posts to a capturing server here, and the gateway's encoding of the same
 * request (with ipptool's request-id) must be the same bytes.
 */

const run = promisify(execFile);
const availability = ippLabAvailability();
const ci = /^(1|true|yes)$/i.test(process.env['CI'] ?? '');

describe.skipIf(!availability.ok && !ci)('IPP requests byte for byte against ipptool', () => {
  const bodies: Buffer[] = [];
  let server: Server;
  let port = 0;
  const dir = mkdtempSync(join(tmpdir(), 'cxp-ipptool-'));

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        bodies.push(body);
        const decoded = decodeMessage(body);
        const op = buildAttributes({ 'attributes-charset': 'utf-8', 'attributes-natural-language': 'en' });
        const job = buildAttributes({ 'job-id': 1, 'job-state': 'completed' });
        if (!op.ok || !job.ok) throw new Error('fixture');
        const answer = encodeResponse({
          status: 'successful-ok',
          requestId: decoded.ok ? decoded.value.requestId : 1,
          groups: [
            { tag: 'operation', attributes: op.value },
            { tag: 'job', attributes: job.value },
          ],
        });
        if (!answer.ok) throw answer.error;
        res.writeHead(200, { 'content-type': 'application/ipp' }).end(answer.value);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    port = address.port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  async function ipptool(test: string, file?: Buffer): Promise<Buffer> {
    const path = join(dir, `t${bodies.length}.test`);
    writeFileSync(path, test);
    const args = ['-T', '5', '-V', '2.0'];
    if (file) {
      writeFileSync(join(dir, 'doc.pdf'), file);
      args.push('-f', join(dir, 'doc.pdf'));
    }
    const before = bodies.length;
    // Only what ipptool sends matters here; its verdict on this server's short answer does not.
    const result = await run('ipptool', [...args, `ipp://127.0.0.1:${port}/ipp/print`, path]).catch(
      (err: unknown) => err as { stdout?: string; stderr?: string },
    );
    const body = bodies[before];
    if (!body) throw new Error(`ipptool sent nothing: ${JSON.stringify(result)}`);
    return body;
  }

  function ours(plain: Omit<PlainRequest, 'requestId'>, sent: Buffer): Buffer {
    const requestId = sent.readInt32BE(4);
    const built = buildRequest({ ...plain, requestId });
    if (!built.ok) throw built.error;
    const bytes = encodeRequest(built.value);
    if (!bytes.ok) throw bytes.error;
    return bytes.value;
  }

  const uri = () => `ipp://127.0.0.1:${port}/ipp/print`;

  it('Get-Printer-Attributes with a 1setOf keyword', async () => {
    const sent = await ipptool(`{
  OPERATION Get-Printer-Attributes
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR naturalLanguage attributes-natural-language en
  ATTR uri printer-uri $uri
  ATTR name requesting-user-name cxp-edge
  ATTR keyword requested-attributes printer-state,finishings-supported,finishing-template-supported
}
`);
    const mine = ours(
      {
        operation: 'Get-Printer-Attributes',
        operationAttributes: {
          'printer-uri': uri(),
          'requesting-user-name': 'cxp-edge',
          'requested-attributes': ['printer-state', 'finishings-supported', 'finishing-template-supported'],
        },
      },
      sent,
    );
    expect(mine.toString('hex')).toBe(sent.toString('hex'));
  });

  it('Print-Job with finishings fold-z (enum 100), copies and a nested media-col, then the document', async () => {
    const pdf = tinyPdf();
    const sent = await ipptool(
      `{
  OPERATION Print-Job
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR naturalLanguage attributes-natural-language en
  ATTR uri printer-uri $uri
  ATTR name requesting-user-name cxp-edge
  ATTR name job-name folded
  ATTR mimeMediaType document-format application/pdf
  GROUP job-attributes-tag
  ATTR integer copies 2
  ATTR enum finishings 100
  ATTR collection media-col {
    MEMBER collection media-size {
      MEMBER integer x-dimension 21000
      MEMBER integer y-dimension 29700
    }
    MEMBER keyword media-type stationery-coated
  }
  FILE $filename
}
`,
      pdf,
    );
    const mine = ours(
      {
        operation: 'Print-Job',
        operationAttributes: {
          'printer-uri': uri(),
          'requesting-user-name': 'cxp-edge',
          'job-name': 'folded',
          'document-format': 'application/pdf',
        },
        jobAttributes: {
          copies: 2,
          finishings: ['fold-z'],
          'media-col': {
            'media-size': { 'x-dimension': 21000, 'y-dimension': 29700 },
            'media-type': 'stationery-coated',
          },
        },
        data: pdf,
      },
      sent,
    );
    expect(mine.toString('hex')).toBe(sent.toString('hex'));
  });
});
