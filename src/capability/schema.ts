import { Type, type Static, type TObject } from '@sinclair/typebox';
import { CxpErrorSchema, Identifier, JsonObject } from '../cxp/schema/common.js';
import {
  ActionResult,
  AsyncWorkReport,
  FinishingMetadata,
  LabelMetadata,
  PrinterStatus,
  PrintJobStatus,
  literalUnion,
} from './result-schema.js';
import { TelemetryEvent, TelemetryMetric, TelemetrySnapshot, TelemetrySpan } from './telemetry-schema.js';

export * from './result-schema.js';
export * from './telemetry-schema.js';

/**
 * Wire shapes of the Capability Exchange Protocol, with the JSON field names of the reference
 * package (cxp 3.1.0). Every object accepts unknown fields (kept and ignored). A field with a
 * default may be absent on input: `metadata` ({}), `protocol_version` (1), and, more lenient than the
 * reference, the two capability lists of a handshake request ([]).
 */

export const DEFAULT_PROTOCOL_VERSION = 1;
/** Upper bound on the capabilities in one matrix or one handshake list. */
export const MAX_CAPABILITIES = 256;

const CapabilityName = Identifier('Capability name from a catalog, e.g. job_submission.', 128);

export const ComponentIdentity = Type.Object(
  {
    interface: Identifier('Catalog the component implements or asks for, e.g. printing/label.', 128),
    provider: Identifier('Who implements the component: vendor, driver or client name.', 128),
    version: Identifier('Version of the implementation, e.g. 1.4.2.', 64),
  },
  { title: 'ComponentIdentity', description: 'Who a component is and which catalog it speaks.' },
);
export type ComponentIdentity = Static<typeof ComponentIdentity>;

export const Capability = Type.Object(
  {
    name: CapabilityName,
    metadata: Type.Optional(
      JsonObject(
        "Details checked against the catalog's metadata schema for this capability; absent means {}.",
      ),
    ),
  },
  { title: 'Capability', description: 'One capability a provider offers.' },
);
export type Capability = Static<typeof Capability>;

export const CapabilityMatrix = Type.Object(
  { capabilities: Type.Array(Capability, { maxItems: MAX_CAPABILITIES }) },
  { title: 'CapabilityMatrix', description: 'Everything a provider offers, checked against its catalog.' },
);
export type CapabilityMatrix = Static<typeof CapabilityMatrix>;

const CapabilityList = (description: string) =>
  Type.Optional(Type.Array(CapabilityName, { maxItems: MAX_CAPABILITIES, default: [], description }));

export const HandshakeRequest = Type.Object(
  {
    client_identity: ComponentIdentity,
    required_capabilities: CapabilityList(
      'Capabilities without which the client cannot work; absent means [].',
    ),
    optional_capabilities: CapabilityList('Capabilities the client uses when offered; absent means [].'),
    protocol_version: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 65_535,
        default: DEFAULT_PROTOCOL_VERSION,
        description: 'Capability protocol version the client speaks; absent means 1.',
      }),
    ),
  },
  {
    title: 'HandshakeRequest',
    description: "A client's request to use a provider; `client_identity.interface` is the catalog it wants.",
  },
);
export type HandshakeRequest = Static<typeof HandshakeRequest>;

export const HANDSHAKE_STATUSES = ['accepted', 'degraded', 'rejected'] as const;
export type HandshakeStatus = (typeof HANDSHAKE_STATUSES)[number];

const MissingList = (description: string) =>
  Type.Array(CapabilityName, { maxItems: MAX_CAPABILITIES, description });

export const HandshakeResponse = Type.Object(
  {
    provider_identity: ComponentIdentity,
    status: literalUnion(
      HANDSHAKE_STATUSES,
      'accepted: everything asked for is offered; degraded: some optional capabilities are missing; rejected: see reason and error.',
    ),
    offered_capabilities: CapabilityMatrix,
    reason: Type.Optional(
      Type.String({ maxLength: 4096, description: 'Why the handshake was degraded or rejected.' }),
    ),
    missing_required_capabilities: MissingList('Required capabilities the provider does not offer.'),
    missing_optional_capabilities: MissingList('Optional capabilities the provider does not offer.'),
    protocol_version: Type.Integer({
      minimum: 1,
      maximum: 65_535,
      description: 'Protocol version of the answer.',
    }),
    error: Type.Optional(CxpErrorSchema),
  },
  { title: 'HandshakeResponse', description: "A provider's answer to a HandshakeRequest." },
);
export type HandshakeResponse = Static<typeof HandshakeResponse>;

/** Top-level schemas by file-friendly name, for docs/schemas/capability/<name>.schema.json. */
export const CAPABILITY_SCHEMAS: Readonly<Record<string, TObject>> = {
  ComponentIdentity,
  Capability,
  CapabilityMatrix,
  HandshakeRequest,
  HandshakeResponse,
  AsyncWorkReport,
  PrintJobStatus,
  ActionResult,
  PrinterStatus,
  LabelMetadata,
  FinishingMetadata,
  TelemetryEvent,
  TelemetryMetric,
  TelemetrySpan,
  TelemetrySnapshot,
};
