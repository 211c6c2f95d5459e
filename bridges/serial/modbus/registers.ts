import { fail, ok, type Result } from '../../../src/cxp/errors.js';
import { SchemaChecker } from '../../../src/cxp/validate.js';
import { RTU_LIMITS } from './rtu-request.js';
import {
  MAX_REGISTER_ENTRIES,
  RegisterEntrySchema,
  type RegisterEntry,
  type RegisterType,
  type WordOrder,
} from './registers-schema.js';

/** Register maps: typed, scaled values out of one read of N registers. Pure. */

export {
  MAX_REGISTER_ENTRIES,
  REGISTER_TYPES,
  RegisterEntrySchema,
  WORD_ORDERS,
  type RegisterEntry,
  type RegisterType,
  type WordOrder,
} from './registers-schema.js';

export interface RegisterMapOptions {
  /** Registers read per poll (1..125); every entry must fit inside them. */
  quantity: number;
}

export interface RegisterField {
  readonly name: string;
  readonly offset: number;
  readonly type: RegisterType;
  /** Registers the value spans (1 or 2). */
  readonly words: 1 | 2;
  readonly bit: number;
  readonly wordOrder: WordOrder;
  readonly scale: number;
  readonly offsetValue: number;
  readonly unit: string | undefined;
}

/** Decoded values by entry name. A non-finite f32 (NaN, infinity) is left out. */
export type RegisterValues = Record<string, number | boolean>;

interface Problem {
  path: string;
  message: string;
}

const entryChecker = new SchemaChecker(RegisterEntrySchema);
const scratch = new DataView(new ArrayBuffer(4));

export class RegisterMap {
  readonly quantity: number;
  readonly fields: readonly RegisterField[];

  /** Use compileRegisterMap, which checks the entries first. */
  constructor(quantity: number, fields: readonly RegisterField[]) {
    this.quantity = quantity;
    this.fields = Object.freeze([...fields]);
  }

  /** The values in one read of exactly `quantity` registers (INVALID_PARAMS otherwise). */
  decode(registers: readonly number[]): Result<RegisterValues> {
    if (registers.length !== this.quantity) {
      return fail('INVALID_PARAMS', `the map decodes ${this.quantity} registers, got ${registers.length}`, {
        details: { expected: this.quantity, size: registers.length },
      });
    }
    const bad = registers.findIndex((r) => !Number.isInteger(r) || r < 0 || r > 0xffff);
    if (bad >= 0) {
      return fail('INVALID_PARAMS', `register ${bad} is not an unsigned 16-bit value`, {
        details: { errors: [{ path: `/${bad}`, message: 'must be an integer in 0..65535' }] },
      });
    }
    const entries: [string, number | boolean][] = [];
    for (const field of this.fields) {
      const value = decodeField(field, registers);
      if (typeof value === 'boolean' || Number.isFinite(value)) entries.push([field.name, value]);
    }
    // fromEntries defines own properties, so no name can reach the prototype.
    return ok(Object.fromEntries(entries));
  }
}

function decodeField(field: RegisterField, registers: readonly number[]): number | boolean {
  const first = registers[field.offset] ?? 0;
  if (field.type === 'bool') return ((first >>> field.bit) & 1) === 1;
  const raw = rawNumber(field, registers);
  return raw * field.scale + field.offsetValue;
}

function rawNumber(field: RegisterField, registers: readonly number[]): number {
  const first = registers[field.offset] ?? 0;
  const second = registers[field.offset + 1] ?? 0;
  const [high, low] = field.wordOrder === 'big' ? [first, second] : [second, first];
  switch (field.type) {
    case 'i16':
      return first >= 0x8000 ? first - 0x10000 : first;
    case 'u32':
      return high * 0x10000 + low;
    case 'i32':
      return (high << 16) | low;
    case 'f32':
      scratch.setUint16(0, high);
      scratch.setUint16(2, low);
      return scratch.getFloat32(0);
    default:
      return first;
  }
}

/**
 * Checks entries against the schema and the polled quantity, reporting every problem at once as
 * INVALID_CONFIG (`details.problems`), and builds the map.
 */
export function compileRegisterMap(entries: unknown, options: RegisterMapOptions): Result<RegisterMap> {
  const problems: Problem[] = [];
  const { quantity } = options;
  const quantityOk = Number.isInteger(quantity) && quantity >= 1 && quantity <= RTU_LIMITS.maxReadRegisters;
  if (!quantityOk) problems.push({ path: '/quantity', message: 'must be an integer in 1..125' });
  if (!Array.isArray(entries) || entries.length > MAX_REGISTER_ENTRIES) {
    problems.push({ path: '/', message: `must be an array of at most ${MAX_REGISTER_ENTRIES} entries` });
    return invalid(problems);
  }
  const fields: RegisterField[] = [];
  const names = new Set<string>();
  entries.forEach((entry: unknown, i) => {
    if (!entryChecker.check(entry)) {
      for (const issue of entryChecker.issues(entry)) problems.push(at(i, issue));
      return;
    }
    const field = toField(entry);
    problems.push(...fieldProblems(field, entry, quantityOk ? quantity : Infinity).map((p) => at(i, p)));
    if (names.has(field.name)) problems.push({ path: `/${i}/name`, message: `duplicate name ${field.name}` });
    names.add(field.name);
    fields.push(field);
  });
  return problems.length === 0 ? ok(new RegisterMap(quantity, fields)) : invalid(problems);
}

function at(i: number, p: Problem): Problem {
  return { path: p.path === '/' ? `/${i}` : `/${i}${p.path}`, message: p.message };
}

function toField(entry: RegisterEntry): RegisterField {
  const words = entry.type === 'u32' || entry.type === 'i32' || entry.type === 'f32' ? 2 : 1;
  return {
    name: entry.name,
    offset: entry.offset,
    type: entry.type,
    words,
    bit: entry.bit ?? 0,
    wordOrder: entry.word_order ?? 'big',
    scale: entry.scale ?? 1,
    offsetValue: entry.offset_value ?? 0,
    unit: entry.unit,
  };
}

function fieldProblems(field: RegisterField, entry: RegisterEntry, quantity: number): Problem[] {
  const problems: Problem[] = [];
  if (field.offset + field.words > quantity) {
    const last = field.offset + field.words - 1;
    problems.push({ path: '/offset', message: `register ${last} is past the ${quantity} registers polled` });
  }
  if (entry.bit !== undefined && field.type !== 'bool')
    problems.push({ path: '/bit', message: 'bit applies to bool entries only' });
  if (entry.word_order !== undefined && field.words !== 2)
    problems.push({ path: '/word_order', message: 'word_order applies to 32-bit types only' });
  if (field.type === 'bool' && (entry.scale !== undefined || entry.offset_value !== undefined))
    problems.push({ path: '/scale', message: 'scale and offset_value apply to numbers only' });
  if (!Number.isFinite(field.scale)) problems.push({ path: '/scale', message: 'must be a finite number' });
  if (!Number.isFinite(field.offsetValue))
    problems.push({ path: '/offset_value', message: 'must be a finite number' });
  return problems;
}

function invalid(problems: Problem[]): Result<RegisterMap> {
  const first = problems[0];
  const text = first === undefined ? '' : ` (${first.path}: ${first.message})`;
  return fail('INVALID_CONFIG', `invalid register map${text}`, {
    details: { problems: problems.slice(0, 64) },
  });
}
