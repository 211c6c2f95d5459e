import { describeTransportContract } from '../transport-contract.js';
import { FakeNetwork, FakeTransport } from './transport.js';

// One network for the whole run, like one machine's loopback: domains keep participants apart.
const network = new FakeNetwork();
let next = 0;
describeTransportContract('fake', () => new FakeTransport(network), { domainId: () => (next++ % 200) + 1 });
