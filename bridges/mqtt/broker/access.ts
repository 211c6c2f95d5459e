import type { AedesOptions, AuthenticateError, Client, PublishPacket, Subscription } from 'aedes';
import type { Logger } from 'pino';
import { canPublish, canSubscribe } from './acl.js';
import type { AuthOutcome, Credentials } from './credentials.js';

/** The aedes hooks: who a client is (authenticate) and what it may do (authorize*). */

type AuthenticateHandler = NonNullable<AedesOptions['authenticate']>;
type AuthorizePublishHandler = NonNullable<AedesOptions['authorizePublish']>;
type AuthorizeSubscribeHandler = NonNullable<AedesOptions['authorizeSubscribe']>;

export interface BrokerAccessOptions {
  credentials: Credentials;
  maxPayloadBytes: number;
  /**
   * Whether one more client may connect under max_clients; a client id already connected always
   * may, since the new connection takes that session over.
   */
  hasRoomFor: (clientId: string) => boolean;
  /** The verified certificate CN of a connection, if its TLS handshake presented one. */
  certificateNameOf: (conn: object) => string | undefined;
  log: Logger;
}

/** CONNACK 3: server unavailable. */
const SERVER_UNAVAILABLE = 3;

function authError(returnCode: 3 | 4 | 5, message: string): AuthenticateError {
  // aedes types the code as an ambient const enum, which isolatedModules cannot reference; 3..5 are
  // its SERVER_UNAVAILABLE, BAD_USERNAME_OR_PASSWORD and NOT_AUTHORIZED members.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
  return Object.assign(new Error(message), { returnCode });
}

function payloadBytes(packet: PublishPacket): number {
  const payload: string | Buffer = packet.payload;
  return typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
}

export class BrokerAccess {
  readonly #options: BrokerAccessOptions;
  readonly #principals = new WeakMap<Client, string>();

  constructor(options: BrokerAccessOptions) {
    this.#options = options;
  }

  /** The authenticated principal of a client object (username or 'anonymous'). */
  principalOf(client: Client): string | undefined {
    return this.#principals.get(client);
  }

  readonly authenticate: AuthenticateHandler = (client, username, password, done) => {
    const o = this.#options;
    const certificateName = o.certificateNameOf(client.conn);
    if (!o.hasRoomFor(client.id)) {
      o.log.warn({ clientId: client.id }, 'client refused: max_clients reached');
      done(authError(SERVER_UNAVAILABLE, 'too many clients'), false);
      return;
    }
    const outcome: AuthOutcome = o.credentials.authenticate({ username, password, certificateName });
    if (!outcome.ok) {
      o.log.warn(
        { clientId: client.id, username, certificateName, reason: outcome.reason },
        'authentication failed',
      );
      done(authError(outcome.returnCode, outcome.reason), false);
      return;
    }
    this.#principals.set(client, outcome.principal);
    o.log.debug(
      { clientId: client.id, principal: outcome.principal, method: outcome.method },
      'authenticated',
    );
    done(null, true);
  };

  readonly authorizePublish: AuthorizePublishHandler = (client, packet, done) => {
    const reason = this.#publishDenial(client, packet);
    if (reason === undefined) {
      done(null);
      return;
    }
    const principal = client === null ? undefined : this.#principals.get(client);
    this.#options.log.warn(
      { clientId: client?.id, principal, topic: packet.topic, reason },
      'publish denied',
    );
    done(new Error(`publish denied: ${reason}`));
  };

  readonly authorizeSubscribe: AuthorizeSubscribeHandler = (client, subscription, done) => {
    const principal = this.#principals.get(client);
    const acl = principal === undefined ? undefined : this.#options.credentials.aclOf(principal);
    if (acl !== undefined && canSubscribe(acl, subscription.topic)) {
      done(null, subscription);
      return;
    }
    this.#options.log.warn(
      { clientId: client.id, principal, filter: subscription.topic },
      'subscribe denied',
    );
    // A null subscription is a negative grant: SUBACK carries 0x80 for it and the client stays.
    done(null, null as Subscription | null);
  };

  #publishDenial(client: Client | null, packet: PublishPacket): string | undefined {
    // A will left behind by a client aedes no longer knows: nobody to authorize it for.
    if (client === null) return 'no client to authorize';
    if (packet.topic.startsWith('$SYS/')) return '$SYS topics are reserved for the broker';
    const size = payloadBytes(packet);
    if (size > this.#options.maxPayloadBytes) {
      return `payload of ${size} bytes exceeds max_payload_bytes (${this.#options.maxPayloadBytes})`;
    }
    const principal = this.#principals.get(client);
    const acl = principal === undefined ? undefined : this.#options.credentials.aclOf(principal);
    if (acl === undefined || !canPublish(acl, packet.topic)) return 'not allowed by the access list';
    return undefined;
  }
}
