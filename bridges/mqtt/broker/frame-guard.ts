/**
 * Follows MQTT control-packet boundaries in a byte stream (fixed header: one type byte, then the
 * remaining length as a 1-4 byte varint) and flags the first packet that declares more than the limit,
 * so a connection can be dropped before its parser buffers a huge packet. Pure: feed it the bytes.
 */

/** `ok` while every packet fits; `too-large` once one declares more; `malformed` on a bad length. */
export type FrameVerdict = 'ok' | 'too-large' | 'malformed';

/** The most bytes a 3.1.1 CONNECT's length-prefixed fields (id, will, user, password) can take. */
export const MQTT_HEADER_ALLOWANCE = 6 * 65_536;

type State = 'type' | 'length' | 'body';

export class MqttFrameGuard {
  readonly #limit: number;
  #state: State = 'type';
  #length = 0;
  #multiplier = 1;
  #lengthBytes = 0;
  #remaining = 0;
  #verdict: FrameVerdict = 'ok';
  #declared = 0;

  /** @param maxRemainingLength the largest remaining length (bytes after the fixed header) allowed. */
  constructor(maxRemainingLength: number) {
    this.#limit = maxRemainingLength;
  }

  /** The remaining length the offending packet declared (after a `too-large` verdict). */
  get declared(): number {
    return this.#declared;
  }

  /** Feeds the next bytes; once the verdict is not `ok` it stays so. */
  feed(chunk: Uint8Array): FrameVerdict {
    let i = 0;
    while (i < chunk.length && this.#verdict === 'ok') {
      if (this.#state === 'type') {
        i += 1;
        this.#startLength();
      } else if (this.#state === 'length') {
        this.#lengthByte(chunk[i] ?? 0);
        i += 1;
      } else {
        const skip = Math.min(this.#remaining, chunk.length - i);
        i += skip;
        this.#remaining -= skip;
        if (this.#remaining === 0) this.#state = 'type';
      }
    }
    return this.#verdict;
  }

  #startLength(): void {
    this.#state = 'length';
    this.#length = 0;
    this.#multiplier = 1;
    this.#lengthBytes = 0;
  }

  #lengthByte(byte: number): void {
    this.#length += (byte & 0x7f) * this.#multiplier;
    this.#multiplier *= 128;
    this.#lengthBytes += 1;
    if ((byte & 0x80) !== 0) {
      if (this.#lengthBytes === 4) this.#verdict = 'malformed';
      return;
    }
    if (this.#length > this.#limit) {
      this.#declared = this.#length;
      this.#verdict = 'too-large';
      return;
    }
    this.#remaining = this.#length;
    this.#state = this.#remaining > 0 ? 'body' : 'type';
  }
}
