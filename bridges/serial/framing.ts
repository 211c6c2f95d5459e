/**
 * Framers for serial byte streams. Each is a small pure state machine (bytes and a timestamp in,
 * frames and coded errors out) that holds at most maxFrame bytes plus a partial delimiter, whatever
 * arrives: an oversized frame is dropped up to the next delimiter, gap or resync and reported once.
 *
 * - framing-delimited.ts: `lineFramer` (any delimiter), `fixedFramer`
 * - framing-binary.ts: `lengthPrefixedFramer`, `interByteTimeoutFramer`
 * - framing-config.ts: the `FramingConfig` schema and `framerFromConfig`
 */

export * from './frame-events.js';
export { lineFramer, fixedFramer, MAX_DELIMITER_BYTES } from './framing-delimited.js';
export type { LineFramerOptions, FixedFramerOptions } from './framing-delimited.js';
export { lengthPrefixedFramer, interByteTimeoutFramer } from './framing-binary.js';
export type { LengthPrefixedFramerOptions, InterByteTimeoutFramerOptions } from './framing-binary.js';
export { FramingConfig, checkFramingConfig, framerFromConfig } from './framing-config.js';
