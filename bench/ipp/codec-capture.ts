/**
 * The codec's samples: responses captured from the lab's press, the bytes ippeveprinter sent read
 * off the HTTP body here (not re-encoded). The request is built with the repo's codec.
 */
import { request } from 'node:http';
import { PRINTER_ATTRIBUTES } from '../../devices/ipp/capabilities.js';
import { buildRequest, encodeRequest, type PlainAttributes } from '../../devices/ipp/codec.js';
import type { CodecSample } from './codec-bench.js';

/** What Get-Printer-Attributes "all" leaves out on CUPS 2.4 and a finishing client asks for by name. */
const BY_NAME = [
  'media-col-database',
  'finishing-template-supported',
  'binding-type-supported',
  'binding-reference-edge-supported',
  'folding-direction-supported',
  'folding-reference-edge-supported',
  'punching-reference-edge-supported',
  'stitching-method-supported',
  'stitching-reference-edge-supported',
];

/** The driver's job poll (devices/ipp/press.ts). */
const JOB_ATTRIBUTES = ['job-state', 'job-state-reasons', 'job-state-message', 'job-impressions-completed'];

/** POSTs one request to the printer and resolves with the response body, as sent. */
export async function capture(
  url: string,
  operation: 'Get-Printer-Attributes' | 'Get-Job-Attributes',
  attrs: PlainAttributes,
): Promise<Buffer> {
  const built = buildRequest({
    operation,
    requestId: 1,
    operationAttributes: { 'printer-uri': url, 'requesting-user-name': 'bench-capture', ...attrs },
  });
  if (!built.ok) throw built.error;
  const head = encodeRequest(built.value);
  if (!head.ok) throw head.error;
  const http = url.replace(/^ipp:/, 'http:');
  return new Promise((resolve, reject) => {
    const req = request(
      http,
      { method: 'POST', headers: { 'content-type': 'application/ipp', 'content-length': head.value.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve(Buffer.concat(chunks));
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(head.value);
  });
}

/**
 * The three samples: the press's full description (all + by name), the driver's printer poll, and
 * the driver's job poll of job `jobId`.
 */
export async function captureSamples(url: string, jobId: number): Promise<CodecSample[]> {
  const gpa = (names: string[]) => capture(url, 'Get-Printer-Attributes', { 'requested-attributes': names });
  return [
    { name: 'Get-Printer-Attributes: all + by name', bytes: await gpa(['all', ...BY_NAME]) },
    { name: "Get-Printer-Attributes: the driver's poll", bytes: await gpa([...PRINTER_ATTRIBUTES]) },
    {
      name: "Get-Job-Attributes: the driver's job poll",
      bytes: await capture(url, 'Get-Job-Attributes', {
        'job-id': jobId,
        'requested-attributes': JOB_ATTRIBUTES,
      }),
    },
  ];
}
