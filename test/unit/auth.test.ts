import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createAuth } from '../../src/core/create-auth.js';
import type { Auth, TokenRequestParams } from '../../src/core/types.js';
import {
  DirectoryUnavailableError,
  InvalidCredentialsError,
  InvalidParameterError,
  InvalidTokenError,
  TokenExpiredError,
} from '../../src/errors.js';
import type { AuthOptions } from '../../src/options/resolve.js';
import { TokenSigner } from '../../src/token/tokens.js';

const SECRET = 'unit-test-secret-unit-test-secret';
const START = 1_700_000_000_000;
const DEAD_URL = 'ldap://127.0.0.1:1';
const SERVICE_ACCOUNT = { username: 'svc', password: 'svc-password' };

function options(url: string, extra: Partial<AuthOptions['ldap']> = {}): AuthOptions {
  return {
    secretKey: SECRET,
    ldap: {
      url,
      topDn: 'ou=people,dc=example,dc=org',
      connectTimeoutMs: 200,
      timeoutMs: 300,
      poolSize: 1,
      ...extra,
    },
    token: { defaultDuration: 600, maxDuration: 3600 },
    now: () => START,
  };
}

/** Awaits `promise` and returns what it rejected with; fails if it resolved. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected a rejection');
}

async function assertParameterError(
  auth: Auth,
  params: TokenRequestParams,
  parameter: string,
  credentials = { username: 'alice', password: 'wonderland' },
): Promise<void> {
  const error = await rejection(auth.requestToken(credentials, params));
  assert.ok(error instanceof InvalidParameterError, `${JSON.stringify(params)}: ${String(error)}`);
  assert.equal(error.parameter, parameter);
}

async function assertCredentialsError(auth: Auth, username: string, password: string) {
  const error = await rejection(auth.requestToken({ username, password }));
  assert.ok(error instanceof InvalidCredentialsError, `${username}: ${String(error)}`);
  assert.equal(error.code, 'ERR_INVALID_CREDENTIALS');
  assert.equal(error.message, 'Invalid username or password');
}

/**
 * The refusals every auth below must make before touching the network. Each error must be the
 * parameter or credential one, not DirectoryUnavailableError.
 */
async function assertRefusedLocally(auth: Auth): Promise<void> {
  await assertCredentialsError(auth, 'alice', '');
  await assertCredentialsError(auth, '', 'wonderland');
  await assertCredentialsError(auth, '', '');
  await assertCredentialsError(auth, 'a'.repeat(257), 'wonderland');

  for (const tokenDuration of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 3601, 1e12]) {
    await assertParameterError(auth, { tokenDuration }, 'token_duration');
  }
  for (const searchCriteria of ['sn', '', 'uid)(uid=*', 'userPassword', 'uid ']) {
    await assertParameterError(auth, { searchCriteria }, 'search_criteria');
  }
  await assertParameterError(auth, { authenticatedSearch: true }, 'authenticated_search');
  // A bad parameter is reported even when the credentials are empty too.
  await assertParameterError(auth, { tokenDuration: 0 }, 'token_duration', {
    username: '',
    password: '',
  });
}

