import { fail, type CxpError, type Result } from '../../../src/cxp/errors.js';
import { hasValidCrc } from './crc.js';
import { hexExcerpt } from './hex.js';
import { EXCEPTION_FLAG, exceptionError } from './rtu-exceptions.js';
import {
  EXCEPTION_RESPONSE_LENGTH,
  FUNCTION_CODES,
  RTU_LIMITS,
  expectedByteCount,
  isReadKind,
  validateRequest,
  type ReadRequest,
  type RtuRequest,
} from './rtu-request.js';
import { decodeResponse, type RtuResponse } from './rtu-response.js';

const CAPACITY = RTU_LIMITS.maxFrame;

/**
 * Reads the response to one request from a serial byte stream fed in chunks of any size. Pure, bounded
 * (it holds at most 256 bytes, the largest RTU frame) and it never throws.
 *
 * The response frame starts at the first place where the expected unit id is followed by the expected
 * function code (or that code with the exception flag); bytes before it are skipped as line noise. When
 * the very first bytes form a complete frame with a valid CRC from another unit or for another
 * function, that is reported instead. Results:
 * - the decoded response;
 * - DEVICE_FAULT for an exception response (`details.exception`, `details.name`);
 * - MALFORMED_MESSAGE for a CRC mismatch, a wrong unit or function, a wrong byte count, a write that
 *   does not echo its request, or no frame within 256 bytes (`details.hex` holds an excerpt);
 * - INVALID_PARAMS when the request itself breaks a protocol limit.
 *
 * Once complete the reader keeps its result: later feeds discard their bytes and return it again.
 * `reset` reuses the reader (and its buffer) for the next request.
 */
export class RtuResponseReader {
  readonly #buf = new Uint8Array(CAPACITY);
  #request!: RtuRequest;
  #functionCode = 0;
  #len = 0;
  /** Lowest offset not yet ruled out as the start of the expected frame. */
  #hunt = 0;
  /** Whether a foreign frame at offset 0 has been ruled out. */
  #foreignDone = false;
  #frameBytes = 0;
  #discarded = 0;
  #result: Result<RtuResponse> | undefined;

  constructor(request: RtuRequest) {
    this.reset(request);
  }

  /** Forgets everything read and waits for the response to `request`. */
  reset(request: RtuRequest): void {
    this.#len = 0;
    this.#hunt = 0;
    this.#foreignDone = false;
    this.#frameBytes = 0;
    this.#discarded = 0;
    this.#result = undefined;
    const valid = validateRequest(request);
    this.#request = request;
    this.#functionCode = valid.ok ? FUNCTION_CODES[request.kind] : 0;
    if (!valid.ok) this.#result = valid;
  }

  /** True once the reader holds its result. */
  get done(): boolean {
    return this.#result !== undefined;
  }

  get result(): Result<RtuResponse> | undefined {
    return this.#result;
  }

  /** Bytes currently held (never more than 256). */
  get buffered(): number {
    return this.#len;
  }

  /** Bytes received that were not part of the response frame (noise before, garbage after). */
  get discarded(): number {
    return this.#discarded + (this.done ? this.#len - this.#frameBytes : 0);
  }

