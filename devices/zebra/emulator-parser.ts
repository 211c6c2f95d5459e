/**
 * The byte-stream side of the Zebra emulator: splits what arrives on a raw 9100 session into
 * `^XA…^XZ` formats, tilde commands (run at once, even inside a format) and SGD (`! U1 …`) lines,
 * the way the printer's command parser does. Pure: no I/O, no timers. Every buffer is bounded, so
 * whatever arrives, memory stays small.
 *
 * Field data is not special-cased: inside `^FD…^FS` a prefix character still starts a command, as on
 * the printer (drivers escape it with `^FH`). Prefixes can be changed with `^CC`/`~CC` and `^CT`/`~CT`.
 */
import { FormatBuffer } from './emulator-format.js';

/** A complete format as the printer formats it: the text plus the few settings the emulator models. */
export interface ParsedFormat {
  /** The format as received, from the `^XA` to the `^XZ`, minus the tilde commands run inside it. */
  readonly text: string;
  /** `^PQq`: labels to print (1 when absent or not a positive number). */
  readonly quantity: number;
  /** False for a format with no field or graphic at all (settings only): the printer feeds nothing. */
  readonly printable: boolean;
  /** Parameters of the setting commands the emulator models (`PW`, `LL`, `MM`, `MT`, `MN`), last wins. */
  readonly settings: ReadonlyMap<string, string>;
}

export interface SgdCommand {
  readonly verb: 'getvar' | 'setvar' | 'do';
  readonly name: string;
  readonly value: string | undefined;
}

/** Where the parser delivers what it found. Called synchronously from `feed`. */
export interface ParserSink {
  /** Whether a new format may enter the receive buffer now; false stops `feed` before the `^XA`. */
  canStartFormat(): boolean;
  format(format: ParsedFormat): void;
  /** A tilde command, by its upper-case name (`HS`, `HQES`, `JA`, `CC`…). `JX` is applied before. */
  tilde(name: string): void;
  sgd(command: SgdCommand): void;
}

export interface ParserOptions {
  /** A format growing past this many bytes is discarded (default 1 MiB). */
  maxFormatBytes?: number;
  /** An SGD line longer than this is discarded (default 4 KiB). */
  maxLineBytes?: number;
}

const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const BANG = 0x21;
const QUOTE = 0x22;

/** Tilde commands the printer runs itself; they never become part of the format text. */
const IMMEDIATE = new Set(['HS', 'HI', 'HQ', 'JA', 'JX', 'PS', 'PP', 'JP', 'WC', 'CC', 'CT', 'CD']);
/** Commands that put something on the label: a format without any of them feeds no label. */
const MARKING = new Set(['FD', 'FV', 'FS', 'GB', 'GC', 'GD', 'GE', 'GF', 'GS', 'XG', 'IM']);
/** Commands whose parameters the emulator reads. */
const PARAMETERS = new Set(['PQ', 'PW', 'LL', 'MM', 'MT', 'MN']);

export class ZplStreamParser {
  readonly #maxFormatBytes: number;
  readonly #maxLineBytes: number;
  #caret = 0x5e;
  #tilde = 0x7e;
  /** Prefix plus the letters read so far of a command not yet complete. */
  readonly #command: number[] = [];
  /** The two command letters, upper case, once read. */
  #name = '';
  #inFormat = false;
  readonly #format = new FormatBuffer();
  /** An SGD line being read (outside formats only), or undefined. */
  #line: number[] | undefined;
  #lineQuotes = 0;
  /** Inside `! U … END`: every line is an SGD command. */
  #multiLine = false;
  #discarded = 0;

  constructor(options: ParserOptions = {}) {
    this.#maxFormatBytes = options.maxFormatBytes ?? 1 << 20;
    this.#maxLineBytes = options.maxLineBytes ?? 4096;
  }

  /** The partial format flag: a `^XA` has been received and its `^XZ` not yet. */
  get inFormat(): boolean {
    return this.#inFormat;
  }

  /** Formats dropped for growing past the size limit. */
  get discardedFormats(): number {
    return this.#discarded;
  }

