/**
 * The CXP topic tree of one gateway (docs/protocol.md §13):
 * `<prefix>/<gw>/in[/<principal>]`, `out[/<id>]`, `preview`, `diff`, `safety`, `safety/active`,
 * `capabilities`, `telemetry`, `status`.
 */
export class CxpTopics {
  readonly root: string;

  constructor(prefix: string, gatewayId: string) {
    this.root = `${prefix.replace(/\/+$/, '')}/${gatewayId}`;
  }

  get in(): string {
    return `${this.root}/in`;
  }
  get out(): string {
    return `${this.root}/out`;
  }
  get preview(): string {
    return `${this.root}/preview`;
  }
  get diff(): string {
    return `${this.root}/diff`;
  }
  get safety(): string {
    return `${this.root}/safety`;
  }
  get safetyActive(): string {
    return `${this.root}/safety/active`;
  }
  get capabilities(): string {
    return `${this.root}/capabilities`;
  }
  get telemetry(): string {
    return `${this.root}/telemetry`;
  }
  get status(): string {
    return `${this.root}/status`;
  }

  /**
   * The principal a request topic names: `in/<principal>` (the broker's ACL lets only that principal
   * publish there), or undefined for the shared `in` topic.
   */
  principalOf(topic: string): string | undefined {
    const prefix = `${this.in}/`;
    if (!topic.startsWith(prefix)) return undefined;
    const rest = topic.slice(prefix.length);
    return isTopicLevel(rest) ? rest : undefined;
  }

  /**
   * Where a reply goes: the MQTT 5 response topic when given (and valid), else `out/<id>` for the
   * requester's principal or declared source id when it is a single topic level, else `out`.
   */
  replyTopic(responseTopic: string | undefined, requester: string | undefined): string {
    if (responseTopic !== undefined && responseTopic.length > 0 && !hasWildcardOrNul(responseTopic))
      return responseTopic;
    return requester !== undefined && isTopicLevel(requester) ? `${this.out}/${requester}` : this.out;
  }
}

function isTopicLevel(s: string): boolean {
  return s.length > 0 && s.length <= 128 && !s.includes('/') && !hasWildcardOrNul(s);
}

function hasWildcardOrNul(s: string): boolean {
  return s.includes('#') || s.includes('+') || s.includes('\u0000');
}
