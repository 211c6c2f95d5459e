import { createHash, timingSafeEqual } from 'node:crypto';
import { CxpError, toCxpError } from '../../../src/cxp/errors.js';
import type { SecretReader as ReadSecret, SecretRef } from '../../../src/runtime/secrets.js';
import type { TopicAcl } from './acl.js';
import { ANONYMOUS, type BrokerConfig, type BrokerUserConfig } from './config.js';

/** The runtime's secret types: one definition (src/runtime/secrets.ts). */
export type { SecretRef, SecretReader as ReadSecret } from '../../../src/runtime/secrets.js';

/** What a client presented in CONNECT and on the TLS handshake. */
export interface AuthAttempt {
  username?: string | undefined;
  password?: Uint8Array | undefined;
  /** Subject CN of a client certificate the TLS layer verified. */
  certificateName?: string | undefined;
}

export type AuthMethod = 'password' | 'certificate' | 'anonymous';

/** CONNACK return codes of MQTT 3.1.1: 4 bad user name or password, 5 not authorized. */
export type AuthOutcome =
  { ok: true; principal: string; method: AuthMethod } | { ok: false; returnCode: 4 | 5; reason: string };

interface UserEntry {
  digest: Buffer;
  acl: TopicAcl;
}

export interface CredentialsOptions {
  /** Users with the password each one's secret reference resolved to. */
  users: readonly { user: BrokerUserConfig; password: string }[];
  allowAnonymous: boolean;
  anonymousAcl: TopicAcl;
}

const digest = (secret: Uint8Array | string): Buffer => createHash('sha256').update(secret).digest();

/** Compared against when the user is unknown, so timing does not tell which usernames exist. */
const NO_USER_DIGEST = digest('\u0000no such user\u0000');

/**
 * The broker's users and access lists. Passwords are kept only as SHA-256 digests and compared in
 * constant time (equal-length digests, `timingSafeEqual`).
 */
export class Credentials {
  readonly #users = new Map<string, UserEntry>();
  readonly #allowAnonymous: boolean;
  readonly #anonymousAcl: TopicAcl;

  constructor(options: CredentialsOptions) {
    for (const { user, password } of options.users) {
      this.#users.set(user.username, {
        digest: digest(password),
        acl: { publish: [...user.publish], subscribe: [...user.subscribe] },
      });
    }
    this.#allowAnonymous = options.allowAnonymous;
    this.#anonymousAcl = options.anonymousAcl;
  }

  /** Resolves every user's secret; a missing or empty secret is INVALID_CONFIG naming the user. */
  static async load(config: BrokerConfig, readSecret: ReadSecret): Promise<Credentials> {
    const users = await Promise.all(
      config.users.map(async (user) => ({ user, password: await readPassword(user, readSecret) })),
    );
    return new Credentials({
      users,
      allowAnonymous: config.allow_anonymous,
      anonymousAcl: config.anonymous_acl,
    });
  }

  /** The access list of a principal, or undefined for an unknown one. */
  aclOf(principal: string): TopicAcl | undefined {
    if (principal === ANONYMOUS) return this.#allowAnonymous ? this.#anonymousAcl : undefined;
    return this.#users.get(principal)?.acl;
  }

  /**
   * A password authenticates its username; without a password a verified certificate CN that names
   * a user authenticates as that user (a username, if given, must be the same); with neither, the
   * client is anonymous when that is allowed.
   */
  authenticate(attempt: AuthAttempt): AuthOutcome {
    const { username, password, certificateName } = attempt;
    if (password !== undefined) {
      if (username === undefined) return { ok: false, returnCode: 4, reason: 'password without username' };
      return this.#verify(username, password)
        ? { ok: true, principal: username, method: 'password' }
        : { ok: false, returnCode: 4, reason: 'bad username or password' };
    }
    if (certificateName !== undefined && this.#users.has(certificateName)) {
      if (username === undefined || username === certificateName) {
        return { ok: true, principal: certificateName, method: 'certificate' };
      }
      return { ok: false, returnCode: 4, reason: 'username differs from the certificate name' };
    }
    if (username !== undefined) return { ok: false, returnCode: 4, reason: 'username without password' };
    if (this.#allowAnonymous) return { ok: true, principal: ANONYMOUS, method: 'anonymous' };
    return { ok: false, returnCode: 5, reason: 'anonymous clients are not allowed' };
  }

  #verify(username: string, password: Uint8Array): boolean {
    const entry = this.#users.get(username);
    const same = timingSafeEqual(digest(password), entry?.digest ?? NO_USER_DIGEST);
    return entry !== undefined && same;
  }
}

async function readPassword(user: BrokerUserConfig, readSecret: ReadSecret): Promise<string> {
  const ref: SecretRef =
    user.password_file === undefined ? { env: user.password_env } : { file: user.password_file };
  let password: string;
  try {
    password = await readSecret(ref);
  } catch (err) {
    throw new CxpError('INVALID_CONFIG', `cannot read the password of broker user ${user.username}`, {
      cause: err,
      details: { problems: [`users (${user.username}): ${toCxpError(err).message}`] },
    });
  }
  if (password.length === 0) {
    throw new CxpError('INVALID_CONFIG', `the password of broker user ${user.username} is empty`, {
      details: { problems: [`users (${user.username}): empty password`] },
    });
  }
  return password;
}
