import { read } from 'node:fs';
import { promisify } from 'node:util';
import {
  BindingsError,
  LinuxBinding,
  type BindingInterface,
  type LinuxOpenOptions,
  type LinuxPortBinding,
} from '@serialport/bindings-cpp';

/**
 * serialport's Linux binding with one change: a read that returns 0 bytes ends the port as
 * disconnected. On Linux a tty whose device went away (a USB adapter pulled, the far end of a pty
 * closed) is hung up, and a read on it returns 0, which the stock binding retries at once, forever:
 * the unplug is never reported and a thread-pool thread spins at 100% CPU (bindings-cpp 13.0.x,
 * upstream issue #162). The port is opened with VMIN=1 and read non-blocking, so 0 bytes can only mean
 * end of file: no data is EAGAIN.
 */

const readAsync = promisify(read);

const RETRY_CODES = new Set(['EAGAIN', 'EWOULDBLOCK', 'EINTR']);

export const hangupAwareLinuxBinding: BindingInterface<LinuxPortBinding, LinuxOpenOptions> = {
  list: () => LinuxBinding.list(),
  async open(options) {
    const port = await LinuxBinding.open(options);
    port.read = (buffer, offset, length) => readOrHangup(port, buffer, offset, length);
    return port;
  },
};

/** The read of the binding above; exported for its tests. */
export async function readOrHangup(
  port: LinuxPortBinding,
  buffer: Buffer,
  offset: number,
  length: number,
): Promise<{ buffer: Buffer; bytesRead: number }> {
  for (;;) {
    const fd = port.fd;
    if (fd === null) throw new BindingsError('Port is not open', { canceled: true });
    let bytesRead: number;
    try {
      ({ bytesRead } = await readAsync(fd, buffer, offset, length, null));
    } catch (err) {
      if (!RETRY_CODES.has((err as NodeJS.ErrnoException).code ?? '')) throw err; // EIO, EBADF, ENXIO: gone
      if (!port.isOpen) throw new BindingsError('Port is not open', { canceled: true });
      await new Promise<void>((resolve, reject) => {
        port.poller.once('readable', (e) => {
          if (e) reject(e);
          else resolve();
        });
      });
      continue;
    }
    if (bytesRead > 0) return { buffer, bytesRead };
    throw Object.assign(new Error('the device hung up (read returned end of file)'), { code: 'EHANGUP' });
  }
}
