import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import {
  findProgram,
  runIpptool,
  SBIN,
  startDaemon,
  withDeathSignal,
  waitForOutput,
  writeLabFiles,
  type Daemon,
  type IpptoolOptions,
  type IpptoolResult,
} from './ipp-lab-daemons.js';
import { freePort, ROOT, waitForPort } from './peers.js';

export { runIpptool, type IpptoolOptions, type IpptoolResult };

/**
 * A hermetic IPP printer for integration tests: CUPS' ippeveprinter (Debian cups-ipp-utils) on
 * 127.0.0.1 and a free port, with the two things it cannot start without, both private to the lab:
 *   - a dbus-daemon listening on a socket file in the lab's directory (only the lab's processes get
 *     DBUS_SYSTEM_BUS_ADDRESS pointing at it; the machine's bus, if any, is not touched);
 *   - an avahi-daemon unpacked from Debian's .deb (test/peers/ipp/setup.sh), run by
 *     test/peers/ipp/avahi-ns.sh in its own network and mount namespaces: it announces nothing on
 *     any network, needs no "avahi" user on the machine, and any number of labs can run at once.
 * ippeveprinter exits with "Unable to initialize DNS-SD" without the pair.
 *
 * Needs root, or unprivileged user namespaces (unshare --user, on by default in Debian), and an
 * IPv6 loopback address (ippeveprinter also listens on [::1]).
 *
 * Usage (every process a lab starts is stopped by stop(), which is idempotent):
 *
 *   let lab: IppLab | undefined;
 *   afterEach(async () => { await lab?.stop(); lab = undefined; });   // runs when the test failed too
 *   it('...', async () => { lab = await startIppLab({ attributes: KM_PRESS_CONF, engine: FAKE_ENGINE }); ... });
 *
 * or one lab per file with beforeAll/afterAll. Labs still running when the file ends are stopped by
 * this module's afterAll, and killed on process exit; each daemon also gets SIGKILL when the test
 * process dies (setpriv --pdeathsig).
 *
 * What a job sent to the printer: lab.jobRecord(jobId) (with FAKE_ENGINE, for as long as the lab
 * runs), Get-Job-Attributes (ippeveprinter forgets a job 60 s after it ended), or lab.log(), which
 * lists every request's attributes at the default verbosity.
 */

export const IPP_PEER_DIR = join(ROOT, 'test', 'peers', 'ipp');
export const IPP_LAB_CACHE = join(IPP_PEER_DIR, '.cache');
/** Konica Minolta-like production press: fold, bind, punch, staple, booklet; A4/A3/SRA3 media. */
export const KM_PRESS_CONF = join(IPP_PEER_DIR, 'km-press.conf');
/** Office printer that can only staple (finishings 3 and 4). */
export const BASIC_OFFICE_CONF = join(IPP_PEER_DIR, 'basic-office.conf');
/** Scriptable job engine for `engine` (see its header and IppLab.scriptNextJob). */
export const FAKE_ENGINE = join(IPP_PEER_DIR, 'fake-engine.sh');
/** ipptool's bundled test files (ipptool also finds them by bare name). */
export const IPPTOOL_TESTS = '/usr/share/cups/ipptool';

export interface IppLabOptions {
  /** Attribute file for ippeveprinter -a (KM_PRESS_CONF, BASIC_OFFICE_CONF, ...). */
  attributes?: string;
  /** Without `attributes`: ippeveprinter's built-in model, with -M, -m and -f. */
  make?: string;
  model?: string;
  formats?: readonly string[];
  /** Print command (-c), e.g. FAKE_ENGINE. Without one ippeveprinter "prints" by sleeping ~5-15 s. */
  engine?: string;
  /** printer-name (default "cxp-lab"). */
  name?: string;
  /** ippeveprinter -v count: 2 (default) also logs every request's attributes. */
  verbosity?: 0 | 1 | 2;
  /** Extra environment for ippeveprinter and its print command. */
  env?: Record<string, string>;
  /** TLS: ippeveprinter -K <dir> (it creates a self-signed certificate there and serves ipps:// too). */
  tlsKeyDir?: string;
  startTimeoutMs?: number;
}