  /**
   * Parses `bytes` and returns how many were consumed: all of them, unless the sink refused a new
   * format, in which case parsing stopped just before it and the caller feeds the rest later.
   */
  feed(bytes: Uint8Array, sink: ParserSink): number {
    for (let i = 0; i < bytes.length; i++) {
      if (this.#command.length === 0 && this.#line === undefined && !this.#multiLine) {
        const next = this.#nextSignificant(bytes, i);
        if (this.#inFormat && next > i) this.#appendRun(bytes.subarray(i, next));
        i = next;
        if (i === bytes.length) break;
      }
      const byte = bytes[i] ?? 0;
      if (this.#command.length > 0) {
        if (!this.#commandByte(byte, sink)) return i;
      } else if (byte === this.#caret || byte === this.#tilde) {
        this.#line = undefined;
        this.#multiLine = false;
        this.#startCommand(byte);
      } else if (this.#inFormat) {
        this.#append(byte);
      } else if (this.#line !== undefined || this.#multiLine || byte === BANG) {
        this.#lineByte(byte, sink);
      }
    }
    return bytes.length;
  }

  /** The next prefix character (or, outside a format, `!`) at or after `from`: runs between are plain data. */
  #nextSignificant(bytes: Uint8Array, from: number): number {
    const caret = this.#caret;
    const tilde = this.#tilde;
    const bang = this.#inFormat ? caret : BANG;
    let i = from;
    for (; i < bytes.length; i++) {
      const b = bytes[i];
      if (b === caret || b === tilde || b === bang) break;
    }
    return i;
  }

  /** `~JX`: drop the partially received format. */
  cancelPartialFormat(): void {
    this.#inFormat = false;
    this.#format.reset();
  }

  #startCommand(prefix: number): void {
    this.#format.closeParameters();
    this.#command.length = 0;
    this.#command.push(prefix);
  }

  /** Returns false when the sink refused a new format (the byte is left unconsumed). */
  #commandByte(byte: number, sink: ParserSink): boolean {
    const command = this.#command;
    const newPrefixCharacter = command.length === 3 && isPrefixChange(this.#name);
    if ((byte === this.#caret || byte === this.#tilde) && !newPrefixCharacter) {
      this.#flushCommand();
      this.#startCommand(byte);
      return true;
    }
    command.push(byte);
    if (command.length < 3) return true;
    if (command.length === 3) this.#name = letters(command);
    if (command.length < 3 + this.#argumentLength(command)) return true;
    return command[0] === this.#caret ? this.#caretCommand(sink) : this.#tildeCommand(sink);
  }

  /** Characters after the two command letters: `CC`/`CT`/`CD` take one, `~HQ` a two-letter query. */
  #argumentLength(command: readonly number[]): number {
    const name = this.#name;
    if (isPrefixChange(name)) return 1;
    return command[0] === this.#tilde && name === 'HQ' ? 2 : 0;
  }

  /** A command abandoned half-way (another prefix came): its bytes are ordinary data. */
  #flushCommand(): void {
    if (this.#inFormat) this.#appendAll(this.#command);
    this.#command.length = 0;
  }

  #caretCommand(sink: ParserSink): boolean {
    const name = this.#name;
    if (name === 'XA' && !this.#inFormat) {
      if (!sink.canStartFormat()) {
        this.#command.pop();
        return false;
      }
      this.#inFormat = true;
      this.#format.reset();
    }
    const bytes = this.#command.slice();
    this.#command.length = 0;
    if (name === 'CC' || name === 'CT') this.#setPrefix(name, bytes[3]);
    if (!this.#inFormat || !this.#appendAll(bytes)) return true;
    if (name === 'XZ') this.#completeFormat(sink);
    else this.#noteCommand(name);
    return true;
  }

  #tildeCommand(sink: ParserSink): boolean {
    const bytes = this.#command.slice();
    this.#command.length = 0;
    const base = this.#name;
    const name = base === 'HQ' ? base + String.fromCharCode(...bytes.slice(3, 5)).toUpperCase() : base;
    if (!IMMEDIATE.has(base)) {
      if (this.#inFormat) this.#appendAll(bytes);
    } else if (base === 'JX') this.cancelPartialFormat();
    else if (base === 'CC' || base === 'CT') this.#setPrefix(base, bytes[3]);
    sink.tilde(name);
    return true;
  }

  #setPrefix(which: 'CC' | 'CT', byte: number | undefined): void {
    if (byte === undefined || byte < 0x21 || byte > 0x7e || byte === this.#caret || byte === this.#tilde)
      return;
    if (which === 'CC') this.#caret = byte;
    else this.#tilde = byte;
  }

  #noteCommand(name: string): void {
    if (MARKING.has(name)) this.#format.printable = true;
    if (PARAMETERS.has(name)) this.#format.open = { name, start: this.#format.bytes.length };
  }

