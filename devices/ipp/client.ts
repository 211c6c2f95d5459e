import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { CxpError, type Result } from '../../src/cxp/errors.js';
import { Backoff } from '../../src/runtime/backoff.js';
import { buildRequest, decodeMessage, encodeRequest, toPlain, type PlainAttributes } from './codec.js';
import type { PlainRecord } from './plain.js';
import { statusCode, statusName, type OperationName } from './registry.js';
import { IPP_VERSION_1_1, IPP_VERSION_2_0, type IppMessage, type IppVersion } from './types.js';

/**
 * An IPP client (RFC 8011 over HTTP, RFC 8010 encoding): one printer URI, keep-alive connections,
 * a timeout on every request, retries with backoff while the printer answers server-error-busy (only
 * for requests whose body can be sent again), and IPP/1.1 for printers that refuse 2.0. Documents
 * can be streamed (Send-Document with a Readable) so large PDFs never sit in memory.
 */
export interface IppClientOptions {
  /** ipp://host[:631]/path or ipps://host[:631]/path (TLS). */
  url: string;
  timeoutMs: number;
  /** Retries on server-error-busy / service-unavailable (not for streamed bodies). */
  busyRetries: number;
  busyBackoff: { initialMs: number; maxMs: number };
  /** requesting-user-name. */
  userName: string;
  tls?: { ca?: string | Buffer; rejectUnauthorized?: boolean };
  /** Largest response body accepted. */
  maxResponseBytes?: number;
}

/** A decoded response with its attributes as plain records. */
export interface IppAnswer {
  status: number;
  statusName: string;
  message: IppMessage;
  operation: PlainRecord;
  printer: PlainRecord;
  jobs: PlainRecord[];
  unsupported: PlainRecord;
}

const BUSY = new Set([statusCode('server-error-busy'), statusCode('server-error-service-unavailable')]);
const VERSION_NOT_SUPPORTED = statusCode('server-error-version-not-supported');

export class IppClient {
  readonly printerUri: string;
  readonly #o: IppClientOptions;
  readonly #http: URL;
  readonly #agent: HttpAgent;
  #version: IppVersion = IPP_VERSION_2_0;
  #requestId = 0;

