import type { Clock } from '../../cxp/clock.js';
import { fail, ok, type Result } from '../../cxp/errors.js';
import type { MessageFactory } from '../../cxp/message.js';
import type { MessageOf } from '../../cxp/schema/index.js';
import type { DiffOp } from '../../cxp/schema/context-messages.js';
import type { ChangeEntry } from '../change-log.js';
import { expandContext, type ExpandLimits } from '../expand.js';
import { checkPolicy, type Viewer } from '../policy.js';
import { buildPreview, type PreviewOptions } from '../preview.js';
import type { ContextStore } from '../store.js';

export interface ContextProviderOptions {
  store: ContextStore;
  messages: MessageFactory;
  clock: Clock;
  expandLimits?: ExpandLimits;
  preview?: PreviewOptions;
}

/**
 * The providing side of CXP-SPARSE: PREVIEW out, REQUEST in and EXPAND out, DIFF out, ACK in
 * (an ACK of a version older than ours is answered with the DIFF that catches the peer up).
 * Everything a viewer receives is filtered by the policies of the contributions.
 */
export class ContextProvider {
  readonly #o: ContextProviderOptions;

  constructor(options: ContextProviderOptions) {
    this.#o = options;
  }

  preview(viewer: Viewer): MessageOf<'CONTEXT_PREVIEW'> {
    const body = buildPreview(this.#o.store, viewer, this.#o.clock.now(), this.#o.preview);
    return this.#o.messages.create('CONTEXT_PREVIEW', { mode: 'SPARSE', ...body });
  }

  handleRequest(request: MessageOf<'CONTEXT_REQUEST'>, viewer: Viewer): MessageOf<'CONTEXT_EXPAND'> {
    const body = expandContext(this.#o.store, request, viewer, this.#o.expandLimits);
    return this.#o.messages.create('CONTEXT_EXPAND', {
      ...body,
      store_id: this.#o.store.storeId,
      ...(request.id === undefined ? {} : { correlation_id: request.id }),
    });
  }

  /** A DIFF for one committed change, as broadcast to subscribers. */
  diffMessage(change: Readonly<ChangeEntry>, viewer?: Viewer): MessageOf<'CONTEXT_DIFF'> {
    return this.#o.messages.create('CONTEXT_DIFF', {
      base_version: change.base,
      version: change.version,
      ops: viewer === undefined ? change.ops : filterOps(change.ops, viewer),
      store_id: this.#o.store.storeId,
    });
  }

  /** The DIFF from `base` to now, or RESYNC_REQUIRED when that history is gone. */
  diffSince(base: number, viewer?: Viewer): Result<MessageOf<'CONTEXT_DIFF'>> {
    const diff = this.#o.store.diffSince(base);
    if (!diff.ok) return diff;
    const { base_version, version, ops } = diff.value;
    return ok(this.diffMessage({ base: base_version, version, ops }, viewer));
  }

  /**
   * A peer's ACK of a version: the catch-up DIFF from it (empty when the peer is current, which
   * confirms it);
   * an error ACK (RESYNC_REQUIRED) when it cannot be caught up and must EXPAND in full.
   */
  handleAck(ack: MessageOf<'CONTEXT_ACK'>, viewer?: Viewer): Result<MessageOf<'CONTEXT_DIFF'> | undefined> {
    if (typeof ack.ack !== 'number' || ack.status !== 'ok') return ok(undefined);
    const diff = this.diffSince(ack.ack, viewer);
    if (diff.ok) return ok(withCorrelation(diff.value, ack.id));
    return fail(diff.error.code, diff.error.message, { details: diff.error.details });
  }
}

function withCorrelation<M extends { correlation_id?: string }>(message: M, id: string | undefined): M {
  if (id !== undefined) message.correlation_id = id;
  return message;
}

/**
 * Ops a viewer may see: a contribution its policy hides becomes a remove, so a replica never keeps
 * a value that turned private after it was shared.
 */
export function filterOps(ops: readonly DiffOp[], viewer: Viewer): DiffOp[] {
  return ops.map((op) => {
    if (op.op === 'remove' || checkPolicy(op.policy, viewer).allowed) return op;
    return { op: 'remove', ref: op.ref, provenance: { source: op.provenance?.source ?? '' } };
  });
}
