import { parse } from '@foxglove/rosmsg';
import type { MessageDefinition, MessageDefinitionField } from '@foxglove/message-definition';
import { fail, ok, type Result } from '../../../src/cxp/errors.js';
import { builtinMessagesFor } from './builtin/index.js';
import { canonicalRosType, parseRosType } from './naming.js';

/**
 * Message definitions by ROS type name. Pure: it is given .msg texts (built in, or read from disk
 * by msg-files.ts) and hands out, per type, the parsed definition with every type it depends on, in
 * the shape @foxglove/rosmsg2-serialization's MessageReader takes. Immutable once built, so the
 * codec can cache per type.
 */

/** One .msg text and where it came from (a file path, or `builtin`). */
export interface MsgSource {
  /** `pkg/msg/Type` (or `pkg/Type`). */
  type: string;
  text: string;
  origin: string;
}

/** A definition that was skipped, with the file it came from. */
export interface RegistryProblem {
  origin: string;
  type?: string;
  message: string;
}

/** Something worth a log line that changed nothing wrong, such as an override of a built-in. */
export interface RegistryNote {
  origin: string;
  type: string;
  message: string;
}

export interface BuiltRegistry {
  registry: MessageRegistry;
  problems: RegistryProblem[];
  notes: RegistryNote[];
}

export interface RegistryOptions {
  /** Start from the built-in definitions (default true). */
  builtins?: boolean;
  /**
   * The ROS distro of the peers (`ROS_DISTRO`, such as `humble` or `jazzy`). Built-ins follow Jazzy;
   * for Humble and older, the types whose bytes differ (rmw_dds_common/Gid, sensor_msgs/Range)
   * follow the older form.
   */
  distro?: string;
}

/** A type with its dependency set: `definitions[0]` is the type itself, then each dependency once. */
export interface ResolvedType {
  type: string;
  definitions: MessageDefinition[];
}

interface Entry {
  type: string;
  origin: string;
  text: string;
  /** Data fields and constants; complex field types are canonical (`pkg/msg/Type`). */
  fields: MessageDefinitionField[];
}

export const BUILTIN_ORIGIN = 'builtin';

export class MessageRegistry {
  readonly #entries: ReadonlyMap<string, Entry>;
  readonly #resolved = new Map<string, Result<ResolvedType>>();

  private constructor(entries: ReadonlyMap<string, Entry>) {
    this.#entries = entries;
  }

  /**
   * Builds a registry from `sources` in rising priority: a later definition of a type replaces an
   * earlier one (and the built-ins), with a note when the two differ. A source that does not parse
   * is skipped and reported; nothing is thrown.
   */
  static build(sources: readonly MsgSource[], options: RegistryOptions = {}): BuiltRegistry {
    const problems: RegistryProblem[] = [];
    const notes: RegistryNote[] = [];
    const entries = new Map<string, Entry>();
    const all =
      options.builtins === false
        ? sources
        : [
            ...Object.entries(builtinMessagesFor(options.distro)).map(([type, text]) => builtin(type, text)),
            ...sources,
          ];
    for (const source of all) {
      const entry = parseSource(source);
      if (!entry.ok) {
        problems.push({ origin: source.origin, type: source.type, message: entry.error.message });
        continue;
      }
      const previous = entries.get(entry.value.type);
      if (previous && !sameFields(previous.fields, entry.value.fields)) {
        notes.push({
          origin: source.origin,
          type: entry.value.type,
          message: `${entry.value.type} from ${source.origin} overrides the definition from ${previous.origin}`,
        });
      }
      entries.set(entry.value.type, entry.value);
    }
    problems.push(...checkGraph(entries));
    return { registry: new MessageRegistry(entries), problems, notes };
  }

  has(type: string): boolean {
    const canonical = canonicalRosType(type);
    return canonical.ok && this.#entries.has(canonical.value);
  }

  /** Every known type, sorted. */
  types(): string[] {
    return [...this.#entries.keys()].sort();
  }

  /** Where a type's definition came from and its text, for logs and diagnostics. */
  source(type: string): MsgSource | undefined {
    const canonical = canonicalRosType(type);
    const entry = canonical.ok ? this.#entries.get(canonical.value) : undefined;
    return entry && { type: entry.type, text: entry.text, origin: entry.origin };
  }

  /**
   * The type's definition and every definition it depends on (cached). UNKNOWN_MESSAGE_TYPE when
   * the type, or one it depends on, is not known; INVALID_PARAMS when the name is not a type name.
   */
  resolve(type: string): Result<ResolvedType> {
    const cached = this.#resolved.get(type);
    if (cached) return cached;
    const result = this.#resolveUncached(type);
    // Only successes are kept: they are bounded by the known types, while unknown names are not.
    if (result.ok) this.#resolved.set(type, result);
    return result;
  }

  #resolveUncached(type: string): Result<ResolvedType> {
    const canonical = canonicalRosType(type);
    if (!canonical.ok) return canonical;
    const root = canonical.value;
    const order: string[] = [];
    const seen = new Set<string>();
    const stack: { type: string; via: string | undefined }[] = [{ type: root, via: undefined }];
    for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
      if (seen.has(item.type)) continue;
      const entry = this.#entries.get(item.type);
      if (!entry) return unknownType(root, item.type, item.via);
      seen.add(item.type);
      order.push(item.type);
      for (const dep of dependencies(entry.fields)) stack.push({ type: dep, via: item.type });
    }
    const definitions = order.map((name) => ({
      name,
      // Constants do not travel on the wire; leaving them out also keeps a constants-only type
      // from being mistaken for an IDL constant module by the reader.
      definitions: (this.#entries.get(name)?.fields ?? []).filter((f) => f.isConstant !== true),
    }));
    return ok({ type: root, definitions });
  }
}