  constructor(options: IppClientOptions) {
    this.#o = options;
    const url = new URL(options.url);
    if (url.protocol !== 'ipp:' && url.protocol !== 'ipps:')
      throw new CxpError('INVALID_CONFIG', `not an ipp:// or ipps:// URI: ${options.url}`);
    const secure = url.protocol === 'ipps:';
    this.printerUri = url.toString();
    this.#http = new URL(url.toString().replace(/^ipps?:/, secure ? 'https:' : 'http:'));
    if (this.#http.port === '') this.#http.port = '631';
    this.#agent = secure
      ? new HttpsAgent({
          keepAlive: true,
          maxSockets: 2,
          ...(options.tls?.ca === undefined ? {} : { ca: options.tls.ca }),
          rejectUnauthorized: options.tls?.rejectUnauthorized ?? true,
        })
      : new HttpAgent({ keepAlive: true, maxSockets: 2 });
  }

  /** The IPP version in use (2.0 until the printer refuses it). */
  get version(): IppVersion {
    return this.#version;
  }

  close(): void {
    this.#agent.destroy();
  }

  /**
   * Sends one operation. The printer-uri and requesting-user-name are added; `data` is the document
   * (a Buffer is resent on retries, a Readable is streamed once). Resolves with the decoded answer
   * whatever its IPP status (the caller judges it), or a coded error for transport failures.
   */
  async send(
    operation: OperationName,
    attrs: { operation?: PlainAttributes; job?: PlainAttributes } = {},
    data?: Uint8Array | Readable,
    options: { busyRetries?: number } = {},
  ): Promise<Result<IppAnswer>> {
    const retries = options.busyRetries ?? this.#o.busyRetries;
    const backoff = new Backoff({ ...this.#o.busyBackoff, jitter: 0.2 });
    const replayable = data === undefined || data instanceof Uint8Array;
    for (let attempt = 0; ; attempt++) {
      const answer = await this.#once(operation, attrs, data);
      if (!answer.ok) return answer;
      const status = answer.value.status;
      if (status === VERSION_NOT_SUPPORTED && this.#version.major === 2 && replayable) {
        this.#version = IPP_VERSION_1_1;
        continue;
      }
      if (BUSY.has(status) && replayable && attempt < retries) {
        await new Promise((r) => setTimeout(r, backoff.next()));
        continue;
      }
      return answer;
    }
  }

  async #once(
    operation: OperationName,
    attrs: { operation?: PlainAttributes; job?: PlainAttributes },
    data: Uint8Array | Readable | undefined,
  ): Promise<Result<IppAnswer>> {
    this.#requestId = (this.#requestId % 0x7fffffff) + 1;
    const built = buildRequest({
      version: this.#version,
      operation,
      requestId: this.#requestId,
      operationAttributes: {
        'printer-uri': this.printerUri,
        'requesting-user-name': this.#o.userName,
        ...attrs.operation,
      },
      ...(attrs.job === undefined ? {} : { jobAttributes: attrs.job }),
    });
    if (!built.ok) return built;
    const head = encodeRequest(built.value);
    if (!head.ok) return head;
    const body = await this.#post(head.value, data);
    if (!body.ok) return body;
    const decoded = decodeMessage(body.value);
    if (!decoded.ok) return decoded;
    return { ok: true, value: answerOf(decoded.value) };
  }

  #post(head: Buffer, data: Uint8Array | Readable | undefined): Promise<Result<Buffer>> {
    const secure = this.#http.protocol === 'https:';
    const send = secure ? httpsRequest : httpRequest;
    const max = this.#o.maxResponseBytes ?? 16 * 1024 * 1024;
    const streamed = data !== undefined && !(data instanceof Uint8Array);
    return new Promise((resolve) => {
      let settled = false;
      const done = (r: Result<Buffer>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const req = send(
        this.#http,
        {
          method: 'POST',
          agent: this.#agent,
          headers: {
            'content-type': 'application/ipp',
            ...(streamed
              ? { 'transfer-encoding': 'chunked' }
              : { 'content-length': head.length + (data?.byteLength ?? 0) }),
          },
        },
        (res) => {
          this.#read(res, max).then(done, (err: unknown) => {
            done(lost(err));
          });
        },
      );
      const timer = setTimeout(() => {
        req.destroy();
        done({
          ok: false,
          error: new CxpError(
            'DEVICE_OFFLINE',
            `no IPP answer from ${this.printerUri} within ${this.#o.timeoutMs} ms`,
          ),
        });
      }, this.#o.timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => {
        const code = err.code ?? '';
        const certificate = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/.test(code);
        done({
          ok: false,
          error: new CxpError(
            code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENOTFOUND'
              ? 'DEVICE_OFFLINE'
              : 'CONNECTION_LOST',
            certificate
              ? `the TLS certificate of ${this.printerUri} is not trusted (${code}): set tls.ca_file to its CA, or tls.insecure`
              : `IPP request to ${this.printerUri} failed: ${code || err.message}`,
            {
              retryable: !certificate,
              details: { errno: code, ...(certificate ? { tls: 'untrusted certificate' } : {}) },
            },
          ),
        });
      });
      req.write(head);
      if (data === undefined) req.end();
      else if (data instanceof Uint8Array) req.end(data);
      else {
        data.on('error', (err) => {
          req.destroy(err);
        });
        data.pipe(req);
      }
    });
  }

  async #read(res: IncomingMessage, max: number): Promise<Result<Buffer>> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > max) {
        res.destroy();
        return {
          ok: false,
          error: new CxpError('MESSAGE_TOO_LARGE', `IPP answer over ${max} bytes from ${this.printerUri}`),
        };
      }
      chunks.push(chunk);
    }
    const status = res.statusCode ?? 0;
    if (status !== 200)
      return {
        ok: false,
        error: new CxpError(
          status === 401 || status === 403 ? 'NOT_AUTHORIZED' : 'DEVICE_FAULT',
          `HTTP ${status} from ${this.printerUri}`,
          { details: { http_status: status } },
        ),
      };
    return { ok: true, value: Buffer.concat(chunks) };
  }
}

function lost(err: unknown): Result<Buffer> {
  return {
    ok: false,
    error: new CxpError(
      'CONNECTION_LOST',
      `IPP answer cut off: ${err instanceof Error ? err.message : String(err)}`,
    ),
  };
}

function answerOf(message: IppMessage): IppAnswer {
  const group = (tag: string) =>
    message.groups.filter((g) => g.tag === tag).map((g) => toPlain(g.attributes));
  return {
    status: message.code,
    statusName: statusName(message.code) ?? `0x${message.code.toString(16).padStart(4, '0')}`,
    message,
    operation: group('operation')[0] ?? {},
    printer: group('printer')[0] ?? {},
    jobs: group('job'),
    unsupported: group('unsupported')[0] ?? {},
  };
}
