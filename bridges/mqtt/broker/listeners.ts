import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Logger } from 'pino';

/** The socket-level side of the broker: TCP, TLS and WebSocket servers that hand streams over. */

export interface ConnectionInfo {
  transport: ListenerName;
  /** The HTTP upgrade request of a WebSocket connection. */
  req?: IncomingMessage;
  /** Subject CN of a client certificate the TLS handshake verified. */
  certificateName?: string;
}

export type ListenerName = 'tcp' | 'ws' | 'tls';
export type ConnectionHandler = (stream: Duplex, info: ConnectionInfo) => void;

export interface Listener {
  readonly name: ListenerName;
  readonly address: AddressInfo;
  /** Stops accepting; resolves once every connection of this listener has ended. */
  stopAccepting(): Promise<void>;
  /** Destroys every connection still open. */
  destroyConnections(): void;
}

export interface ListenerOptions {
  host: string;
  port: number;
  /** Most sockets open at once, including ones still before CONNECT. */
  maxConnections: number;
  onConnection: ConnectionHandler;
  log: Logger;
}

export interface TlsListenerOptions extends ListenerOptions {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer | undefined;
  requireClientCert: boolean;
}

export interface WebSocketListenerOptions extends ListenerOptions {
  path: string;
  /** Largest WebSocket message accepted (ws closes the connection with 1009 beyond it). */
  maxPayload: number;
}

function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('listener has no TCP address'));
      else resolve(address);
    });
  });
}

/** Listens and tracks raw sockets so they can be destroyed on stop. */
async function track(name: ListenerName, server: Server, options: ListenerOptions): Promise<Listener> {
  const sockets = new Set<Socket>();
  server.maxConnections = options.maxConnections;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const address = await listen(server, options.host, options.port);
  server.on('error', (err) => {
    options.log.error({ err, listener: name }, 'listener error');
  });
  return {
    name,
    address,
    stopAccepting: () =>
      new Promise((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
    destroyConnections: () => {
      for (const socket of sockets) socket.destroy();
    },
  };
}

export function listenTcp(options: ListenerOptions): Promise<Listener> {
  // No Nagle: MQTT packets are small and latency-bound; with Nagle, a reply can wait for a delayed
  // ACK (about 40 ms on Linux) whenever traffic flows both ways on one connection.
  const server = createNetServer({ noDelay: true }, (socket) => {
    options.onConnection(socket, { transport: 'tcp' });
  });
  return track('tcp', server, options);
}

function certificateName(socket: TLSSocket): string | undefined {
  if (!socket.authorized) return undefined;
  const subject = socket.getPeerCertificate().subject as Partial<Record<string, unknown>> | undefined;
  const cn = subject?.CN;
  return typeof cn === 'string' && cn.length > 0 ? cn : undefined;
}

export function listenTls(options: TlsListenerOptions): Promise<Listener> {
  const server = createTlsServer({
    noDelay: true,
    cert: options.cert,
    key: options.key,
    ca: options.ca,
    requestCert: options.requireClientCert,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    const name = options.requireClientCert ? certificateName(socket) : undefined;
    options.onConnection(
      socket,
      name === undefined ? { transport: 'tls' } : { transport: 'tls', certificateName: name },
    );
  });
  server.on('tlsClientError', (err, socket) => {
    options.log.info({ err, remote: socket.remoteAddress, listener: 'tls' }, 'TLS handshake failed');
  });
  return track('tls', server, options);
}

export async function listenWebSocket(options: WebSocketListenerOptions): Promise<Listener> {
  // ws is imported only when a WebSocket listener is configured.
  const { WebSocketServer, createWebSocketStream } = await import('ws');
  const http = createHttpServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n');
  });
  const wss = new WebSocketServer({ server: http, path: options.path, maxPayload: options.maxPayload });
  wss.on('connection', (ws, req) => {
    const stream = createWebSocketStream(ws);
    options.onConnection(stream, { transport: 'ws', req });
  });
  wss.on('error', (err) => {
    options.log.error({ err, listener: 'ws' }, 'WebSocket server error');
  });
  const listener = await track('ws', http, options);
  return {
    ...listener,
    stopAccepting: async () => {
      const closed = listener.stopAccepting();
      await new Promise<void>((resolve) => {
        wss.close(() => {
          resolve();
        });
      });
      await closed;
    },
  };
}
