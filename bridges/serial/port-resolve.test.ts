import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../src/cxp/errors.js';
import {
  MAX_CANDIDATES,
  PortSelectorConfig,
  SYSTEM_ROOTS,
  checkPortSelector,
  describeSelector,
  listUsbSerialPorts,
  resolvePort,
  type PortSelector,
  type ResolveRoots,
  type ResolvedPort,
} from './port-resolve.js';

/** Port selectors against fake /dev and /sys trees laid out like real Linux sysfs. */

const USB_BUS = 'devices/pci0000:00/0000:00:14.0/usb1/1-1';
const FT232_ID = 'usb-FTDI_FT232R_USB_UART_A10K1ZQF-if00-port0';

interface FakeTty {
  tty: string;
  /** The USB device's directory name under 1-1, e.g. "1-1.2". */
  port: string;
  vid: string;
  pid: string;
  serial?: string;
  iface?: number;
}

let base = '';
let roots: ResolveRoots = SYSTEM_ROOTS;

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

function link(path: string, target: string): void {
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(target, path);
}

/** A tree with /dev and /sys under a new directory. */
function makeRoots(name: string): ResolveRoots {
  const root = join(base, name);
  mkdirSync(join(root, 'dev'), { recursive: true });
  mkdirSync(join(root, 'sys', 'class', 'tty'), { recursive: true });
  return { dev: join(root, 'dev'), sys: join(root, 'sys') };
}

/** ttyUSB: device -> <intf>/ttyUSBn; ttyACM: device -> <intf> itself; idVendor sits in the USB device. */
function addUsbTty(r: ResolveRoots, t: FakeTty): void {
  const usbDir = join(r.sys, USB_BUS, t.port);
  write(join(usbDir, 'idVendor'), `${t.vid}\n`);
  write(join(usbDir, 'idProduct'), `${t.pid}\n`);
  if (t.serial !== undefined) write(join(usbDir, 'serial'), `${t.serial}\n`);
  const intf = `${t.port}:1.${t.iface ?? 0}`;
  const intfDir = join(usbDir, intf);
  write(join(intfDir, 'bInterfaceNumber'), `${(t.iface ?? 0).toString(16).padStart(2, '0')}\n`);
  const acm = t.tty.startsWith('ttyACM');
  const classDir = acm ? join(intfDir, 'tty', t.tty) : join(intfDir, t.tty, 'tty', t.tty);
  mkdirSync(classDir, { recursive: true });
  link(join(classDir, 'device'), `../../../${acm ? intf : t.tty}`);
  link(join(r.sys, 'class', 'tty', t.tty), relative(join(r.sys, 'class', 'tty'), classDir));
  write(join(r.dev, t.tty), '');
}

/** A tty with no `device` link (virtual) and one whose parent is not USB (8250 UART). */
function addOtherTtys(r: ResolveRoots): void {
  mkdirSync(join(r.sys, 'devices/virtual/tty/tty0'), { recursive: true });
  link(join(r.sys, 'class/tty/tty0'), '../../devices/virtual/tty/tty0');
  mkdirSync(join(r.sys, 'devices/platform/serial8250/tty/ttyS0'), { recursive: true });
  link(join(r.sys, 'devices/platform/serial8250/tty/ttyS0/device'), '../../../serial8250');
  link(join(r.sys, 'class/tty/ttyS0'), '../../devices/platform/serial8250/tty/ttyS0');
}

