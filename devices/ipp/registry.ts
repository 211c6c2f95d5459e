/**
 * IPP operation ids and status codes (RFC 8011 §5.4.15 and §B, RFC 3998, PWG 5100.5/5100.11/5100.13
 * and the IANA IPP registry), with lookups both ways. Enum attribute values live in enums.ts.
 */

export const OPERATIONS = {
  'Print-Job': 0x0002,
  'Print-URI': 0x0003,
  'Validate-Job': 0x0004,
  'Create-Job': 0x0005,
  'Send-Document': 0x0006,
  'Send-URI': 0x0007,
  'Cancel-Job': 0x0008,
  'Get-Job-Attributes': 0x0009,
  'Get-Jobs': 0x000a,
  'Get-Printer-Attributes': 0x000b,
  'Hold-Job': 0x000c,
  'Release-Job': 0x000d,
  'Restart-Job': 0x000e,
  'Pause-Printer': 0x0010,
  'Resume-Printer': 0x0011,
  'Purge-Jobs': 0x0012,
  'Set-Printer-Attributes': 0x0013,
  'Set-Job-Attributes': 0x0014,
  'Get-Printer-Supported-Values': 0x0015,
  'Create-Printer-Subscriptions': 0x0016,
  'Create-Job-Subscriptions': 0x0017,
  'Get-Subscription-Attributes': 0x0018,
  'Get-Subscriptions': 0x0019,
  'Renew-Subscription': 0x001a,
  'Cancel-Subscription': 0x001b,
  'Get-Notifications': 0x001c,
  'Enable-Printer': 0x0022,
  'Disable-Printer': 0x0023,
  'Pause-Printer-After-Current-Job': 0x0024,
  'Hold-New-Jobs': 0x0025,
  'Release-Held-New-Jobs': 0x0026,
  'Deactivate-Printer': 0x0027,
  'Activate-Printer': 0x0028,
  'Restart-Printer': 0x0029,
  'Shutdown-Printer': 0x002a,
  'Startup-Printer': 0x002b,
  'Reprocess-Job': 0x002c,
  'Cancel-Current-Job': 0x002d,
  'Suspend-Current-Job': 0x002e,
  'Resume-Job': 0x002f,
  'Promote-Job': 0x0030,
  'Schedule-Job-After': 0x0031,
  'Cancel-Document': 0x0033,
  'Get-Document-Attributes': 0x0034,
  'Get-Documents': 0x0035,
  'Delete-Document': 0x0036,
  'Set-Document-Attributes': 0x0037,
  'Cancel-Jobs': 0x0038,
  'Cancel-My-Jobs': 0x0039,
  'Resubmit-Job': 0x003a,
  'Close-Job': 0x003b,
  'Identify-Printer': 0x003c,
  'Validate-Document': 0x003d,
} as const;

export type OperationName = keyof typeof OPERATIONS;

export const STATUS_CODES = {
  'successful-ok': 0x0000,
  'successful-ok-ignored-or-substituted-attributes': 0x0001,
  'successful-ok-conflicting-attributes': 0x0002,
  'successful-ok-ignored-subscriptions': 0x0003,
  'successful-ok-too-many-events': 0x0005,
  'successful-ok-events-complete': 0x0007,
  'client-error-bad-request': 0x0400,
  'client-error-forbidden': 0x0401,
  'client-error-not-authenticated': 0x0402,
  'client-error-not-authorized': 0x0403,
  'client-error-not-possible': 0x0404,
  'client-error-timeout': 0x0405,
  'client-error-not-found': 0x0406,
  'client-error-gone': 0x0407,
  'client-error-request-entity-too-large': 0x0408,
  'client-error-request-value-too-long': 0x0409,
  'client-error-document-format-not-supported': 0x040a,
  'client-error-attributes-or-values-not-supported': 0x040b,
  'client-error-uri-scheme-not-supported': 0x040c,
  'client-error-charset-not-supported': 0x040d,
  'client-error-conflicting-attributes': 0x040e,
  'client-error-compression-not-supported': 0x040f,
  'client-error-compression-error': 0x0410,
  'client-error-document-format-error': 0x0411,
  'client-error-document-access-error': 0x0412,
  'client-error-attributes-not-settable': 0x0413,
  'client-error-ignored-all-subscriptions': 0x0414,
  'client-error-too-many-subscriptions': 0x0415,
  'client-error-document-password-error': 0x0418,
  'client-error-document-permission-error': 0x0419,
  'client-error-document-security-error': 0x041a,
  'client-error-document-unprintable-error': 0x041b,
  'client-error-account-info-needed': 0x041c,
  'client-error-account-closed': 0x041d,
  'client-error-account-limit-reached': 0x041e,
  'client-error-account-authorization-failed': 0x041f,
  'client-error-not-fetchable': 0x0420,
  'server-error-internal-error': 0x0500,
  'server-error-operation-not-supported': 0x0501,
  'server-error-service-unavailable': 0x0502,
  'server-error-version-not-supported': 0x0503,
  'server-error-device-error': 0x0504,
  'server-error-temporary-error': 0x0505,
  'server-error-not-accepting-jobs': 0x0506,
  'server-error-busy': 0x0507,
  'server-error-job-canceled': 0x0508,
  'server-error-multiple-document-jobs-not-supported': 0x0509,
  'server-error-printer-is-deactivated': 0x050a,
  'server-error-too-many-jobs': 0x050b,
  'server-error-too-many-documents': 0x050c,
} as const;

export type StatusName = keyof typeof STATUS_CODES;

export type StatusClass = 'successful' | 'client-error' | 'server-error';

function invert<K extends string>(table: Readonly<Record<K, number>>): ReadonlyMap<number, K> {
  return new Map(Object.entries(table).map(([name, code]) => [code as number, name as K]));
}

const OPERATION_NAMES = invert<OperationName>(OPERATIONS);
const STATUS_NAMES = invert<StatusName>(STATUS_CODES);

export function operationCode(name: string): number | undefined {
  return Object.hasOwn(OPERATIONS, name) ? OPERATIONS[name as OperationName] : undefined;
}

export function operationName(code: number): OperationName | undefined {
  return OPERATION_NAMES.get(code);
}

export function statusCode(name: string): number | undefined {
  return Object.hasOwn(STATUS_CODES, name) ? STATUS_CODES[name as StatusName] : undefined;
}

export function statusName(code: number): StatusName | undefined {
  return STATUS_NAMES.get(code);
}

/** The class of a status code by its range (RFC 8011 §B.1), so an unlisted code still has one. */
export function statusClass(code: number): StatusClass | undefined {
  if (code >= 0x0000 && code <= 0x00ff) return 'successful';
  if (code >= 0x0400 && code <= 0x04ff) return 'client-error';
  if (code >= 0x0500 && code <= 0x05ff) return 'server-error';
  return undefined;
}

/** True for 0x0000-0x00FF (the request was done, perhaps with substitutions: check the code). */
export function isSuccessStatus(code: number): boolean {
  return statusClass(code) === 'successful';
}
