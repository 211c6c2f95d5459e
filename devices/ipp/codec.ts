/**
 * The IPP message codec (RFC 8010): requests and responses to and from bytes, plus a request built
 * from plain JS. Pure: no I/O; the IPP client sends the bytes over HTTP.
 */
import { fail, ok, type Result } from '../../src/cxp/errors.js';
import { encodeMessage } from './encode.js';
import { buildAttributes, type PlainAttributes } from './plain.js';
import { operationCode, statusCode, type OperationName, type StatusName } from './registry.js';
import type { IppGroup, IppCodecOptions, IppMessage, IppVersion } from './types.js';

export { decodeMessage } from './decode.js';
export { encodeMessage, type IppMessageInput } from './encode.js';
export { buildAttributes, isTypedValue, toPlain } from './plain.js';
export type { PlainAttributes, PlainOutput, PlainRecord, PlainValue } from './plain.js';
export * from './types.js';

export interface IppRequest {
  /** Default 2.0; 1.1 for older devices. */
  version?: IppVersion;
  operation: OperationName | number;
  /** 1..2^31-1 (RFC 8011 §4.1.1). */
  requestId: number;
  groups: readonly IppGroup[];
  data?: Uint8Array;
}

export interface IppResponse {
  version?: IppVersion;
  status: StatusName | number;
  requestId: number;
  groups: readonly IppGroup[];
  data?: Uint8Array;
}

function invalid(message: string, path: string): Result<never> {
  return fail('INVALID_PARAMS', message, { details: { errors: [{ path, message }] } });
}

function resolveCode(
  given: string | number,
  lookup: (name: string) => number | undefined,
  what: string,
): Result<number> {
  if (typeof given === 'number') return ok(given);
  const code = lookup(given);
  return code === undefined ? invalid(`unknown IPP ${what} ${JSON.stringify(given)}`, `/${what}`) : ok(code);
}

/** Encodes a request; the operation by name (Print-Job, ...) or number. */
export function encodeRequest(request: IppRequest, options?: IppCodecOptions): Result<Buffer> {
  const code = resolveCode(request.operation, operationCode, 'operation');
  if (!code.ok) return code;
  const { requestId } = request;
  if (!Number.isInteger(requestId) || requestId < 1 || requestId > 0x7fffffff)
    return invalid('request-id must be an integer in 1..2147483647', '/requestId');
  return encodeMessage({ ...request, code: code.value }, options);
}

/** Encodes a response (for fakes and test peers); the status by name or number. */
export function encodeResponse(response: IppResponse, options?: IppCodecOptions): Result<Buffer> {
  const code = resolveCode(response.status, statusCode, 'status');
  if (!code.ok) return code;
  return encodeMessage({ ...response, code: code.value }, options);
}

export interface PlainRequest {
  version?: IppVersion;
  operation: OperationName | number;
  requestId: number;
  /** attributes-natural-language, default 'en'. attributes-charset is always utf-8. */
  naturalLanguage?: string;
  /** After attributes-charset and attributes-natural-language, which always come first. */
  operationAttributes?: PlainAttributes;
  jobAttributes?: PlainAttributes;
  data?: Uint8Array;
}

/** A request from plain JS: the operation group led by charset and language, then the job group. */
export function buildRequest(plain: PlainRequest): Result<IppRequest> {
  const operation = buildAttributes({
    'attributes-charset': 'utf-8',
    'attributes-natural-language': plain.naturalLanguage ?? 'en',
    ...plain.operationAttributes,
  });
  if (!operation.ok) return operation;
  const groups: IppGroup[] = [{ tag: 'operation', attributes: operation.value }];
  if (plain.jobAttributes !== undefined) {
    const job = buildAttributes(plain.jobAttributes);
    if (!job.ok) return job;
    groups.push({ tag: 'job', attributes: job.value });
  }
  const { version, operation: op, requestId, data } = plain;
  return ok({ ...(version && { version }), operation: op, requestId, groups, ...(data && { data }) });
}

/** The groups of a decoded message with this tag, in order (Get-Jobs answers one job group per job). */
export function groupsOf(message: IppMessage, tag: IppGroup['tag']): IppGroup[] {
  return message.groups.filter((g) => g.tag === tag);
}