beforeAll(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'port-resolve-')));
  roots = makeRoots('main');
  addOtherTtys(roots);
  addUsbTty(roots, { tty: 'ttyUSB0', port: '1-1.2', vid: '0403', pid: '6001', serial: 'A10K1ZQF' });
  addUsbTty(roots, { tty: 'ttyUSB1', port: '1-1.4', vid: '0403', pid: '6001', serial: 'B20X9QRT' });
  addUsbTty(roots, { tty: 'ttyACM0', port: '1-1.3', vid: '2e8a', pid: '000a', serial: 'E6614103E7' });
  addUsbTty(roots, { tty: 'ttyUSB2', port: '1-1.5', vid: '0403', pid: '6010', serial: 'FT2232X', iface: 0 });
  addUsbTty(roots, { tty: 'ttyUSB3', port: '1-1.5', vid: '0403', pid: '6010', serial: 'FT2232X', iface: 1 });
  addUsbTty(roots, { tty: 'ttyUSB4', port: '1-1.6', vid: '1a86', pid: '7523' });
  addUsbTty(roots, { tty: 'ttyUSB5', port: '1-1.7', vid: '1a86', pid: '7523' });
  link(join(roots.dev, 'serial/by-id', FT232_ID), '../../ttyUSB0');
  link(join(roots.dev, 'serial/by-id/usb-gone-if00-port0'), '../../ttyUSB9');
});
afterAll(() => {
  if (base !== '') rmSync(base, { recursive: true, force: true });
});

const dev = (name: string) => join(roots.dev, name);

