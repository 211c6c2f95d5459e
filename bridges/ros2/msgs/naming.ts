import { fail, ok, type Result } from '../../../src/cxp/errors.js';

/**
 * ROS 2 names and their DDS wire forms, as rmw_cyclonedds and rmw_fastrtps map them:
 * type `pkg/msg/Type` is DDS type `pkg::msg::dds_::Type_`, topic `/a/b` is DDS topic `rt/a/b`.
 * Services (`rq/`, `rr/`) and actions are not mapped: the gateway only bridges topics.
 * Pure functions; every refusal is an INVALID_PARAMS error with `details.errors` as `{path, message}`.
 */

/** A message type split into its parts; the interface kind is always `msg` here. */
export interface RosTypeName {
  package: string;
  name: string;
}

/** rmw's limit for a fully qualified topic name: 255 bytes of DDS topic name less 8 kept for prefixes. */
export const MAX_TOPIC_LENGTH = 247;

// REP 144 package names: lower case, digits and single underscores, starting with a letter.
const PACKAGE = /^[a-z](?:[a-z0-9]|_(?!_))*$/;
// rosidl message names: PascalCase letters and digits.
const TYPE_NAME = /^[A-Z][A-Za-z0-9]*$/;
const DDS_TYPE = /^([^:]+)::msg::dds_::([^:]+)_$/;
const NODE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NOT_TOPIC_CHAR = /[^A-Za-z0-9_/~{}]/;
const SUBSTITUTION = /\{([^{}]*)\}/g;

function invalid<T>(name: string, message: string, extra: Record<string, unknown> = {}): Result<T> {
  return fail('INVALID_PARAMS', `"${name.slice(0, 300)}": ${message}`, {
    details: { name: name.slice(0, 300), errors: [{ path: '', message }], ...extra },
  });
}

/** Splits `pkg/msg/Type` or `pkg/Type` (the ROS 1 style many tools still write). */
export function parseRosType(type: string): Result<RosTypeName> {
  const parts = type.split('/');
  const [pkg, middle, last] = parts;
  let name: string | undefined;
  if (parts.length === 3 && middle === 'msg') name = last;
  else if (parts.length === 2) name = middle;
  if (pkg === undefined || name === undefined)
    return invalid(type, 'a message type is written pkg/msg/Type (or pkg/Type)');
  if (!PACKAGE.test(pkg) || pkg.endsWith('_'))
    return invalid(type, `"${pkg}" is not a package name (lower case, digits, single underscores)`);
  if (!TYPE_NAME.test(name)) return invalid(type, `"${name}" is not a message name (PascalCase)`);
  return ok({ package: pkg, name });
}

/** The canonical spelling `pkg/msg/Type` that the registry and the codec use as keys. */
export function canonicalRosType(type: string): Result<string> {
  const parsed = parseRosType(type);
  return parsed.ok ? ok(`${parsed.value.package}/msg/${parsed.value.name}`) : parsed;
}

/** `std_msgs/msg/String` (or `std_msgs/String`) -> `std_msgs::msg::dds_::String_`. */
export function rosTypeToDds(type: string): Result<string> {
  const parsed = parseRosType(type);
  if (!parsed.ok) return parsed;
  return ok(`${parsed.value.package}::msg::dds_::${parsed.value.name}_`);
}

/** `std_msgs::msg::dds_::String_` -> `std_msgs/msg/String`. Service and action types are refused. */
export function ddsTypeToRos(ddsType: string): Result<string> {
  const m = DDS_TYPE.exec(ddsType);
  if (!m) return invalid(ddsType, 'not a ROS 2 message type on DDS (pkg::msg::dds_::Type_)');
  return canonicalRosType(`${m[1] ?? ''}/msg/${m[2] ?? ''}`);
}

export interface TopicNameProblem {
  message: string;
  /** Index in the name of the offending character. */
  index: number;
}

export interface TopicNameRules {
  /** Only an absolute name without `~` or `{}` substitutions passes (what goes on the wire). */
  fullyQualified?: boolean;
  /**
   * The design article forbids `__`, but rmw does not check it, so names seen on the wire may have
   * it. Set when validating a discovered name, so the gateway can still bridge such a topic.
   */
  allowRepeatedUnderscores?: boolean;
}

/**
 * The first way `name` breaks the ROS 2 topic name rules (design.ros2.org "Topic and Service
 * Names"), or undefined. Without `fullyQualified`, relative names, `~` and `{sub}` are allowed.
 */
export function topicNameProblem(name: string, rules: TopicNameRules = {}): TopicNameProblem | undefined {
  if (name.length === 0) return { message: 'a topic name must not be empty', index: 0 };
  const bad = name.search(NOT_TOPIC_CHAR);
  if (bad >= 0)
    return { message: 'only letters, digits, _, /, ~ and {} may appear in a topic name', index: bad };
  if (rules.fullyQualified === true) {
    if (!name.startsWith('/')) return { message: 'a fully qualified topic name starts with /', index: 0 };
    const special = name.search(/[~{}]/);
    if (special >= 0)
      return { message: 'a fully qualified topic name has no ~ or {} substitution', index: special };
    if (name.length > MAX_TOPIC_LENGTH)
      return { message: `a topic name is at most ${MAX_TOPIC_LENGTH} characters`, index: MAX_TOPIC_LENGTH };
  }
  return structureProblem(name, rules);
}

