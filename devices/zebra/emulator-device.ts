/**
 * The emulated printer without its network port: one command parser for the whole device, the print
 * engine, the settings, and what each command does. No I/O: answers go to the `ReplyTarget` the bytes
 * came from, and timers are injected.
 */
import { ZplStreamParser, type ParsedFormat, type ParserSink, type SgdCommand } from './emulator-parser.js';
import { PrintEngine, type Timers } from './emulator-state.js';
import {
  applyFormatSettings,
  getVariable,
  hostIdentificationReply,
  hostStatusReply,
  hqesReply,
  setVariable,
  type PrinterIdentity,
  type PrinterSettings,
  type StatusSnapshot,
} from './emulator-status.js';

export interface ZebraScript {
  /** Media runs out after N more labels are printed. Counts down; cleared when it fires. */
  paperOutAfterLabels?: number;
  /**
   * ~HS and SGD device.host_status go unanswered while paper out, ribbon out, head open or head over
   * temperature (the conditions the guide lists for newer firmware); ~HQES still answers.
   */
  silentWhenError?: boolean;
  /** ~HS is never answered. */
  neverAnswerHs?: boolean;
  /** The connection is reset after this many more bytes arrive. Counts down; cleared when it fires. */
  dropAfterBytes?: number;
  /** While a connection is open, another is accepted and reset at once (default: it waits unread). */
  refuseSecondConnection?: boolean;
  /** Delay before a new connection is read at all. */
  acceptDelayMs?: number;
  /** The printer closes a raw session idle (nothing received) this long. Default: never. */
  idleTimeoutMs?: number;
  /** Delay before each query answer. */
  replyDelayMs?: number;
}

/** Where a query's answer goes: the session whose bytes held the query. */
export interface ReplyTarget {
  reply(text: string): void;
}

export interface DeviceOptions {
  identity: PrinterIdentity;
  settings: PrinterSettings;
  msPerLabel: number;
  maxBufferedFormats: number;
  timers: Timers;
  /** The current script (it may be replaced at any time, so it is read through this). */
  script(): ZebraScript;
  onPrinted(formatIndex: number, labelNumber: number): void;
  onFormat(text: string): void;
  onCommand(command: string): void;
  /** Room in the receive buffer (a format finished or was cancelled). */
  onRoom(): void;
}

const MAX_RECORDED_FORMATS = 1000;
const MAX_RECORDED_CHARS = 64 << 20;

export class ZebraDevice {
  readonly #options: DeviceOptions;
  readonly #settings: PrinterSettings;
  readonly #parser = new ZplStreamParser();
  readonly #engine: PrintEngine;
  readonly #formats: string[] = [];
  #recordedChars = 0;
  #formatCount = 0;

  constructor(options: DeviceOptions) {
    this.#options = options;
    this.#settings = options.settings;
    this.#engine = new PrintEngine({
      msPerLabel: options.msPerLabel,
      maxBufferedFormats: options.maxBufferedFormats,
      timers: options.timers,
      mediaCountdown: {
        get: () => options.script().paperOutAfterLabels,
        set: (value) => {
          options.script().paperOutAfterLabels = value;
        },
      },
      onPrinted: (formatIndex, labelNumber) => {
        options.onPrinted(formatIndex, labelNumber);
      },
      onRoom: () => {
        options.onRoom();
      },
    });
  }

  get engine(): PrintEngine {
    return this.#engine;
  }

  get formats(): readonly string[] {
    return this.#formats;
  }

  get formatsReceived(): number {
    return this.#formatCount;
  }

  get discardedFormats(): number {
    return this.#parser.discardedFormats;
  }

  /** Parses bytes; returns how many were taken (fewer when the receive buffer filled up). */
  feed(bytes: Uint8Array, from: ReplyTarget): number {
    return this.#parser.feed(bytes, this.#sink(from));
  }

  snapshot(): StatusSnapshot {
    const faults = this.#engine.faults;
    return {
      identity: this.#options.identity,
      settings: this.#settings,
      faults,
      formatsInBuffer: this.#engine.formatsInBuffer,
      labelsRemaining: this.#engine.labelsRemaining,
      bufferFull: this.#engine.full || faults.bufferFull,
      partialFormat: this.#parser.inFormat,
      printed: this.#engine.printed,
    };
  }

  #sink(from: ReplyTarget): ParserSink {
    return {
      canStartFormat: () => !this.#engine.full,
      format: (format) => {
        this.#onFormat(format);
      },
      tilde: (name) => {
        this.#options.onCommand(`~${name}`);
        this.#tildeHandlers[name]?.(from);
      },
      sgd: (command) => {
        this.#onSgd(from, command);
      },
    };
  }

  /** Newer firmware says nothing to ~HS (and device.host_status) in these conditions. */
  #silencedByError(): boolean {
    const f = this.#engine.faults;
    const silencing = f.paperOut || f.ribbonOut || f.headOpen || f.headOverTemp;
    return this.#options.script().silentWhenError === true && silencing;
  }

  #onFormat(format: ParsedFormat): void {
    const index = this.#formatCount++;
    this.#formats.push(format.text);
    this.#recordedChars += format.text.length;
    while (this.#formats.length > MAX_RECORDED_FORMATS || this.#recordedChars > MAX_RECORDED_CHARS) {
      this.#recordedChars -= this.#formats.shift()?.length ?? 0;
    }
    this.#options.onFormat(format.text);
    // A printer switched to line_print or EPL does not take ZPL.
    if (!this.#settings.languages.toLowerCase().includes('zpl')) return;
    applyFormatSettings(this.#settings, format.settings);
    if (format.printable) this.#engine.enqueue(index, format.quantity);
  }

  readonly #tildeHandlers: Readonly<Partial<Record<string, (from: ReplyTarget) => void>>> = {
    HS: (from) => {
      if (this.#options.script().neverAnswerHs === true || this.#silencedByError()) return;
      from.reply(hostStatusReply(this.snapshot()));
    },
    HQES: (from) => {
      from.reply(hqesReply(this.#engine.faults));
    },
    HI: (from) => {
      from.reply(hostIdentificationReply(this.#options.identity));
    },
    JA: () => {
      this.#engine.cancelAll();
    },
    PP: () => {
      this.#engine.setFaults({ paused: true });
    },
    PS: () => {
      this.#engine.setFaults({ paused: false });
    },
    JP: () => {
      this.#engine.pauseAndCancelCurrent();
    },
    WC: () => {
      this.#engine.enqueue(-1, 1);
    },
  };

  #onSgd(from: ReplyTarget, command: SgdCommand): void {
    const value = command.value === undefined ? '' : ` "${command.value}"`;
    this.#options.onCommand(`! U1 ${command.verb} "${command.name}"${value}`);
    if (command.verb === 'setvar') {
      setVariable(command.name, command.value ?? '', this.#settings);
    } else if (command.verb === 'getvar') {
      if (command.name === 'device.host_status' && this.#silencedByError()) return;
      from.reply(`"${getVariable(command.name, this.snapshot()) ?? '?'}"`);
    }
  }
}
