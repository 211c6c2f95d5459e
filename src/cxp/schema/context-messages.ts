import { Type, type Static } from '@sinclair/typebox';
import {
  CxpErrorSchema,
  Identifier,
  JsonObject,
  literalUnion,
  Policy,
  Provenance,
  Version,
  messageSchema,
} from './common.js';

const StoreId = Type.Optional(
  Identifier(
    'Identifies the history versions belong to; when it changes, versions restart and peers resync.',
    128,
  ),
);

const RefString = (description: string) => Type.String({ minLength: 1, maxLength: 512, description });

export const DEPTHS = ['summary', 'detailed', 'full'] as const;
export type Depth = (typeof DEPTHS)[number];

export const SectionSummary = Type.Object(
  {
    count: Type.Integer({ minimum: 0, description: 'Number of refs in the section.' }),
    updated_at: Type.Optional(
      Type.String({ format: 'date-time', description: 'Newest stamp in the section.' }),
    ),
  },
  { title: 'SectionSummary' },
);

export const ContextPreview = messageSchema(
  'CONTEXT_PREVIEW',
  {
    summary: Type.String({ maxLength: 65_536, description: 'Short human-readable summary; no data dump.' }),
    context_refs: Type.Array(RefString('A ref the receiver may request.'), { maxItems: 10_000 }),
    version: Type.Optional(Version('Store version the preview describes.')),
    store_id: StoreId,
    sections: Type.Optional(
      Type.Record(Type.String(), SectionSummary, { description: 'Per-section counts.' }),
    ),
  },
  'A minimal summary of available context plus refs; no data.',
);
export type ContextPreview = Static<typeof ContextPreview>;

export const Budget = Type.Object(
  {
    max_bytes: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Upper bound on the JSON size of payload.' }),
    ),
    max_items: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Upper bound on the number of slices.' }),
    ),
  },
  { title: 'Budget' },
);
export type Budget = Static<typeof Budget>;

export const ContextRequest = messageSchema(
  'CONTEXT_REQUEST',
  {
    request: Type.Array(RefString('A ref, or a section glob such as "world/*" or "resources/**".'), {
      minItems: 1,
      maxItems: 1024,
    }),
    depth: Type.Optional(literalUnion(DEPTHS, 'How much of each slice to return; default "detailed".')),
    budget: Type.Optional(Budget),
    after: Type.Optional(
      RefString(
        'Paging cursor: answer only refs that sort after this one (the last ref of the previous page).',
      ),
    ),
    purpose: Type.Optional(
      Identifier('Why the receiver wants the data; checked against each entry policy.', 128),
    ),
  },
  'Asks for specific refs at a depth, under a budget.',
);
export type ContextRequest = Static<typeof ContextRequest>;

export const DeniedRef = Type.Object(
  {
    ref: RefString('The ref that was not returned.'),
    code: Identifier('Error code (POLICY_DENIED, EXPIRED, INVALID_REF, ...).', 64),
    reason: Type.String({ maxLength: 1024 }),
  },
  { title: 'DeniedRef' },
);

export const Slice = Type.Object(
  {
    section: Type.Optional(Identifier('Section of the ref.', 32)),
    value: Type.Optional(Type.Unknown({ description: 'Resolved value (depth detailed and full).' })),
    summary: Type.Optional(Type.String({ maxLength: 4096, description: 'Short rendering (depth summary).' })),
    stamp: Type.Optional(Type.String({ format: 'date-time' })),
    confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    provenance: Type.Optional(Type.Array(Provenance, { maxItems: 1024 })),
    policy: Type.Optional(Policy),
    conflict: Type.Optional(
      Type.Boolean({ description: 'True when visible contributions disagree on the value.' }),
    ),
    contributions: Type.Optional(
      Type.Array(
        Type.Object(
          { value: Type.Unknown(), provenance: Provenance, policy: Type.Optional(Policy) },
          { title: 'Contribution' },
        ),
        { maxItems: 1024, description: 'Every visible contribution (depth full).' },
      ),
    ),
  },
  {
    title: 'Slice',
    description: 'One expanded ref. Received slices may be any object; the gateway sends these fields.',
  },
);
export type Slice = Static<typeof Slice>;

export const ContextExpand = messageSchema(
  'CONTEXT_EXPAND',
  {
    payload: Type.Record(Type.String(), JsonObject('A slice (see Slice).'), {
      description: 'Slices by ref, only those requested and allowed.',
    }),
    denied: Type.Optional(Type.Array(DeniedRef, { maxItems: 10_000 })),
    missing: Type.Optional(
      Type.Array(RefString('A requested ref that does not exist.'), { maxItems: 10_000 }),
    ),
    truncated: Type.Optional(Type.Boolean({ description: 'True when the budget cut the answer short.' })),
    omitted: Type.Optional(
      Type.Array(RefString('A ref left out by the budget; request it again.'), { maxItems: 10_000 }),
    ),
    version: Type.Optional(Version('Store version the slices were read at.')),
    store_id: StoreId,
  },
  'Returns the requested slices under policy, with provenance.',
);
export type ContextExpand = Static<typeof ContextExpand>;

export const DIFF_OPS = ['add', 'replace', 'remove'] as const;
export type DiffOpKind = (typeof DIFF_OPS)[number];

export const DiffOp = Type.Object(
  {
    op: literalUnion(DIFF_OPS),
    ref: RefString('The ref the operation applies to.'),
    value: Type.Optional(Type.Unknown({ description: 'New value of the contribution (add, replace).' })),
    provenance: Type.Optional(Provenance),
    policy: Type.Optional(Policy),
  },
  {
    title: 'DiffOp',
    description:
      'One change to one contribution: provenance.source names the contributor. A remove without provenance removes every contribution of the ref.',
  },
);
export type DiffOp = Static<typeof DiffOp>;

export const ContextDiff = messageSchema(
  'CONTEXT_DIFF',
  {
    base_version: Version('The version the receiver must hold to apply the ops.'),
    version: Version('The version after the ops; greater than base_version.'),
    ops: Type.Array(DiffOp, { maxItems: 100_000 }),
    store_id: StoreId,
  },
  'Incremental change of a context store from base_version to version.',
);
export type ContextDiff = Static<typeof ContextDiff>;

export const DECISIONS = ['accepted', 'degraded', 'rejected'] as const;
export type Decision = (typeof DECISIONS)[number];

export const Reason = Type.Object(
  {
    code: Identifier('Machine-readable reason code.', 64),
    message: Type.Optional(Type.String({ maxLength: 4096 })),
    details: Type.Optional(JsonObject('Reason details.')),
  },
  { title: 'Reason' },
);
export type Reason = Static<typeof Reason>;

export const ContextAck = messageSchema(
  'CONTEXT_ACK',
  {
    ack: Type.Union([
      Identifier('The acknowledged message id.', 128),
      Version('The acknowledged store version.'),
    ]),
    status: Type.Union([Type.Literal('ok'), Type.Literal('rejected')]),
    error: Type.Optional(CxpErrorSchema),
    decision: Type.Optional(literalUnion(DECISIONS, 'Answer to an INTENT_PROPOSE.')),
    reasons: Type.Optional(Type.Array(Reason, { maxItems: 256 })),
  },
  'Acknowledges a message or a version; also the answer to an intent and the error reply.',
);
export type ContextAck = Static<typeof ContextAck>;
