/**
 * BENCH_TCP_NODELAY=1 runs the bench as if the brokers set TCP_NODELAY on the sockets they accept:
 * mosquitto gets `set_tcp_nodelay true`; the embedded aedes broker (in this process) gets it through
 * a patch of net.Server that sets it on every accepted socket. Off by default: the default run
 * measures the gateway as it ships. See README.md, "Nagle".
 */
import { Server, Socket } from 'node:net';

export const FORCE_NODELAY = process.env.BENCH_TCP_NODELAY === '1';

let patched = false;

export function noDelayOnAcceptedSockets(): void {
  if (patched) return;
  patched = true;
  const proto = Server.prototype as unknown as {
    emit: (event: string | symbol, ...args: unknown[]) => boolean;
  };
  const emit = proto.emit;
  proto.emit = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'connection' && args[0] instanceof Socket) args[0].setNoDelay(true);
    return emit.call(this, event, ...args);
  };
}
