/** The format being received by the Zebra emulator's parser: its bytes and what was noticed in it. */

const textDecoder = new TextDecoder('utf-8');

/** A byte buffer that grows by doubling (its user bounds its length). */
export class ByteBuilder {
  #bytes = new Uint8Array(256);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(byte: number): void {
    if (this.#length === this.#bytes.length) {
      const bigger = new Uint8Array(this.#bytes.length * 2);
      bigger.set(this.#bytes);
      this.#bytes = bigger;
    }
    this.#bytes[this.#length++] = byte;
  }

  pushAll(bytes: Uint8Array): void {
    let capacity = this.#bytes.length;
    while (capacity < this.#length + bytes.length) capacity *= 2;
    if (capacity !== this.#bytes.length) {
      const bigger = new Uint8Array(capacity);
      bigger.set(this.#bytes.subarray(0, this.#length));
      this.#bytes = bigger;
    }
    this.#bytes.set(bytes, this.#length);
    this.#length += bytes.length;
  }

  text(from = 0, to = this.#length): string {
    return textDecoder.decode(this.#bytes.subarray(from, to));
  }

  clear(): void {
    this.#length = 0;
    if (this.#bytes.length > 4096) this.#bytes = new Uint8Array(256);
  }
}

/** The format being received: its bytes and what was noticed in it so far. */
export class FormatBuffer {
  readonly bytes = new ByteBuilder();
  printable = false;
  quantity = 1;
  readonly settings = new Map<string, string>();
  /** A command whose parameters run until the next prefix character. */
  open: { name: string; start: number } | undefined;

  closeParameters(): void {
    const open = this.open;
    if (open === undefined) return;
    this.open = undefined;
    const value = this.bytes.text(open.start);
    if (open.name === 'PQ') {
      const q = Number.parseInt(value.split(',')[0] ?? '', 10);
      this.quantity = Number.isSafeInteger(q) && q > 0 ? Math.min(q, 99_999_999) : 1;
    } else this.settings.set(open.name, value);
  }

  reset(): void {
    this.bytes.clear();
    this.printable = false;
    this.quantity = 1;
    this.settings.clear();
    this.open = undefined;
  }
}
