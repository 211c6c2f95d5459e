import { CxpError, type Result } from '../cxp/errors.js';
import { SchemaChecker } from '../cxp/validate.js';
import type { CatalogRegistry } from './catalog-registry.js';
import { decodeWith } from './decode.js';
import {
  DEFAULT_PROTOCOL_VERSION,
  HandshakeRequest,
  type CapabilityMatrix,
  type ComponentIdentity,
  type HandshakeResponse,
} from './schema.js';

/** The provider side of a capability handshake. */

export interface HandshakeProvider {
  readonly identity: ComponentIdentity;
  readonly matrix: CapabilityMatrix;
}

export interface NegotiateOptions {
  readonly registry: CatalogRegistry;
  /** Protocol versions the provider speaks. */
  readonly supportedVersions: readonly number[];
}

const requestChecker = new SchemaChecker(HandshakeRequest);

/**
 * Checks an untrusted handshake request (INVALID_PARAMS with `details.errors`) and fills its
 * defaults: `protocol_version` 1 and empty capability lists. Unknown fields are kept.
 */
export function decodeHandshakeRequest(value: unknown): Result<HandshakeRequest> {
  const decoded = decodeWith(requestChecker, value, 'handshake request');
  if (!decoded.ok) return decoded;
  const request = decoded.value;
  return {
    ok: true,
    value: {
      ...request,
      required_capabilities: request.required_capabilities ?? [],
      optional_capabilities: request.optional_capabilities ?? [],
      protocol_version: request.protocol_version ?? DEFAULT_PROTOCOL_VERSION,
    },
  };
}

type Answer = Pick<HandshakeResponse, 'provider_identity' | 'offered_capabilities' | 'protocol_version'>;

/**
 * Answers a handshake. The checks run in this order and the first that fails decides:
 * 1. protocol version not supported: rejected, UNSUPPORTED_PROTOCOL_VERSION, offered matrix empty,
 *    `protocol_version` the highest supported one (the request's when none is);
 * 2. the provider's catalog neither is nor satisfies `client_identity.interface`: rejected,
 *    INTERFACE_MISMATCH;
 * 3. a capability both required and optional: rejected, CAPABILITY_CONFLICT;
 * 4. a required capability not offered: rejected, MISSING_REQUIRED_CAPABILITY, with both missing lists;
 * 5. an optional capability not offered: degraded, with `missing_optional_capabilities`;
 * 6. otherwise accepted.
 * From step 2 on, every answer offers the provider's full matrix, rejections included, so a client
 * can see what the provider has and adjust its request.
 */
export function negotiate(
  request: HandshakeRequest,
  provider: HandshakeProvider,
  options: NegotiateOptions,
): HandshakeResponse {
  const version = request.protocol_version ?? DEFAULT_PROTOCOL_VERSION;
  if (!options.supportedVersions.includes(version)) return rejectVersion(version, provider, options);
  const answer: Answer = {
    provider_identity: provider.identity,
    offered_capabilities: { capabilities: [...provider.matrix.capabilities] },
    protocol_version: version,
  };
  const requested = request.client_identity.interface;
  const offeredInterface = provider.identity.interface;
  if (!options.registry.satisfies(offeredInterface, requested)) {
    const message = `provider speaks ${offeredInterface}, which does not satisfy ${requested}`;
    return reject(
      answer,
      new CxpError('INTERFACE_MISMATCH', message, { details: { requested, offered: offeredInterface } }),
    );
  }
  return matchCapabilities(request, answer, provider.matrix);
}

function matchCapabilities(
  request: HandshakeRequest,
  answer: Answer,
  matrix: CapabilityMatrix,
): HandshakeResponse {
  const required = unique(request.required_capabilities ?? []);
  const optional = unique(request.optional_capabilities ?? []);
  const optionalSet = new Set(optional);
  const conflicting = required.filter((name) => optionalSet.has(name));
  if (conflicting.length > 0) {
    const message = `capabilities listed as both required and optional: ${listNames(conflicting)}`;
    return reject(answer, new CxpError('CAPABILITY_CONFLICT', message, { details: { conflicting } }));
  }
  const offered = new Set(matrix.capabilities.map((c) => c.name));
  const missingRequired = required.filter((name) => !offered.has(name));
  const missingOptional = optional.filter((name) => !offered.has(name));
  if (missingRequired.length > 0) {
    const message = `required capabilities not offered: ${listNames(missingRequired)}`;
    const error = new CxpError('MISSING_REQUIRED_CAPABILITY', message, {
      details: { missing: missingRequired },
    });
    return {
      ...reject(answer, error),
      missing_required_capabilities: missingRequired,
      missing_optional_capabilities: missingOptional,
    };
  }
  return acceptOrDegrade(answer, missingOptional);
}

function acceptOrDegrade(answer: Answer, missingOptional: string[]): HandshakeResponse {
  if (missingOptional.length === 0) {
    return {
      ...answer,
      status: 'accepted',
      missing_required_capabilities: [],
      missing_optional_capabilities: [],
    };
  }
  return {
    ...answer,
    status: 'degraded',
    reason: `optional capabilities not offered: ${listNames(missingOptional)}`,
    missing_required_capabilities: [],
    missing_optional_capabilities: missingOptional,
  };
}

function rejectVersion(
  version: number,
  provider: HandshakeProvider,
  options: NegotiateOptions,
): HandshakeResponse {
  const supported = [...options.supportedVersions].sort((a, b) => a - b);
  const listed = supported.length > 0 ? supported.join(', ') : 'none';
  const message = `protocol version ${version} is not supported; supported versions: ${listed}`;
  const error = new CxpError('UNSUPPORTED_PROTOCOL_VERSION', message, {
    details: { requested: version, supported },
  });
  const answer: Answer = {
    provider_identity: provider.identity,
    offered_capabilities: { capabilities: [] },
    protocol_version: supported.at(-1) ?? version,
  };
  return reject(answer, error);
}

function reject(answer: Answer, error: CxpError): HandshakeResponse {
  return {
    ...answer,
    status: 'rejected',
    reason: error.message,
    missing_required_capabilities: [],
    missing_optional_capabilities: [],
    error: error.toWire(),
  };
}

function unique(names: readonly string[]): string[] {
  return [...new Set(names)];
}

const NAMES_IN_TEXT = 8;

/** Names for a human-readable reason, at most NAMES_IN_TEXT of them so the text stays bounded. */
function listNames(names: readonly string[]): string {
  const shown = names.slice(0, NAMES_IN_TEXT).join(', ');
  const more = names.length - NAMES_IN_TEXT;
  return more > 0 ? `${shown} and ${more} more` : shown;
}