  #completeFormat(sink: ParserSink): void {
    const format = this.#format;
    this.#inFormat = false;
    const parsed: ParsedFormat = {
      text: format.bytes.text(),
      quantity: format.quantity,
      printable: format.printable,
      settings: new Map(format.settings),
    };
    format.reset();
    sink.format(parsed);
  }

  /** Adds a byte to the format; false when that made it too big and it was discarded. */
  #append(byte: number): boolean {
    if (this.#format.bytes.length >= this.#maxFormatBytes) {
      this.#discarded++;
      this.cancelPartialFormat();
      return false;
    }
    this.#format.bytes.push(byte);
    return true;
  }

  #appendAll(bytes: readonly number[]): boolean {
    return bytes.every((b) => this.#append(b));
  }

  /** Adds a run of plain data; a format that would grow too big is discarded with the run. */
  #appendRun(run: Uint8Array): void {
    if (this.#format.bytes.length + run.length > this.#maxFormatBytes) {
      this.#discarded++;
      this.cancelPartialFormat();
      return;
    }
    this.#format.bytes.pushAll(run);
  }

  #lineByte(byte: number, sink: ParserSink): void {
    if (this.#line === undefined) {
      this.#line = [];
      this.#lineQuotes = 0;
    }
    const line = this.#line;
    if (byte === CR || byte === LF) {
      this.#endLine(sink);
      return;
    }
    line.push(byte);
    if (byte === QUOTE) this.#lineQuotes++;
    if (line.length > this.#maxLineBytes) {
      this.#line = undefined;
      this.#multiLine = false;
    } else if (byte === SPACE && quotesComplete(line, this.#lineQuotes)) this.#endLine(sink);
  }

  #endLine(sink: ParserSink): void {
    const line = this.#line;
    this.#line = undefined;
    if (line === undefined || line.length === 0) return;
    const text = String.fromCharCode(...line).trim();
    if (this.#multiLine && !text.startsWith('!')) {
      if (/^end$/i.test(text)) this.#multiLine = false;
      else emitSgd(text, sink);
      return;
    }
    this.#multiLine = false;
    const single = /^!\s*U1\s+(.*)$/s.exec(text);
    if (single) {
      emitSgd(single[1] ?? '', sink);
      return;
    }
    const multi = /^!\s*U(?:\s+(.*))?$/s.exec(text);
    if (multi) {
      this.#multiLine = true;
      if (multi[1] !== undefined) emitSgd(multi[1], sink);
    }
  }
}

function isPrefixChange(name: string): boolean {
  return name === 'CC' || name === 'CT' || name === 'CD';
}

function letters(command: readonly number[]): string {
  return String.fromCharCode(command[1] ?? 0, command[2] ?? 0).toUpperCase();
}

/** An SGD command ends at a space once all its quoted arguments are in (2 quotes, or 4 for setvar/do). */
function quotesComplete(line: readonly number[], quotes: number): boolean {
  if (quotes !== 2 && quotes !== 4) return false;
  const verb = /(getvar|setvar|do)\s/i.exec(String.fromCharCode(...line))?.[1]?.toLowerCase();
  if (verb === undefined) return false;
  return quotes === (verb === 'getvar' ? 2 : 4);
}

function emitSgd(text: string, sink: ParserSink): void {
  const match = /^(getvar|setvar|do)\s+"([^"]*)"(?:\s+"([^"]*)")?/i.exec(text);
  if (!match) return;
  const verb = (match[1] ?? '').toLowerCase() as SgdCommand['verb'];
  sink.sgd({ verb, name: (match[2] ?? '').toLowerCase(), value: match[3] });
}