function unknownType(root: string, missing: string, via: string | undefined): Result<ResolvedType> {
  const message =
    via === undefined
      ? `unknown ROS message type ${root}`
      : `${root} needs ${missing} (from ${via}), which is not known`;
  return fail('UNKNOWN_MESSAGE_TYPE', `${message}; add its .msg file (docs/ros2-messages.md)`, {
    details: { ros_type: root, missing },
  });
}

function builtin(type: string, text: string): MsgSource {
  return { type, text, origin: BUILTIN_ORIGIN };
}

function parseSource(source: MsgSource): Result<Entry> {
  const name = parseRosType(source.type);
  if (!name.ok) return name;
  const type = `${name.value.package}/msg/${name.value.name}`;
  let parsed: MessageDefinition[];
  try {
    parsed = parse(source.text, { ros2: true, skipTypeFixup: true });
  } catch (err) {
    return fail('INVALID_CONFIG', `${type}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const [definition] = parsed;
  if (parsed.length !== 1 || !definition)
    return fail('INVALID_CONFIG', `${type}: a .msg file holds exactly one message definition`);
  const fields: MessageDefinitionField[] = [];
  const names = new Set<string>();
  for (const field of definition.definitions) {
    if (names.has(field.name)) return fail('INVALID_CONFIG', `${type}: field ${field.name} is defined twice`);
    names.add(field.name);
    if (field.type === 'wstring')
      return fail('INVALID_CONFIG', `${type}: field ${field.name} is a wstring, which is not supported`);
    if (field.isComplex !== true) {
      fields.push(field);
      continue;
    }
    const qualified = qualify(field.type, name.value.package);
    if (!qualified.ok)
      return fail('INVALID_CONFIG', `${type}: field ${field.name}: ${qualified.error.message}`);
    fields.push({ ...field, type: qualified.value });
  }
  return ok({ type, origin: source.origin, text: source.text, fields });
}

/** A field type as written (`Pose`, `geometry_msgs/Pose`, `geometry_msgs/msg/Pose`) made canonical. */
function qualify(fieldType: string, ownPackage: string): Result<string> {
  return canonicalRosType(fieldType.includes('/') ? fieldType : `${ownPackage}/${fieldType}`);
}

function dependencies(fields: readonly MessageDefinitionField[]): string[] {
  return fields.filter((f) => f.isComplex === true && f.isConstant !== true).map((f) => f.type);
}

function sameFields(a: readonly MessageDefinitionField[], b: readonly MessageDefinitionField[]): boolean {
  const text = (fields: readonly MessageDefinitionField[]) =>
    JSON.stringify(fields, (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value));
  return text(a) === text(b);
}

/**
 * Reports types that depend on unknown types, and drops types that contain themselves (a type on a
 * cycle has no finite wire form in ROS 2, and a reader would recurse on it forever).
 */
function checkGraph(entries: Map<string, Entry>): RegistryProblem[] {
  const problems: RegistryProblem[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const cyclic = new Set<string>();
  const visit = (type: string, path: string[]): void => {
    const mark = state.get(type);
    if (mark === 'done') return;
    if (mark === 'open') {
      for (const t of path.slice(path.indexOf(type))) cyclic.add(t);
      return;
    }
    state.set(type, 'open');
    for (const dep of dependencies(entries.get(type)?.fields ?? [])) {
      if (entries.has(dep)) visit(dep, [...path, dep]);
    }
    state.set(type, 'done');
  };
  for (const type of entries.keys()) visit(type, [type]);
  for (const type of cyclic) {
    const origin = entries.get(type)?.origin ?? BUILTIN_ORIGIN;
    problems.push({ origin, type, message: `${type} contains itself; skipped` });
    entries.delete(type);
  }
  for (const entry of entries.values()) {
    for (const dep of dependencies(entry.fields)) {
      if (!entries.has(dep))
        problems.push({
          origin: entry.origin,
          type: entry.type,
          message: `${entry.type} depends on ${dep}, which is not known`,
        });
    }
  }
  return problems;
}
