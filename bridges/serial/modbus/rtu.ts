/** Modbus RTU codec: requests, the incremental response reader, exceptions and timing. Pure. */

export { appendCrc, crc16Modbus, hasValidCrc } from './crc.js';
export {
  EXCEPTION_FLAG,
  exceptionError,
  exceptionName,
  type ExceptionErrorOptions,
} from './rtu-exceptions.js';
export { RtuResponseReader } from './rtu-reader.js';
export {
  EXCEPTION_RESPONSE_LENGTH,
  FUNCTION_CODES,
  RTU_LIMITS,
  encodeRequest,
  expectedByteCount,
  expectedResponseLength,
  validateRequest,
  type ReadBitsKind,
  type ReadKind,
  type ReadRegistersKind,
  type ReadRequest,
  type RtuRequest,
  type RtuRequestKind,
  type WriteMultipleRegistersRequest,
  type WriteSingleCoilRequest,
  type WriteSingleRegisterRequest,
} from './rtu-request.js';
export type {
  ReadBitsResponse,
  ReadRegistersResponse,
  RtuResponse,
  WriteMultipleRegistersResponse,
  WriteSingleCoilResponse,
  WriteSingleRegisterResponse,
} from './rtu-response.js';
export { rtuTiming, silentIntervalMicros, type RtuTiming, type SerialFormatOptions } from './rtu-timing.js';
