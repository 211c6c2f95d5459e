import { describe, expect, it } from 'vitest';
import { parseBrokerConfig } from './config.js';
import { Credentials, type AuthAttempt, type SecretRef } from './credentials.js';

const bytes = (s: string): Buffer => Buffer.from(s);

function credentials(allowAnonymous: boolean): Credentials {
  return new Credentials({
    users: [
      {
        user: { username: 'alice', password_env: 'A', publish: ['a/#'], subscribe: ['#'] },
        password: 'alice-pw',
      },
      { user: { username: 'bob', password_env: 'B', publish: [], subscribe: [] }, password: 'bob-pw' },
    ],
    allowAnonymous,
    anonymousAcl: { publish: ['public/#'], subscribe: ['public/#'] },
  });
}

describe('Credentials.authenticate', () => {
  it.each<[string, AuthAttempt, boolean, [string, string] | number]>([
    ['the right password', { username: 'alice', password: bytes('alice-pw') }, false, ['alice', 'password']],
    ['another user', { username: 'bob', password: bytes('bob-pw') }, false, ['bob', 'password']],
    ['a wrong password', { username: 'alice', password: bytes('bob-pw') }, true, 4],
    ['a longer password', { username: 'alice', password: bytes('alice-pw!') }, true, 4],
    ['an empty password', { username: 'alice', password: bytes('') }, true, 4],
    ['an unknown user', { username: 'eve', password: bytes('alice-pw') }, true, 4],
    ['a password without username', { password: bytes('alice-pw') }, true, 4],
    ['a username without password', { username: 'alice' }, true, 4],
    ['a certificate naming a user', { certificateName: 'alice' }, false, ['alice', 'certificate']],
    [
      'a certificate with the same username',
      { username: 'bob', certificateName: 'bob' },
      false,
      ['bob', 'certificate'],
    ],
    ['a certificate with another username', { username: 'bob', certificateName: 'alice' }, true, 4],
    [
      'a certificate and a wrong password',
      { username: 'alice', password: bytes('x'), certificateName: 'alice' },
      true,
      4,
    ],
    ['a certificate naming no user', { certificateName: 'carol' }, true, ['anonymous', 'anonymous']],
    ['nothing', {}, true, ['anonymous', 'anonymous']],
    ['nothing, anonymous off', {}, false, 5],
    ['an unknown certificate, anonymous off', { certificateName: 'carol' }, false, 5],
  ])('%s', (_name, attempt, anonymous, expected) => {
    const outcome = credentials(anonymous).authenticate(attempt);
    if (typeof expected === 'number') {
      expect(outcome).toMatchObject({ ok: false, returnCode: expected });
      expect(outcome.ok ? '' : outcome.reason).not.toBe('');
    } else {
      expect(outcome).toEqual({ ok: true, principal: expected[0], method: expected[1] });
    }
  });
});

describe('Credentials.aclOf', () => {
  it('gives each user its own list and anonymous only when allowed', () => {
    expect(credentials(true).aclOf('alice')).toEqual({ publish: ['a/#'], subscribe: ['#'] });
    expect(credentials(true).aclOf('anonymous')).toEqual({ publish: ['public/#'], subscribe: ['public/#'] });
    expect(credentials(false).aclOf('anonymous')).toBeUndefined();
    expect(credentials(true).aclOf('eve')).toBeUndefined();
  });
});

describe('Credentials.load', () => {
  const config = parseBrokerConfig({
    users: [
      { username: 'alice', password_file: '/run/secrets/alice' },
      { username: 'bob', password_env: 'BOB_PW' },
    ],
  });

  it('resolves each user through its own secret reference', async () => {
    const asked: SecretRef[] = [];
    const loaded = await Credentials.load(config, (ref) => {
      asked.push(ref);
      return Promise.resolve(ref.file === undefined ? 'bob-pw' : 'alice-pw');
    });
    expect(asked).toEqual([{ file: '/run/secrets/alice' }, { env: 'BOB_PW' }]);
    expect(loaded.authenticate({ username: 'alice', password: bytes('alice-pw') }).ok).toBe(true);
    expect(loaded.authenticate({ username: 'bob', password: bytes('bob-pw') }).ok).toBe(true);
  });

  it('fails with INVALID_CONFIG naming the user, not the secret', async () => {
    const failing = Credentials.load(config, (ref) =>
      ref.env === 'BOB_PW' ? Promise.reject(new Error('BOB_PW is not set')) : Promise.resolve('pw'),
    );
    await expect(failing).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      details: { problems: ['users (bob): BOB_PW is not set'] },
    });
  });

  it('refuses an empty secret', async () => {
    await expect(Credentials.load(config, () => Promise.resolve(''))).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
    });
  });
});
