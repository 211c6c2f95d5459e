/** The ROS 2 message layer: names, definitions, CDR codec and JSON mapping (docs/ros2-messages.md). */
export {
  canonicalRosType,
  ddsTopicToRos,
  ddsTypeToRos,
  expandTopicName,
  MAX_TOPIC_LENGTH,
  parseRosType,
  rosTopicToDds,
  rosTypeToDds,
  topicNameProblem,
  validateTopicName,
  type ExpandOptions,
  type RosTypeName,
  type TopicNameProblem,
  type TopicNameRules,
} from './naming.js';
export {
  BUILTIN_ORIGIN,
  MessageRegistry,
  type BuiltRegistry,
  type MsgSource,
  type RegistryNote,
  type RegistryOptions,
  type RegistryProblem,
  type ResolvedType,
} from './registry.js';
export {
  loadMessageRegistry,
  readMsgSources,
  type MsgDirectory,
  type MsgFileOptions,
  type MsgSources,
} from './msg-files.js';
export {
  DEFAULT_MAX_CDR_BYTES,
  DEFAULT_MAX_ELEMENTS,
  RosCodec,
  type EncodeOptions,
  type RosCodecOptions,
} from './codec.js';
export {
  decodeJson,
  encodeJson,
  fromJson,
  timeFromMs,
  timeToMs,
  timeToRfc3339,
  toJson,
  type JsonObject,
  type JsonValue,
  type ToJsonOptions,
} from './json.js';
export type { Schema } from './schema.js';
export type { FieldIssue, RosMessage, RosTime, RosValue } from './types.js';
