import { Buffer } from 'node:buffer';
import { closeSync, existsSync, lstatSync, openSync, readdirSync, readSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { fail, ok, type Result } from '../../src/cxp/errors.js';

/**
 * Which device a serial port opens: a path as is, a /dev/serial/by-id link, or USB ids matched by
 * walking sysfs (serialport's list() needs udevadm, which minimal systems lack). Synchronous and
 * bounded; the roots are parameters so tests build a fake tree. Never throws.
 */

export interface UsbSelector {
  vendor_id?: string;
  product_id?: string;
  serial?: string;
  interface?: number;
}

export type PortSelector = { path: string } | { by_id: string } | { usb: UsbSelector };

export interface ResolveRoots {
  readonly dev: string;
  readonly sys: string;
}

export const SYSTEM_ROOTS: ResolveRoots = Object.freeze({ dev: '/dev', sys: '/sys' });

export interface UsbIdentity {
  /** Lowercase hex, as sysfs writes it. */
  vendor_id: string;
  product_id: string;
  serial?: string;
  interface?: number;
}

export interface ResolvedPort {
  /** What to open. */
  path: string;
  /** The realpath when `path` is a symlink (for logs). */
  target?: string;
  usb?: UsbIdentity;
}

/** tty entries scanned in <sys>/class/tty, parent directories climbed, candidates in an error. */
export const MAX_TTY_ENTRIES = 1024;
export const MAX_PARENT_LEVELS = 8;
export const MAX_CANDIDATES = 16;

const BY_ID_PREFIX = '/dev/serial/by-id/';
const HEX_ID = '^[0-9A-Fa-f]{4}$';
const HEX_ID_RE = new RegExp(HEX_ID);
const MAX_SERIAL_LENGTH = 128;
const MAX_ATTRIBUTE_BYTES = 512;
const byPath = new Intl.Collator('en', { numeric: true });

const closed = { additionalProperties: false } as const;
const hexId = (what: string) =>
  Type.Optional(
    Type.String({ pattern: HEX_ID, description: `USB ${what} id, 4 hex digits in any case (e.g. "0403").` }),
  );

const PathSelector = Type.Object(
  {
    path: Type.String({
      minLength: 1,
      maxLength: 4096,
      description: 'Device path opened as is, e.g. /dev/ttyUSB0 or a socat pty link.',
    }),
  },
  { ...closed, description: 'Open a device path as is.' },
);

const ByIdSelector = Type.Object(
  {
    by_id: Type.String({
      pattern: '^\\S+$',
      maxLength: 512,
      description:
        'A name under /dev/serial/by-id/ (e.g. usb-FTDI_FT232R_USB_UART_A10K1ZQF-if00-port0) or its full path.',
    }),
  },
  { ...closed, description: 'Open a stable udev link under /dev/serial/by-id/.' },
);

const UsbSelectorSchema = Type.Object(
  {
    usb: Type.Object(
      {
        vendor_id: hexId('vendor'),
        product_id: hexId('product'),
        serial: Type.Optional(
          Type.String({ minLength: 1, maxLength: MAX_SERIAL_LENGTH, description: 'USB serial number.' }),
        ),
        interface: Type.Optional(
          Type.Integer({ minimum: 0, maximum: 255, description: 'USB interface number (multi-port chips).' }),
        ),
      },
      {
        ...closed,
        minProperties: 1,
        description: 'USB ids matched in sysfs; at least one of vendor_id, product_id, serial.',
      },
    ),
  },
  { ...closed, description: 'Find the tty of a USB adapter by its ids.' },
);

export const PortSelectorConfig = Type.Union([PathSelector, ByIdSelector, UsbSelectorSchema], {
  description: 'Which serial device to open: exactly one of path, by_id, usb.',
});
export type PortSelectorConfig = Static<typeof PortSelectorConfig>;

interface Problem {
  path: string;
  message: string;
}

/** Checks the schema cannot express; paths are relative to the selector. */
export function checkPortSelector(selector: PortSelector): Problem[] {
  if ('path' in selector)
    return selector.path === '' ? [{ path: '/path', message: 'a path is not empty' }] : [];
  if ('by_id' in selector) {
    return byIdName(selector.by_id) === undefined
      ? [
          {
            path: '/by_id',
            message: 'a by-id name is one file name under /dev/serial/by-id/ (no "/" or "..")',
          },
        ]
      : [];
  }
  return checkUsb(selector.usb);
}

function checkUsb(usb: UsbSelector): Problem[] {
  const problems: Problem[] = [];
  if (usb.vendor_id === undefined && usb.product_id === undefined && usb.serial === undefined)
    problems.push({ path: '/usb', message: 'a usb selector names vendor_id, product_id or serial' });
  for (const key of ['vendor_id', 'product_id'] as const) {
    const id = usb[key];
    if (id !== undefined && !HEX_ID_RE.test(id))
      problems.push({ path: `/usb/${key}`, message: `${key} is 4 hex digits` });
  }
  if (usb.serial !== undefined && (usb.serial === '' || usb.serial.length > MAX_SERIAL_LENGTH))
    problems.push({ path: '/usb/serial', message: `serial has 1..${MAX_SERIAL_LENGTH} characters` });
  const iface = usb.interface;
  if (iface !== undefined && !(Number.isInteger(iface) && iface >= 0 && iface <= 255))
    problems.push({ path: '/usb/interface', message: 'interface is an integer in 0..255' });
  return problems;
}

/** For logs: "/dev/ttyUSB0", "by-id usb-FTDI_…", "usb 0403:6001 serial A10K1ZQF". */
export function describeSelector(selector: PortSelector): string {
  if ('path' in selector) return selector.path;
  if ('by_id' in selector) return `by-id ${selector.by_id}`;
  const { vendor_id: vendor, product_id: product, serial, interface: iface } = selector.usb;
  const parts = ['usb'];
  if (vendor !== undefined || product !== undefined) parts.push(`${vendor ?? '*'}:${product ?? '*'}`);
  if (serial !== undefined) parts.push(`serial ${serial}`);
  if (iface !== undefined) parts.push(`interface ${iface}`);
  return parts.join(' ');
}

/**
 * The device to open. Not found: DEVICE_OFFLINE (retryable) with `details.candidates`; a bad or
 * ambiguous selector: INVALID_CONFIG. A `path` is returned as is: the open checks that it exists.
 */
export function resolvePort(
  selector: PortSelector,
  roots: ResolveRoots = SYSTEM_ROOTS,
): Result<ResolvedPort> {
  const problems = checkPortSelector(selector);
  if (problems.length > 0) {
    return fail(
      'INVALID_CONFIG',
      `invalid serial port selector ${describeSelector(selector)}: ${problems.map((p) => p.message).join('; ')}`,
      { details: { problems } },
    );
  }
  if ('path' in selector) return ok(inspectPath(selector.path, roots));
  if ('by_id' in selector) return resolveById(selector, roots);
  return resolveUsb(selector.usb, roots);
}

/** Every tty with a USB parent, sorted by path. */
export function listUsbSerialPorts(roots: ResolveRoots = SYSTEM_ROOTS): ResolvedPort[] {
  return scanUsbTtys(roots).map(toResolved);
}

function byIdName(value: string): string | undefined {
  const name = value.startsWith(BY_ID_PREFIX) ? value.slice(BY_ID_PREFIX.length) : value;
  const bad = name === '' || name === '.' || name.includes('/') || name.includes('..') || /[\s\0]/.test(name);
  return bad ? undefined : name;
}

function resolveById(selector: { by_id: string }, roots: ResolveRoots): Result<ResolvedPort> {
  const name = byIdName(selector.by_id) ?? '';
  const path = join(roots.dev, 'serial', 'by-id', name);
  if (realpathOrUndefined(path) === undefined) return notFound(selector, scanUsbTtys(roots));
  return ok(inspectPath(path, roots));
}

function resolveUsb(usb: UsbSelector, roots: ResolveRoots): Result<ResolvedPort> {
  const ports = scanUsbTtys(roots);
  const matches = ports.filter((port) => matchesUsb(port.usb, usb));
  const [first] = matches;
  if (first === undefined) return notFound({ usb }, ports);
  if (matches.length === 1) return ok(toResolved(first));
  const paths = matches.map((m) => m.path);
  return fail(
    'INVALID_CONFIG',
    `${describeSelector({ usb })} matches ${matches.length} serial ports (${paths.join(', ')}); ${ambiguityHint(usb, matches)}`,
    { details: { selector: describeSelector({ usb }), matches: paths, ports: matches.map(toResolved) } },
  );
}

function ambiguityHint(usb: UsbSelector, matches: readonly TtyRecord[]): string {
  const oneDevice = matches.every((m) => m.usbDir === matches[0]?.usbDir);
  if (oneDevice && usb.interface === undefined)
    return 'they are interfaces of one USB device: add `interface` to pick one';
  const serials = new Set(matches.map((m) => m.usb.serial));
  if (!oneDevice && usb.serial === undefined && serials.size === matches.length && !serials.has(undefined))
    return 'add `serial` to pick one';
  return 'pick one with `by_id`, or a `path` such as a /dev/serial/by-path/ link';
}

function matchesUsb(port: UsbIdentity, usb: UsbSelector): boolean {
  return (
    (usb.vendor_id === undefined || usb.vendor_id.toLowerCase() === port.vendor_id) &&
    (usb.product_id === undefined || usb.product_id.toLowerCase() === port.product_id) &&
    (usb.serial === undefined || usb.serial === port.serial) &&
    (usb.interface === undefined || usb.interface === port.interface)
  );
}

function notFound(selector: PortSelector, ports: readonly TtyRecord[]): Result<never> {
  const described = describeSelector(selector);
  const candidates = ports.slice(0, MAX_CANDIDATES).map((p) => p.path);
  const seen =
    candidates.length === 0
      ? 'no USB serial port is present'
      : `USB serial ports present: ${candidates.join(', ')}`;
  return fail('DEVICE_OFFLINE', `serial port not found: ${described} (${seen})`, {
    details: { selector: described, candidates },
  });
}

/** The path as given, with its link target and USB identity when they can be found. */
function inspectPath(path: string, roots: ResolveRoots): ResolvedPort {
  const real = realpathOrUndefined(path);
  const target = real !== undefined && isSymlink(path) ? real : undefined;
  const usb = real === undefined ? undefined : usbIdentityOfDevice(real, roots);
  return { path, ...(target === undefined ? {} : { target }), ...(usb === undefined ? {} : { usb }) };
}

function usbIdentityOfDevice(real: string, roots: ResolveRoots): UsbIdentity | undefined {
  const devReal = realpathOrUndefined(roots.dev);
  const sysReal = realpathOrUndefined(roots.sys);
  if (devReal === undefined || sysReal === undefined || dirname(real) !== devReal) return undefined;
  return probeTty(basename(real), roots, sysReal)?.usb;
}

interface TtyRecord {
  path: string;
  /** The USB device directory in sysfs: ttys sharing it are interfaces of one device. */
  usbDir: string;
  usb: UsbIdentity;
}

function scanUsbTtys(roots: ResolveRoots): TtyRecord[] {
  const sysReal = realpathOrUndefined(roots.sys);
  if (sysReal === undefined) return [];
  let names: string[];
  try {
    names = readdirSync(join(roots.sys, 'class', 'tty'));
  } catch {
    return [];
  }
  const records: TtyRecord[] = [];
  for (const name of names.sort(byPath.compare).slice(0, MAX_TTY_ENTRIES)) {
    const record = probeTty(name, roots, sysReal);
    if (record !== undefined) records.push(record);
  }
  return records.sort((a, b) => byPath.compare(a.path, b.path));
}

/** The USB identity of one tty, or undefined for a virtual or non-USB one. */
function probeTty(name: string, roots: ResolveRoots, sysReal: string): TtyRecord | undefined {
  const device = realpathOrUndefined(join(roots.sys, 'class', 'tty', name, 'device'));
  if (device === undefined) return undefined;
  const usbDir = findUsbDevice(device, sysReal);
  if (usbDir === undefined) return undefined;
  const vendor = readAttribute(join(usbDir, 'idVendor'))?.toLowerCase();
  const product = readAttribute(join(usbDir, 'idProduct'))?.toLowerCase();
  if (vendor === undefined || product === undefined || !HEX_ID_RE.test(vendor) || !HEX_ID_RE.test(product))
    return undefined;
  const serial = readAttribute(join(usbDir, 'serial'));
  const iface = interfaceNumber(device, usbDir);
  const usb: UsbIdentity = {
    vendor_id: vendor,
    product_id: product,
    ...(serial === undefined ? {} : { serial }),
    ...(iface === undefined ? {} : { interface: iface }),
  };
  return { path: join(roots.dev, name), usbDir, usb };
}

/** Climbs from the tty's device node to the directory holding idVendor and idProduct. */
function findUsbDevice(device: string, sysReal: string): string | undefined {
  let dir = device;
  for (let level = 0; level <= MAX_PARENT_LEVELS && isInside(dir, sysReal); level++) {
    if (existsSync(join(dir, 'idVendor')) && existsSync(join(dir, 'idProduct'))) return dir;
    dir = dirname(dir);
  }
  return undefined;
}

/** bInterfaceNumber of the interface directory just below the USB device on the device's path. */
function interfaceNumber(device: string, usbDir: string): number | undefined {
  const [first] = relative(usbDir, device).split(sep);
  if (first === undefined || first === '') return undefined;
  const text = readAttribute(join(usbDir, first, 'bInterfaceNumber'));
  return text !== undefined && /^[0-9A-Fa-f]{2}$/.test(text) ? Number.parseInt(text, 16) : undefined;
}

function toResolved(record: TtyRecord): ResolvedPort {
  return { path: record.path, usb: { ...record.usb } };
}

function isInside(dir: string, root: string): boolean {
  const rel = relative(root, dir);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

function realpathOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** A small sysfs attribute, trimmed; undefined when absent, unreadable or empty. */
function readAttribute(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buffer = Buffer.alloc(MAX_ATTRIBUTE_BYTES);
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    const text = buffer.toString('utf8', 0, length).trim();
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeQuietly(fd);
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // nothing to do: the descriptor is gone either way
  }
}
