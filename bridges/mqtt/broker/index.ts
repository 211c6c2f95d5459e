export { EmbeddedBroker, type BrokerAddresses, type EmbeddedBrokerOptions } from './broker.js';
export {
  ANONYMOUS,
  BrokerAclConfig,
  BrokerConfig,
  BrokerTlsConfig,
  BrokerUserConfig,
  BrokerWebSocketConfig,
  checkBrokerConfig,
  checkBrokerSecurity,
  configError,
  isLoopbackHost,
  parseBrokerConfig,
} from './config.js';
export {
  canPublish,
  canSubscribe,
  filterCovers,
  isValidTopicFilter,
  isValidTopicName,
  topicMatches,
  type TopicAcl,
} from './acl.js';
export {
  Credentials,
  type AuthAttempt,
  type AuthMethod,
  type AuthOutcome,
  type CredentialsOptions,
  type ReadSecret,
  type SecretRef,
} from './credentials.js';
export { MqttFrameGuard, type FrameVerdict } from './frame-guard.js';
