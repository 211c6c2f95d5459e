import { describe } from 'vitest';
import { createPtyPair, hasSocat } from '../../test/helpers/pty.js';
import { createFakeCable } from './fake-cable.js';
import { serialLinkContract, type Cable } from './link-contract.js';

/** The SerialLink contract on the fake cable (always) and on a kernel pty pair (needs socat). */

const ci = /^(1|true|yes)$/i.test(process.env['CI'] ?? '');

serialLinkContract('the fake cable (binding-mock)', () => Promise.resolve(createFakeCable()));

describe.skipIf(!hasSocat() && !ci)('on a pty pair (needs socat; required on CI)', () => {
  serialLinkContract('a pty pair from socat', ptyCable);
});

async function ptyCable(): Promise<Cable> {
  const pair = await createPtyPair();
  return {
    path: pair.gateway,
    send: (bytes) => {
      pair.send(bytes);
    },
    receive: (min, timeoutMs) => pair.receive(min, timeoutMs),
    unplug: () => pair.unplug(),
    replug: () => pair.replug(),
    stop: () => pair.stop(),
  };
}