function structureProblem(name: string, rules: TopicNameRules): TopicNameProblem | undefined {
  if (name.endsWith('/')) return { message: 'a topic name must not end with /', index: name.length - 1 };
  const slashes = name.indexOf('//');
  if (slashes >= 0) return { message: 'a topic name must not contain //', index: slashes };
  const underscores = name.indexOf('__');
  if (underscores >= 0 && rules.allowRepeatedUnderscores !== true)
    return { message: 'a topic name must not contain __', index: underscores };
  const tilde = name.indexOf('~', 1);
  if (tilde >= 0) return { message: '~ may only start a topic name', index: tilde };
  if (name.startsWith('~') && name.length > 1 && name[1] !== '/')
    return { message: '~ must be followed by / (~/name)', index: 1 };
  return bracesProblem(name) ?? tokenProblem(name);
}

function bracesProblem(name: string): TopicNameProblem | undefined {
  let open = -1;
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    if (c === '{') {
      if (open >= 0) return { message: 'substitutions {} must not nest', index: i };
      open = i;
    } else if (c === '}') {
      if (open < 0) return { message: 'unbalanced }', index: i };
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name.slice(open + 1, i)))
        return { message: 'a substitution {name} holds a name', index: open };
      open = -1;
    }
  }
  return open >= 0 ? { message: 'unbalanced {', index: open } : undefined;
}

function tokenProblem(name: string): TopicNameProblem | undefined {
  let index = 0;
  for (const token of name.split('/')) {
    if (/^[0-9]/.test(token)) return { message: 'a name token must not start with a digit', index };
    index += token.length + 1;
  }
  return undefined;
}

/** A fully qualified topic name (`/robot/odom`), or INVALID_PARAMS saying which rule it breaks. */
export function validateTopicName(
  name: string,
  rules: Omit<TopicNameRules, 'fullyQualified'> = {},
): Result<string> {
  const problem = topicNameProblem(name, { ...rules, fullyQualified: true });
  return problem ? invalid(name, problem.message, { index: problem.index }) : ok(name);
}

export interface ExpandOptions {
  /** Absolute namespace such as `/robot1`; default `/`. */
  namespace?: string;
  /** Node name, needed for `~` and `{node}`. */
  node?: string;
}

/**
 * Expands a topic name as rcl does: `~` is the node's private namespace, `{node}`, `{ns}` and
 * `{namespace}` are substituted, and a relative name is put under the namespace
 * (`odom` in `/robot1` is `/robot1/odom`). The result is validated as fully qualified.
 */
export function expandTopicName(name: string, options: ExpandOptions = {}): Result<string> {
  const problem = topicNameProblem(name);
  if (problem) return invalid(name, problem.message, { index: problem.index });
  const namespace = options.namespace ?? '/';
  if (namespace !== '/') {
    const nsProblem = topicNameProblem(namespace, { fullyQualified: true });
    if (nsProblem) return invalid(namespace, `namespace: ${nsProblem.message}`, { index: nsProblem.index });
  }
  const base = namespace === '/' ? '' : namespace;
  const node = options.node;
  if (node !== undefined && !NODE_NAME.test(node))
    return invalid(node, 'a node name holds letters, digits and _, and does not start with a digit');
  let expanded = name;
  if (expanded.startsWith('~')) {
    if (node === undefined) return invalid(name, '~ needs a node name to expand');
    expanded = `${base}/${node}${expanded.slice(1)}`;
  }
  let unknown: string | undefined;
  expanded = expanded.replace(SUBSTITUTION, (whole, key: string) => {
    if (key === 'ns' || key === 'namespace') return base;
    if (key === 'node' && node !== undefined) return node;
    unknown ??= whole;
    return whole;
  });
  if (unknown !== undefined) return invalid(name, `cannot substitute ${unknown}`);
  if (!expanded.startsWith('/')) expanded = `${base}/${expanded}`;
  return validateTopicName(expanded);
}

/** `/chatter` -> `rt/chatter`. The name must be fully qualified (expand it first). */
export function rosTopicToDds(topic: string): Result<string> {
  const valid = validateTopicName(topic);
  return valid.ok ? ok(`rt${topic}`) : valid;
}

/**
 * `rt/chatter` -> `/chatter`. Other DDS topics (`rq/`, `rr/` services, `ros_discovery_info`, plain
 * DDS applications) are refused with `details.reason: "not_a_ros_topic"`.
 */
export function ddsTopicToRos(ddsTopic: string): Result<string> {
  if (!ddsTopic.startsWith('rt/'))
    return invalid(ddsTopic, 'not a ROS 2 topic on DDS (rt/...)', { reason: 'not_a_ros_topic' });
  return validateTopicName(ddsTopic.slice(2), { allowRepeatedUnderscores: true });
}
