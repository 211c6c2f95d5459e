import type { IppAnswer } from './client.js';
import type { PlainAttributes } from './codec.js';
import type { PressSupport } from './capabilities.js';
import { CxpError } from '../../src/cxp/errors.js';

/** What a checked job request becomes on the wire, and what an IPP error status means as a CxpError. */

/** A print.submit request, checked against the press, as the press driver takes it. */
export interface PressJobRequest {
  document: { bytes: Uint8Array } | { path: string };
  format: string;
  jobName: string;
  copies?: number;
  /** Finishing names, each either in finishings-supported (sent as the enum) or a template. */
  finishings: string[];
  media?: string;
  mediaType?: string;
  sides?: string;
  colorMode?: string;
}

/** The IPP attributes of a checked request. */
export function requestAttributes(
  req: PressJobRequest,
  support: PressSupport | undefined,
): { operation: PlainAttributes; jobAttrs: PlainAttributes } {
  const enums = req.finishings.filter((f) => support?.finishings.has(f) === true);
  const templates = req.finishings.filter((f) => support?.finishings.has(f) !== true);
  const job: Record<string, PlainAttributes[keyof PlainAttributes]> = {};
  if (enums.length > 0) job.finishings = enums;
  if (templates.length > 0) job['finishings-col'] = templates.map((t) => ({ 'finishing-template': t }));
  if (req.copies !== undefined) job.copies = req.copies;
  if (req.mediaType !== undefined)
    job['media-col'] = {
      'media-type': req.mediaType,
      ...(req.media === undefined ? {} : { 'media-size-name': req.media }),
    };
  else if (req.media !== undefined) job.media = req.media;
  if (req.sides !== undefined) job.sides = req.sides;
  if (req.colorMode !== undefined) job['print-color-mode'] = req.colorMode;
  return { operation: { 'job-name': req.jobName, 'document-format': req.format }, jobAttrs: job };
}

/** An IPP error status as a CxpError. */
export function ippError(a: IppAnswer, printer: string, operation: string): CxpError {
  const message = `${printer}: ${operation} answered ${a.statusName}`;
  const details = { ipp_status: a.statusName, unsupported: Object.keys(a.unsupported) };
  switch (a.statusName) {
    case 'client-error-attributes-or-values-not-supported':
    case 'client-error-document-format-not-supported':
    case 'client-error-bad-request':
    case 'client-error-conflicting-attributes':
      return new CxpError('INVALID_PARAMS', message, { details });
    case 'client-error-not-found':
      return new CxpError('UNKNOWN_JOB', message, { details });
    case 'client-error-not-authorized':
    case 'client-error-forbidden':
    case 'client-error-not-authenticated':
      return new CxpError('NOT_AUTHORIZED', message, { details });
    case 'server-error-busy':
    case 'server-error-service-unavailable':
    case 'server-error-too-many-jobs':
      return new CxpError('DEVICE_BUSY', message, { details });
    case 'server-error-not-accepting-jobs':
      return new CxpError('PAUSED', message, { details });
    default:
      return new CxpError('DEVICE_FAULT', message, { details, retryable: a.status >= 0x0500 });
  }
}