describe('createAuth without a directory', () => {
  it('refuses bad requests before any network access (dead URL)', async () => {
    const auth = createAuth(options(DEAD_URL));
    try {
      await assertRefusedLocally(auth);
    } finally {
      await auth.close();
    }
  });

  describe('against a listener that counts connections and never answers', () => {
    let server: Server;
    let url: string;
    let connections = 0;
    const sockets = new Set<Socket>();

    before(async () => {
      server = createServer((socket) => {
        connections += 1;
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {});
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      assert.ok(address && typeof address === 'object');
      url = `ldap://127.0.0.1:${address.port}`;
    });

    after(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('opens no connection for refused requests or for verify', async () => {
      const auth = createAuth(options(url));
      try {
        await assertRefusedLocally(auth);
        const signer = new TokenSigner(new TextEncoder().encode(SECRET), () => START);
        const { token } = await signer.sign({ username: 'alice', dn: 'uid=alice' }, 60);
        await auth.verify(token);
        assert.equal(connections, 0);
      } finally {
        await auth.close();
      }
    });

    it('turns a directory that accepts but never answers into DirectoryUnavailableError', async () => {
      const auth = createAuth(options(url));
      try {
        const error = await rejection(auth.requestToken({ username: 'alice', password: 'pw' }));
        assert.ok(error instanceof DirectoryUnavailableError, String(error));
        assert.equal(connections, 1);
      } finally {
        await auth.close();
      }
    });
  });

  it('gives DirectoryUnavailableError, never InvalidCredentialsError, for a dead directory', async () => {
    const auth = createAuth(options(DEAD_URL));
    const withAccount = createAuth(options(DEAD_URL, { serviceAccount: SERVICE_ACCOUNT }));
    try {
      const requests: [Auth, TokenRequestParams][] = [
        [auth, {}],
        [auth, { tokenDuration: 3600, searchCriteria: 'MAIL', authenticatedSearch: false }],
        [withAccount, { authenticatedSearch: true }],
        [withAccount, {}],
      ];
      for (const [target, params] of requests) {
        const error = await rejection(
          target.requestToken({ username: 'alice', password: 'wonderland' }, params),
        );
        assert.ok(error instanceof DirectoryUnavailableError, String(error));
        assert.equal(error.code, 'ERR_DIRECTORY_UNAVAILABLE');
        assert.equal(error.retryAfterSeconds, 5);
        assert.ok(!error.message.includes('wonderland'));
      }
    } finally {
      await auth.close();
      await withAccount.close();
    }
  });

  it('verifies tokens without the directory', async () => {
    const auth = createAuth(options(DEAD_URL));
    try {
      const signer = new TokenSigner(new TextEncoder().encode(SECRET), () => START);
      const { token, claims } = await signer.sign(
        { username: 'alice', dn: 'uid=alice,ou=people,dc=example,dc=org' },
        60,
      );
      assert.deepEqual(await auth.verify(token), {
        username: 'alice',
        dn: 'uid=alice,ou=people,dc=example,dc=org',
        attributes: {},
        groups: [],
        claims,
      });
      const foreign = new TokenSigner(new TextEncoder().encode('another-secret'), () => START);
      const refused = await rejection(
        auth.verify((await foreign.sign({ username: 'alice', dn: claims.dn }, 60)).token),
      );
      assert.ok(refused instanceof InvalidTokenError && !(refused instanceof TokenExpiredError));
    } finally {
      await auth.close();
    }
  });

  it("uses the auth's clock for expiry", async () => {
    const clock = { ms: START };
    const auth = createAuth({ ...options(DEAD_URL), now: () => clock.ms });
    try {
      const signer = new TokenSigner(new TextEncoder().encode(SECRET), () => START);
      const { token } = await signer.sign({ username: 'alice', dn: 'uid=alice' }, 60);
      clock.ms = START + 59_000;
      assert.equal((await auth.verify(token)).username, 'alice');
      clock.ms = START + 60_000;
      assert.ok((await rejection(auth.verify(token))) instanceof TokenExpiredError);
    } finally {
      await auth.close();
    }
  });

  it('exposes its resolved, frozen options and closes twice without error', async () => {
    const auth = createAuth(options(DEAD_URL));
    assert.ok(Object.isFrozen(auth));
    assert.ok(Object.isFrozen(auth.options));
    assert.deepEqual(auth.options.token, {
      defaultDuration: 600,
      maxDuration: 3600,
      verifyCacheSize: 10_000,
      algorithm: 'HS256',
      verificationKeys: [],
      clockToleranceSeconds: 0,
      maxSessionSeconds: 43_200,
    });
    await auth.close();
    await auth.close();
  });
});