export interface IppLab {
  readonly port: number;
  /** ipp://127.0.0.1:<port>/ipp/print */
  readonly url: string;
  /** The lab's temporary directory (removed by stop()). */
  readonly dir: string;
  /** ippeveprinter's -d: kept documents (<job-id>-<job-name>.<ext>) and engine output (.prn). */
  readonly spoolDir: string;
  /** Where FAKE_ENGINE reads its control files. */
  readonly controlDir: string;
  /** ippeveprinter's log (stdout and stderr). */
  readonly logFile: string;
  readonly pids: { readonly ippeveprinter: number; readonly avahi: number; readonly dbus: number };
  /** Milliseconds from startIppLab() to a successful Get-Printer-Attributes. */
  readonly startMs: number;
  log(): string;
  /** FAKE_ENGINE: the next job jams (media-jam for `jamMs`, then cleared) and/or aborts with `abort`. */
  scriptNextJob(script: { jamMs?: number; abort?: string }): void;
  /** FAKE_ENGINE: milliseconds per impression for every later job (default 200). */
  setEngineDelay(ms: number): void;
  /** FAKE_ENGINE's record of what job `jobId` received (IPP_FINISHINGS, IPP_MEDIA, ...), once it ran. */
  jobRecord(jobId: number): Record<string, string> | undefined;
  /** ipptool -T 10 [flags] <uri> <tests...>; uri defaults to this lab's url. */
  ipptool(tests: string | readonly string[], options?: IpptoolOptions): Promise<IpptoolResult>;
  /** SIGTERM to ippeveprinter, avahi-daemon and dbus-daemon (SIGKILL after 2 s), then removes `dir`. */
  stop(): Promise<void>;
}

/** Whether this machine can run a lab; `reason` says what is missing (and how to get it). */
export function ippLabAvailability(): { ok: true } | { ok: false; reason: string } {
  const needed: [string, string][] = [
    ['ippeveprinter', 'cups-ipp-utils'],
    ['ipptool', 'cups-ipp-utils'],
    ['dbus-daemon', 'dbus-daemon'],
    ['unshare', 'util-linux'],
  ];
  const missing = needed.filter(([program]) => findProgram(program, SBIN) === undefined);
  if (missing.length === 0) return { ok: true };
  const names = missing.map(([program, pkg]) => `${program} (${pkg})`).join(', ');
  return {
    ok: false,
    reason: `${names} not installed; test/bootstrap.sh installs test/peers/debian-packages.txt`,
  };
}

let prepared: string | undefined;

