/**
 * The baseline receiver of bench/serial, run with plain node (no tsx, no gateway):
 *
 *   node bench/serial/baseline-reader.js <tty path> [baud]
 *
 * Opens the tty with serialport's stream and stock Linux binding (the gateway uses the same stream
 * with its hangup-aware binding: bridges/serial/binding.ts), splits the bytes into lines
 * with a plain indexOf loop and parses nothing. Prints `ready` once the port is open; answers every
 * line on stdin with `<frames> <bytes> <cpu user+system µs>`. Exits when stdin ends.
 */
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { createInterface } from 'node:readline';
import { LinuxBinding } from '@serialport/bindings-cpp';
import { SerialPortStream } from '@serialport/stream';

const NL = 0x0a;
const path = process.argv[2];
const baudRate = Number(process.argv[3] ?? 115200);
if (path === undefined) {
  process.stderr.write('usage: node baseline-reader.js <tty path> [baud]\n');
  process.exit(2);
}

let frames = 0;
let bytes = 0;
/** Bytes of the frames seen, so the split lines are used for something. */
let lineBytes = 0;
/** The start of a line whose end has not arrived yet. */
let carry = Buffer.alloc(0);

const port = new SerialPortStream({ binding: LinuxBinding, path, baudRate, autoOpen: false });
port.on('data', (chunk) => {
  bytes += chunk.length;
  const buf = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
  let at = 0;
  for (let nl = buf.indexOf(NL, at); nl >= 0; nl = buf.indexOf(NL, at)) {
    const line = buf.subarray(at, nl);
    lineBytes += line.length;
    frames += 1;
    at = nl + 1;
  }
  carry = at < buf.length ? Buffer.from(buf.subarray(at)) : Buffer.alloc(0);
});
port.on('error', (err) => {
  process.stderr.write(`baseline reader: ${err.message}\n`);
});
port.open((err) => {
  if (err) {
    process.stderr.write(`baseline reader: cannot open ${path}: ${err.message}\n`);
    process.exitCode = 1;
    process.stdin.destroy();
    return;
  }
  process.stdout.write('ready\n');
});

const input = createInterface({ input: process.stdin });
input.on('line', () => {
  const cpu = process.cpuUsage();
  process.stdout.write(`${frames} ${bytes} ${cpu.user + cpu.system} ${lineBytes}\n`);
});
input.on('close', () => {
  if (port.isOpen) port.close();
});