  /** Adds bytes; returns the result once the response is complete, `undefined` while more is needed. */
  feed(chunk: Uint8Array): Result<RtuResponse> | undefined {
    if (this.#result !== undefined) {
      this.#discarded += chunk.length;
      return this.#result;
    }
    if (chunk.length === 0) return undefined;
    const take = Math.min(chunk.length, CAPACITY - this.#len);
    this.#buf.set(chunk.subarray(0, take), this.#len);
    this.#len += take;
    this.#discarded += chunk.length - take;
    this.#result = this.#scan();
    return this.#result;
  }

  #scan(): Result<RtuResponse> | undefined {
    if (this.#request.unit === RTU_LIMITS.broadcastUnit) {
      return this.#malformed('bytes arrived after a broadcast, which gets no response', 0, this.#len);
    }
    const found = this.#foreignFrame() ?? this.#expectedFrame();
    if (found !== undefined || this.#len < CAPACITY) return found;
    return this.#malformed(`no complete response frame within ${CAPACITY} bytes`, 0, this.#len);
  }

  /** A complete, CRC-valid frame at offset 0 that is not the one expected. */
  #foreignFrame(): Result<RtuResponse> | undefined {
    if (this.#foreignDone || this.#len < 2) return undefined;
    const unit = this.#buf[0] ?? 0;
    const fn = this.#buf[1] ?? 0;
    const expectedUnit = unit === this.#request.unit;
    const expectedFn = fn === this.#functionCode || fn === (this.#functionCode | EXCEPTION_FLAG);
    const length = anyFrameLength(this.#buf, this.#len);
    if ((expectedUnit && expectedFn) || unit < 1 || unit > RTU_LIMITS.maxUnit || length === null) {
      this.#foreignDone = true;
      return undefined;
    }
    if (length === undefined || this.#len < length) return undefined;
    this.#foreignDone = true;
    if (!hasValidCrc(this.#buf, 0, length)) return undefined;
    this.#frameBytes = length;
    const details = {
      unit,
      function: fn,
      expected_unit: this.#request.unit,
      expected_function: this.#functionCode,
    };
    const what = expectedUnit
      ? `function 0x${hex2(fn)} answered, expected 0x${hex2(this.#functionCode)}`
      : `unit ${unit} answered, expected unit ${this.#request.unit}`;
    return this.#malformed(`wrong response: ${what}`, 0, length, details);
  }

  /** Hunts for the expected header and decodes the frame once it is complete. */
  #expectedFrame(): Result<RtuResponse> | undefined {
    const unit = this.#request.unit;
    const fn = this.#functionCode;
    while (this.#hunt + 1 < this.#len) {
      const head = this.#buf[this.#hunt + 1];
      if (this.#buf[this.#hunt] === unit && (head === fn || head === (fn | EXCEPTION_FLAG))) {
        return this.#candidate(this.#hunt, head === fn);
      }
      this.#hunt++;
    }
    return undefined;
  }

  #candidate(start: number, normal: boolean): Result<RtuResponse> | undefined {
    const request = this.#request;
    let length = EXCEPTION_RESPONSE_LENGTH;
    if (normal && isReadKind(request.kind)) {
      if (this.#len < start + 3) return undefined;
      const count = this.#buf[start + 2] ?? 0;
      const expected = expectedByteCount(request as ReadRequest);
      if (count !== expected) {
        this.#frameBytes = this.#len - start;
        const details = { byte_count: count, expected_byte_count: expected };
        return this.#malformed(`byte count ${count}, expected ${expected}`, start, this.#len, details);
      }
      length = 5 + count;
    } else if (normal) {
      length = 8;
    }
    const end = start + length;
    if (this.#len < end) return undefined;
    this.#frameBytes = length;
    if (!hasValidCrc(this.#buf, start, end)) return this.#malformed('CRC mismatch', start, end);
    if (!normal) {
      const exception = this.#buf[start + 2] ?? 0;
      return { ok: false, error: this.#exception(exception) };
    }
    return decodeResponse(request, { bytes: this.#buf, start, end });
  }

  #exception(exception: number): CxpError {
    return exceptionError({ unit: this.#request.unit, functionCode: this.#functionCode, exception });
  }

  #malformed(
    message: string,
    start: number,
    end: number,
    extra: Record<string, unknown> = {},
  ): Result<RtuResponse> {
    return fail('MALFORMED_MESSAGE', `Modbus RTU response: ${message}`, {
      details: { ...extra, hex: hexExcerpt(this.#buf, start, end) },
    });
  }
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/**
 * The length of whatever frame starts at offset 0, judged by its function code: `undefined` while the
 * byte count is still missing, `null` for a function whose length this codec cannot tell (or too long).
 */
function anyFrameLength(buf: Uint8Array, len: number): number | null | undefined {
  const fn = buf[1] ?? 0;
  if ((fn & EXCEPTION_FLAG) !== 0) return EXCEPTION_RESPONSE_LENGTH;
  if (fn === 0x05 || fn === 0x06 || fn === 0x0f || fn === 0x10) return 8;
  if (fn < 0x01 || fn > 0x04) return null;
  if (len < 3) return undefined;
  const length = 5 + (buf[2] ?? 0);
  return length <= CAPACITY ? length : null;
}