function value(result: Result<ResolvedPort>): ResolvedPort {
  if (!result.ok) throw new Error(`expected a port, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

function error(result: Result<ResolvedPort>) {
  if (result.ok) throw new Error(`expected an error, got ${result.value.path}`);
  return result.error;
}

describe('path', () => {
  it('is returned as is, even when it does not exist', () => {
    expect(value(resolvePort({ path: '/nonexistent/ttyX9' }, roots))).toEqual({ path: '/nonexistent/ttyX9' });
  });

  it('reports the target of a symlink and the USB identity behind it', () => {
    const pty = join(base, 'main/socat-link');
    link(pty, dev('ttyUSB1'));
    expect(value(resolvePort({ path: pty }, roots))).toEqual({
      path: pty,
      target: dev('ttyUSB1'),
      usb: { vendor_id: '0403', product_id: '6001', serial: 'B20X9QRT', interface: 0 },
    });
  });

  it('leaves out the target of a dangling symlink', () => {
    const dangling = join(base, 'main/dangling');
    link(dangling, join(base, 'main/nothing-here'));
    expect(value(resolvePort({ path: dangling }, roots))).toEqual({ path: dangling });
  });
});

describe('by_id', () => {
  it('opens the link itself and reports its target', () => {
    const port = value(resolvePort({ by_id: FT232_ID }, roots));
    expect(port).toEqual({
      path: join(roots.dev, 'serial/by-id', FT232_ID),
      target: dev('ttyUSB0'),
      usb: { vendor_id: '0403', product_id: '6001', serial: 'A10K1ZQF', interface: 0 },
    });
  });

  it('accepts the full /dev/serial/by-id/ path form', () => {
    const port = value(resolvePort({ by_id: `/dev/serial/by-id/${FT232_ID}` }, roots));
    expect(port.path).toBe(join(roots.dev, 'serial/by-id', FT232_ID));
    expect(port.target).toBe(dev('ttyUSB0'));
  });

  it('is DEVICE_OFFLINE when the link is missing or dangling', () => {
    for (const name of ['usb-absent-if00-port0', 'usb-gone-if00-port0']) {
      const err = error(resolvePort({ by_id: name }, roots));
      expect(err.code).toBe('DEVICE_OFFLINE');
      expect(err.retryable).toBe(true);
      expect(err.message).toContain(`by-id ${name}`);
    }
  });

  it('rejects names that leave the by-id directory', () => {
    for (const name of ['../ttyUSB0', 'a/b', '/dev/serial/by-id/../../ttyUSB0', '..', '', '/dev/ttyUSB0']) {
      expect(error(resolvePort({ by_id: name }, roots)).code, name).toBe('INVALID_CONFIG');
    }
  });
});

describe('usb', () => {
  it('matches vendor and product', () => {
    expect(value(resolvePort({ usb: { vendor_id: '2e8a', product_id: '000a' } }, roots))).toEqual({
      path: dev('ttyACM0'),
      usb: { vendor_id: '2e8a', product_id: '000a', serial: 'E6614103E7', interface: 0 },
    });
  });

  it('compares hex ids case-insensitively', () => {
    expect(value(resolvePort({ usb: { vendor_id: '2E8A', product_id: '000A' } }, roots)).path).toBe(
      dev('ttyACM0'),
    );
  });

  it('matches by serial alone', () => {
    expect(value(resolvePort({ usb: { serial: 'A10K1ZQF' } }, roots)).path).toBe(dev('ttyUSB0'));
  });

  it('tells two adapters with the same vid:pid apart by serial', () => {
    const ids = { vendor_id: '0403', product_id: '6001' };
    expect(value(resolvePort({ usb: { ...ids, serial: 'A10K1ZQF' } }, roots)).path).toBe(dev('ttyUSB0'));
    expect(value(resolvePort({ usb: { ...ids, serial: 'B20X9QRT' } }, roots)).path).toBe(dev('ttyUSB1'));
  });

  it('refuses to pick one of several adapters (INVALID_CONFIG with the matches)', () => {
    const err = error(resolvePort({ usb: { vendor_id: '0403', product_id: '6001' } }, roots));
    expect(err.code).toBe('INVALID_CONFIG');
    expect(err.details['matches']).toEqual([dev('ttyUSB0'), dev('ttyUSB1')]);
    expect(err.message).toContain('`serial`');
    const clones = error(resolvePort({ usb: { vendor_id: '1a86' } }, roots));
    expect(clones.details['matches']).toEqual([dev('ttyUSB4'), dev('ttyUSB5')]);
    expect(clones.message).toContain('by-path');
  });

  it('needs `interface` for a multi-interface device and picks it when given', () => {
    const err = error(resolvePort({ usb: { serial: 'FT2232X' } }, roots));
    expect(err.code).toBe('INVALID_CONFIG');
    expect(err.details['matches']).toEqual([dev('ttyUSB2'), dev('ttyUSB3')]);
    expect(err.message).toContain('`interface`');
    expect(value(resolvePort({ usb: { serial: 'FT2232X', interface: 1 } }, roots))).toEqual({
      path: dev('ttyUSB3'),
      usb: { vendor_id: '0403', product_id: '6010', serial: 'FT2232X', interface: 1 },
    });
    expect(
      value(resolvePort({ usb: { vendor_id: '0403', interface: 0, serial: 'FT2232X' } }, roots)).path,
    ).toBe(dev('ttyUSB2'));
  });

  it('lists the USB serial ports seen as candidates when nothing matches', () => {
    const err = error(resolvePort({ usb: { vendor_id: 'ffff' } }, roots));
    expect(err.code).toBe('DEVICE_OFFLINE');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('usb ffff:*');
    const expected = ['ttyACM0', 'ttyUSB0', 'ttyUSB1', 'ttyUSB2', 'ttyUSB3', 'ttyUSB4', 'ttyUSB5'].map(dev);
    expect(err.details['candidates']).toEqual(expected);
  });

  it('caps the candidates and sorts them numerically', () => {
    const many = makeRoots('many');
    for (let i = 0; i < 20; i++) {
      const serial = `S${i}`;
      addUsbTty(many, { tty: `ttyUSB${i}`, port: `1-1.${i + 1}`, vid: '10c4', pid: 'ea60', serial });
    }
    const err = error(resolvePort({ usb: { serial: 'nope' } }, many));
    const candidates = err.details['candidates'] as string[];
    expect(candidates).toHaveLength(MAX_CANDIDATES);
    expect(candidates.slice(0, 3)).toEqual(['ttyUSB0', 'ttyUSB1', 'ttyUSB2'].map((n) => join(many.dev, n)));
    expect(listUsbSerialPorts(many)).toHaveLength(20);
  });

  it('rejects a selector without vendor, product or serial, or with malformed ids', () => {
    for (const usb of [{}, { interface: 0 }, { vendor_id: '403' }, { product_id: 'xyzw' }, { serial: '' }]) {
      expect(error(resolvePort({ usb }, roots)).code, JSON.stringify(usb)).toBe('INVALID_CONFIG');
    }
    expect(checkPortSelector({ usb: { vendor_id: '0403', interface: 256 } })).toEqual([
      { path: '/usb/interface', message: 'interface is an integer in 0..255' },
    ]);
  });
});

describe('without a sys tree', () => {
  const gone = (): ResolveRoots => ({ dev: join(base, 'gone/dev'), sys: join(base, 'gone/sys') });

  it('is DEVICE_OFFLINE with no candidates', () => {
    for (const selector of [{ usb: { vendor_id: '0403' } }, { by_id: FT232_ID }] as PortSelector[]) {
      const err = error(resolvePort(selector, gone()));
      expect(err.code).toBe('DEVICE_OFFLINE');
      expect(err.details['candidates']).toEqual([]);
    }
    expect(listUsbSerialPorts(gone())).toEqual([]);
    mkdirSync(join(base, 'empty/sys'), { recursive: true });
    expect(listUsbSerialPorts({ dev: join(base, 'empty/dev'), sys: join(base, 'empty/sys') })).toEqual([]);
  });
});

describe('listUsbSerialPorts', () => {
  it('lists ttys with a USB parent, skipping virtual and on-board ones', () => {
    const ports = listUsbSerialPorts(roots);
    expect(ports.map((p) => p.path)).toEqual(
      ['ttyACM0', 'ttyUSB0', 'ttyUSB1', 'ttyUSB2', 'ttyUSB3', 'ttyUSB4', 'ttyUSB5'].map(dev),
    );
    expect(ports[5]).toEqual({
      path: dev('ttyUSB4'),
      usb: { vendor_id: '1a86', product_id: '7523', interface: 0 },
    });
  });
});

describe('describeSelector', () => {
  it('names each kind of selector for logs', () => {
    expect(describeSelector({ path: '/dev/ttyUSB0' })).toBe('/dev/ttyUSB0');
    expect(describeSelector({ by_id: FT232_ID })).toBe(`by-id ${FT232_ID}`);
    expect(describeSelector({ usb: { vendor_id: '0403', product_id: '6001', serial: 'A10K1ZQF' } })).toBe(
      'usb 0403:6001 serial A10K1ZQF',
    );
    expect(describeSelector({ usb: { product_id: '6010', interface: 1 } })).toBe('usb *:6010 interface 1');
  });
});

describe('PortSelectorConfig', () => {
  it('accepts exactly one of path, by_id, usb', () => {
    const good: PortSelectorConfig[] = [
      { path: '/dev/ttyUSB0' },
      { by_id: FT232_ID },
      { usb: { vendor_id: '0403', product_id: '6001', serial: 'A10K1ZQF', interface: 0 } },
      { usb: { serial: 'x' } },
    ];
    for (const config of good) {
      expect(Value.Check(PortSelectorConfig, config), JSON.stringify(config)).toBe(true);
      const selector: PortSelector = config;
      expect(checkPortSelector(selector)).toEqual([]);
    }
    const bad: unknown[] = [
      {},
      { path: '' },
      { path: '/dev/ttyUSB0', by_id: FT232_ID },
      { by_id: 'has space' },
      { usb: {} },
      { usb: { vendor_id: '04031' } },
      { usb: { vendor_id: '0403', extra: 1 } },
      { usb: { serial: 'x'.repeat(129) } },
      { usb: { vendor_id: '0403', interface: 1.5 } },
    ];
    for (const config of bad)
      expect(Value.Check(PortSelectorConfig, config), JSON.stringify(config)).toBe(false);
  });
});

describe('on the real system roots', () => {
  it('does not throw and returns a Result', () => {
    for (const selector of [
      { usb: { vendor_id: '0403', product_id: '6001' } },
      { by_id: FT232_ID },
      { path: '/dev/null' },
    ] as PortSelector[]) {
      const result = resolvePort(selector);
      expect(typeof result.ok).toBe('boolean');
      if (!result.ok) expect(['DEVICE_OFFLINE', 'INVALID_CONFIG']).toContain(result.error.code);
    }
    expect(Array.isArray(listUsbSerialPorts())).toBe(true);
  });
});