/** Runs test/peers/ipp/setup.sh once per process (unpacks avahi-daemon, builds the preload). */
export function prepareIppLab(): string {
  if (prepared !== undefined) return prepared;
  const r = spawnSync('bash', [join(IPP_PEER_DIR, 'setup.sh'), IPP_LAB_CACHE], {
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (r.error !== undefined || r.status !== 0) {
    const why = r.error !== undefined ? r.error.message : `exit status ${String(r.status ?? r.signal)}`;
    throw new Error(
      `cannot prepare the IPP lab (test/peers/ipp/setup.sh: ${why}).\n${r.stdout}${r.stderr}`.trim(),
    );
  }
  prepared = IPP_LAB_CACHE;
  return prepared;
}

const running = new Set<IppLab>();
const dirs = new Set<string>();

/** Stops every lab still running (registered after each test file automatically). */
export async function stopAllIppLabs(): Promise<void> {
  await Promise.all([...running].map((lab) => lab.stop()));
}

try {
  afterAll(stopAllIppLabs);
} catch {
  // Imported outside a vitest collection (a script): callers stop their labs themselves.
}
process.once('exit', () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function labBaseDir(): string {
  // avahi-ns.sh mounts a tmpfs over /run in its namespace: the lab's files must not be under it.
  const base = tmpdir();
  return base === '/run' || base.startsWith('/run/') ? '/tmp' : base;
}

function printerArgs(options: IppLabOptions, port: number, spoolDir: string): string[] {
  const args = ['-p', String(port), '-n', 'localhost', '-d', spoolDir, '-k'];
  const verbosity = options.verbosity ?? 2;
  if (verbosity > 0) args.push(`-${'v'.repeat(verbosity)}`);
  if (options.attributes !== undefined) {
    if (options.make !== undefined || options.model !== undefined || options.formats !== undefined)
      throw new Error(
        'startIppLab: attributes cannot be combined with make/model/formats (ippeveprinter -a)',
      );
    args.push('-a', options.attributes);
  } else {
    args.push('-M', options.make ?? 'Example', '-m', options.model ?? 'IPP Lab');
    args.push('-f', (options.formats ?? ['application/pdf', 'image/pwg-raster', 'image/urf']).join(','));
  }
  if (options.engine !== undefined) args.push('-c', options.engine);
  if (options.tlsKeyDir !== undefined) args.push('-K', options.tlsKeyDir);
  args.push(options.name ?? 'cxp-lab');
  return args;
}

/** Starts a lab; resolves once ippeveprinter answers Get-Printer-Attributes. */
export async function startIppLab(options: IppLabOptions = {}): Promise<IppLab> {
  const available = ippLabAvailability();
  if (!available.ok) throw new Error(`IPP lab unavailable: ${available.reason}`);
  const cache = prepareIppLab();
  const began = Date.now();
  const timeoutMs = options.startTimeoutMs ?? 15_000;
  const dir = mkdtempSync(join(labBaseDir(), 'cxp-ipp-lab-'));
  dirs.add(dir);
  const busSocket = join(dir, 'bus.socket');
  const daemons: Daemon[] = [];
  try {
    writeLabFiles(dir, busSocket);
    const baseEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LANG: 'C', HOME: dir, TMPDIR: dir };
    const dbusArgs = ['--nofork', `--config-file=${join(dir, 'bus.conf')}`, '--print-address=1'];
    const dbus = startDaemon(withDeathSignal(findProgram('dbus-daemon', SBIN)!, dbusArgs), baseEnv);
    daemons.push(dbus);
    await waitForOutput(dbus, 'dbus-daemon', (out) => out.includes('unix:path='), timeoutMs);

    const busEnv = { ...baseEnv, DBUS_SYSTEM_BUS_ADDRESS: `unix:path=${busSocket}` };
    const namespaces =
      process.getuid?.() === 0 ? ['--net', '--mount'] : ['--user', '--map-root-user', '--net', '--mount'];
    const avahiNs = [join(IPP_PEER_DIR, 'avahi-ns.sh'), dir, join(cache, 'avahi')];
    const unshare = findProgram('unshare', SBIN)!;
    const avahi = startDaemon([unshare, ...namespaces, '--', ...withDeathSignal('/bin/sh', avahiNs)], busEnv);
    daemons.push(avahi);
    await waitForOutput(
      avahi,
      'avahi-daemon (in its own namespaces)',
      (out) => out.includes('Server startup complete'),
      timeoutMs,
    );

    const printer = await startPrinter(options, dir, cache, busEnv, timeoutMs);
    daemons.push(printer.daemon);
    return makeLab(dir, printer, avahi, dbus, Date.now() - began);
  } catch (e) {
    await Promise.all(daemons.reverse().map((d) => d.stop(500)));
    rmSync(dir, { recursive: true, force: true });
    dirs.delete(dir);
    throw e;
  }
}

async function startPrinter(
  options: IppLabOptions,
  dir: string,
  cache: string,
  busEnv: Record<string, string>,
  timeoutMs: number,
): Promise<{ daemon: Daemon; port: number; logFile: string }> {
  const logFile = join(dir, 'ippeveprinter.log');
  const env: Record<string, string> = { ...busEnv, CXP_IPP_LAB_DIR: dir, ...options.env };
  // Without it, ippeveprinter -a sends document-format-supported and two others twice.
  if (options.attributes !== undefined) env['LD_PRELOAD'] = join(cache, 'attr-file-wins.so');
  const program = findProgram('ippeveprinter', SBIN)!;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const fd = openSync(logFile, 'a');
    const daemon = startDaemon(
      withDeathSignal(program, printerArgs(options, port, join(dir, 'spool'))),
      env,
      fd,
    );
    closeSync(fd);
    const exited = daemon.exited.then(() => 'exited' as const);
    const outcome = await Promise.race([
      waitForPort(port, timeoutMs).then(() => 'listening' as const),
      exited,
    ]).catch((e: unknown) => e as Error);
    const log = () => readFileSync(logFile, 'utf8');
    if (outcome === 'listening') {
      const gpa = await runIpptool(`ipp://127.0.0.1:${port}/ipp/print`, 'get-printer-attributes.test', {
        flags: ['-q'],
      });
      if (gpa.code === 0) return { daemon, port, logFile };
      await daemon.stop(500);
      throw new Error(
        `ippeveprinter on ${port} does not answer Get-Printer-Attributes:\n${gpa.stdout}${gpa.stderr}\n${log()}`,
      );
    }
    await daemon.stop(500);
    if (outcome === 'exited' && /Address already in use/.test(log()) && attempt < 3) continue;
    const hint = /IPv6 listener/.test(log()) ? '\n(ippeveprinter needs an IPv6 loopback address, ::1)' : '';
    const why = outcome === 'exited' ? 'exited' : outcome.message;
    throw new Error(`ippeveprinter ${why}:\n${log().trim()}${hint}`);
  }
}

function makeLab(
  dir: string,
  printer: { daemon: Daemon; port: number; logFile: string },
  avahi: Daemon,
  dbus: Daemon,
  startMs: number,
): IppLab {
  const controlDir = join(dir, 'control');
  // Written whole, then renamed: the engine never reads half a file.
  const control = (name: string, content: string) => {
    const temp = join(controlDir, `.${name}.${process.pid}`);
    writeFileSync(temp, content);
    renameSync(temp, join(controlDir, name));
  };
  let stopping: Promise<void> | undefined;
  const url = `ipp://127.0.0.1:${printer.port}/ipp/print`;
  const lab: IppLab = {
    port: printer.port,
    url,
    dir,
    spoolDir: join(dir, 'spool'),
    controlDir,
    logFile: printer.logFile,
    pids: { ippeveprinter: printer.daemon.pid, avahi: avahi.pid, dbus: dbus.pid },
    startMs,
    log: () => (existsSync(printer.logFile) ? readFileSync(printer.logFile, 'utf8') : ''),
    scriptNextJob(script) {
      if (script.jamMs !== undefined) control('jam-next', String(Math.round(script.jamMs)));
      if (script.abort !== undefined) control('abort-next', script.abort);
    },
    setEngineDelay(ms) {
      control('delay-ms', String(Math.round(ms)));
    },
    jobRecord(jobId) {
      const file = join(dir, 'jobs', `${jobId}.env`);
      if (!existsSync(file)) return undefined;
      const entries = readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line.includes('='))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const);
      return Object.fromEntries(entries);
    },
    ipptool: (tests, opts = {}) => runIpptool(opts.uri ?? url, tests, opts),
    stop() {
      stopping ??= (async () => {
        // Reverse start order: the printer (a D-Bus client) first, the bus last.
        for (const daemon of [printer.daemon, avahi, dbus]) await daemon.stop();
        rmSync(dir, { recursive: true, force: true });
        dirs.delete(dir);
        running.delete(lab);
      })();
      return stopping;
    },
  };
  running.add(lab);
  return lab;
}
