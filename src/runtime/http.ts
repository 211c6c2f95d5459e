import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Component } from './lifecycle.js';
import type { GatewayMetrics } from './metrics.js';

/** One readiness check: a named part of the gateway and whether it can do its job now. */
export type ReadinessCheck = () => { ready: boolean; detail?: string };

export interface HttpServerOptions {
  host: string;
  port: number;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Extra static facts for /healthz (id, version). */
  info: Record<string, string>;
}

/**
 * The operator endpoints: `/healthz` (the process answers), `/readyz` (every readiness check
 * passes; 503 with the failing ones otherwise) and `/metrics` (Prometheus text).
 */
export class HttpServer implements Component {
  readonly name = 'http';
  readonly #o: HttpServerOptions;
  readonly #checks = new Map<string, ReadinessCheck>();
  #server: Server | undefined;
  readonly #started = Date.now();

  constructor(options: HttpServerOptions) {
    this.#o = options;
  }

  addReadinessCheck(name: string, check: ReadinessCheck): void {
    this.#checks.set(name, check);
  }

  get address(): AddressInfo | undefined {
    const a = this.#server?.address();
    return a !== null && typeof a === 'object' ? a : undefined;
  }

  readiness(): { ready: boolean; checks: Record<string, { ready: boolean; detail?: string }> } {
    const checks: Record<string, { ready: boolean; detail?: string }> = {};
    for (const [name, check] of this.#checks) {
      try {
        checks[name] = check();
      } catch (err) {
        checks[name] = { ready: false, detail: err instanceof Error ? err.message : String(err) };
      }
    }
    return { ready: Object.values(checks).every((c) => c.ready), checks };
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        this.#o.logger.error({ err }, 'http handler failed');
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    server.headersTimeout = 10_000;
    server.requestTimeout = 10_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#o.port, this.#o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
    this.#o.logger.info({ address: this.address }, 'http listening');
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, { error: 'method not allowed' });
      return;
    }
    if (path === '/healthz') {
      send(res, 200, {
        status: 'ok',
        uptime_s: Math.round((Date.now() - this.#started) / 1000),
        ...this.#o.info,
      });
      return;
    }
    if (path === '/readyz') {
      const r = this.readiness();
      send(res, r.ready ? 200 : 503, r);
      return;
    }
    if (path === '/metrics') {
      this.#o.metrics.flush();
      const body = await this.#o.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': this.#o.metrics.registry.contentType });
      res.end(body);
      return;
    }
    send(res, 404, { error: 'not found', endpoints: ['/healthz', '/readyz', '/metrics'] });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
