import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP relay on loopback that a test can shut and open, to decide exactly when a client may
 * reach a server again (for example, only after another client has resubscribed to a restarted
 * broker). While shut, new connections are accepted and reset at once, as a dead peer would be.
 * When the server side of a relayed connection closes, the client side is closed too.
 */
export interface TcpGate {
  readonly port: number;
  readonly url: string;
  /** Refuse new connections and reset every relayed one. */
  shut(): void;
  open(): void;
  stop(): Promise<void>;
}

export async function createTcpGate(targetPort: number, scheme = 'mqtt'): Promise<TcpGate> {
  let isOpen = true;
  const live = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (!isOpen) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    live.add(client).add(upstream);
    const drop = () => {
      live.delete(client);
      live.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('tcp gate has no port');
  const resetAll = () => {
    for (const s of live) s.resetAndDestroy();
    live.clear();
  };
  return {
    port: address.port,
    url: `${scheme}://127.0.0.1:${address.port}`,
    shut() {
      isOpen = false;
      resetAll();
    },
    open() {
      isOpen = true;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        resetAll();
        server.close(() => {
          resolve();
        });
      }),
  };
}
