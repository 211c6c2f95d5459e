import { describe, it } from 'vitest';
import { describeTransportContract } from '../transport-contract.js';
import { loadDdsBinding } from './binding.js';
import { DdsTransport } from './transport.js';

/**
 * The Cyclone DDS backend against the same contract as the fake, on loopback (localhostOnly),
 * with domain ids 200-232 (the Cyclone peer tests use 100-199).
 */

const loaded = loadDdsBinding();
const reason = loaded.ok ? '' : loaded.reason;
if (!loaded.ok && process.env.CI === 'true') {
  // In CI the addon must be there: test/bootstrap.sh builds it. Fail loudly rather than skip.
  throw new Error(`dds backend unavailable in CI: ${reason}`);
}

let next = Math.floor(Math.random() * 33);
const domainId = () => 200 + (next++ % 33);

if (loaded.ok) {
  describeTransportContract(
    'dds (Cyclone DDS addon)',
    () => {
      const t = DdsTransport.load();
      if (!t.ok) throw new Error(t.error.message);
      return t.value;
    },
    { domainId },
  );
}

if (!loaded.ok) {
  describe.skip(`dds backend contract (skipped: ${reason})`, () => {
    it('needs the addon', () => undefined);
  });
}
