/** Capability Exchange: catalogs, capability matrices, the handshake and telemetry. */

export * from './schema.js';
export * from './catalogs.js';
export { decodeCapabilityMatrix, validateMatrix, validateOperation, checkTier } from './matrix.js';
export {
  decodeHandshakeRequest,
  negotiate,
  type HandshakeProvider,
  type NegotiateOptions,
} from './handshake.js';
export * from './telemetry.js';
export * from './action.js';
