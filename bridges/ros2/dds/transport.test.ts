import { describe, expect, it } from 'vitest';
import { MessageRegistry } from '../msgs/registry.js';
import { RosCodec } from '../msgs/codec.js';
import { DEFAULT_QOS } from '../transport.js';
import { GRAPH_TOPIC, GRAPH_TYPE } from './graph.js';
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

describe.skipIf(!loaded.ok)('dds backend: the ROS graph', () => {
  it('announces the gateway as a ROS node with its readers and writers on ros_discovery_info', async () => {
    const transport = DdsTransport.load();
    if (!transport.ok) throw transport.error;
    const domain = domainId();
    const gw = transport.value.open({ domainId: domain, localhostOnly: true });
    const watcher = transport.value.open({ domainId: domain, localhostOnly: true });
    if (!gw.ok || !watcher.ok) throw new Error('participants');
    try {
      expect(gw.value.declareNode('cxp-edge', '/').ok).toBe(false);
      expect(gw.value.declareNode('cxp_edge', 'robot').ok).toBe(false);
      expect(gw.value.declareNode('cxp_edge', '/').ok).toBe(true);
      const pub = gw.value.advertise('/graph_pub', 'std_msgs/msg/String', DEFAULT_QOS);
      const sub = gw.value.subscribe('/graph_sub', 'std_msgs/msg/String', DEFAULT_QOS, () => undefined);
      if (!pub.ok || !sub.ok) throw new Error('endpoints');
      // Read the graph topic as any rmw does, from the other participant.
      const b = loadDdsBinding();
      if (!b.ok) throw new Error(b.reason);
      const codec = new RosCodec(MessageRegistry.build([]).registry);
      const infos: {
        gid: { data: Uint8Array };
        node_entities_info_seq: {
          node_name: string;
          node_namespace: string;
          reader_gid_seq: unknown[];
          writer_gid_seq: unknown[];
        }[];
      }[] = [];
      const topic = b.binding.createTopic(participantHandle(watcher.value), GRAPH_TOPIC, GRAPH_TYPE);
      b.binding.createReader(
        participantHandle(watcher.value),
        topic,
        { reliability: 'reliable', durability: 'transient_local', history: 'keep_last', depth: 1 },
        (bytes, meta) => {
          for (let i = 0; i < meta.length; i += 3) {
            const one = bytes.subarray(meta[i], (meta[i] ?? 0) + (meta[i + 1] ?? 0));
            const m = codec.decode('rmw_dds_common/msg/ParticipantEntitiesInfo', one);
            if (m.ok) infos.push(m.value as unknown as (typeof infos)[number]);
          }
        },
        64,
      );
      const mine = () =>
        infos.filter((i) => Buffer.from(i.gid.data).toString('hex') === gw.value.guid).at(-1)
          ?.node_entities_info_seq[0];
      await until(
        () => mine()?.writer_gid_seq.length === 1 && mine()?.reader_gid_seq.length === 1,
        'the node with 1 reader and 1 writer',
      );
      expect(mine()).toMatchObject({ node_name: 'cxp_edge', node_namespace: '/' });
      pub.value.close();
      await until(() => mine()?.writer_gid_seq.length === 0, 'the writer gone from the graph');
    } finally {
      gw.value.close();
      watcher.value.close();
    }
  });
});

function participantHandle(p: unknown): number {
  // Test-only: the DDS handle behind a participant, to read a raw DDS topic next to it.
  const handle = (p as { handle?: number }).handle;
  if (typeof handle !== 'number') throw new Error('no handle');
  return handle;
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
