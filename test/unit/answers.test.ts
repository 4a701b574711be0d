import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IssuedToken } from '../../src/core/types.js';
import * as errors from '../../src/errors.js';
import {
  ConfigurationError,
  DirectoryUnavailableError,
  ForbiddenError,
  InvalidParameterError,
  LdapTokenAuthError,
  RateLimitedError,
  SessionExpiredError,
  StoreUnavailableError,
} from '../../src/errors.js';
import {
  errorAnswer,
  methodNotAllowedAnswer,
  notFoundAnswer,
  tokenAnswer,
  unauthorizedAnswer,
} from '../../src/http/answers.js';

const TOKEN_URL = 'https://auth.example.org/auth/request-token';
const SEED_BODY =
  '{"error":"unauthorized","message":"Please authenticate with a valid token","status":401}';

function assertUnauthorized(answer: ReturnType<typeof unauthorizedAnswer>, location: string): void {
  assert.deepEqual(answer, {
    status: 401,
    headers: {
      'Content-Type': 'application/json',
      'WWW-Authenticate': 'Basic realm="Authentication Required"',
      Location: location,
    },
    body: SEED_BODY,
  });
}

/** Every concrete error class src/errors.ts exports that derives from LdapTokenAuthError. */
const ERROR_CLASSES = Object.entries(errors as Record<string, unknown>)
  .filter(
    ([, value]) => typeof value === 'function' && value.prototype instanceof LdapTokenAuthError,
  )
  .map(([name, value]) => [name, value as new (message: string) => LdapTokenAuthError] as const);

describe('unauthorizedAnswer', () => {
  it("is flask-ldap-auth's 401, byte for byte, with the challenge and Location", () => {
    assertUnauthorized(unauthorizedAnswer(TOKEN_URL), TOKEN_URL);
    assertUnauthorized(unauthorizedAnswer('/auth/request-token'), '/auth/request-token');
  });
});

describe('errorAnswer', () => {
  it('answers InvalidParameterError with 400 bad_request and its message', () => {
    const error = new InvalidParameterError('token_duration', 'token_duration must be positive');
    assert.deepEqual(errorAnswer(error, TOKEN_URL), {
      status: 400,
      headers: { 'Content-Type': 'application/json' },
      body: '{"error":"bad_request","message":"token_duration must be positive","status":400}',
    });
  });

  it('answers DirectoryUnavailableError with 503 and Retry-After, hiding the cause', () => {
    const error = new DirectoryUnavailableError('connect ECONNREFUSED 10.0.0.7:389', {
      cause: new Error('secret detail'),
      retryAfterSeconds: 17,
    });
    const answer = errorAnswer(error, TOKEN_URL);
    assert.deepEqual(answer, {
      status: 503,
      headers: { 'Content-Type': 'application/json', 'Retry-After': '17' },
      body: JSON.stringify({
        error: 'service_unavailable',
        message: 'The directory is unavailable; try again later',
        status: 503,
      }),
    });
    assert.ok(!answer.body.includes('10.0.0.7'));
    assert.equal(
      errorAnswer(new DirectoryUnavailableError('down'), TOKEN_URL).headers['Retry-After'],
      '5',
    );
  });

  it('finds the error classes to check (guards the table test below)', () => {
    assert.deepEqual(ERROR_CLASSES.map(([name]) => name).sort(), [
      'DirectoryUnavailableError',
      'ForbiddenError',
      'InvalidCredentialsError',
      'InvalidParameterError',
      'InvalidTokenError',
      'MissingCredentialsError',
      'RateLimitedError',
      'SessionExpiredError',
      'StoreUnavailableError',
      'TokenExpiredError',
    ]);
  });

  it('answers SessionExpiredError with the seed 401 and a message that says to sign in again', () => {
    const answer = errorAnswer(new SessionExpiredError('detail'), TOKEN_URL);
    assert.equal(answer.status, 401);
    assert.equal(answer.headers['WWW-Authenticate'], 'Basic realm="Authentication Required"');
    assert.equal(answer.headers.Location, TOKEN_URL);
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body), ['error', 'message', 'status']);
    assert.equal(body.error, 'unauthorized');
    assert.match(String(body.message), /maximum age.*sign in again with your password/);
    assert.ok(!answer.body.includes('detail'));
  });

  it('answers RateLimitedError with 429 and its Retry-After, in the seed shape', () => {
    const answer = errorAnswer(new RateLimitedError('Too many failed logins', 899.2), TOKEN_URL);
    assert.deepEqual(answer, {
      status: 429,
      headers: { 'Content-Type': 'application/json', 'Retry-After': '900' },
      body: JSON.stringify({
        error: 'too_many_requests',
        message: 'Too many failed attempts; try again later',
        status: 429,
      }),
    });
  });

  it('answers StoreUnavailableError with 503 and Retry-After', () => {
    const answer = errorAnswer(new StoreUnavailableError('redis down'), TOKEN_URL);
    assert.equal(answer.status, 503);
    assert.equal(answer.headers['Retry-After'], '5');
    assert.equal(
      answer.body,
      JSON.stringify({
        error: 'service_unavailable',
        message: 'The shared store is unavailable; try again later',
        status: 503,
      }),
    );
  });

  it('answers ForbiddenError with 403 forbidden and its message, in the seed shape', () => {
    const answer = errorAnswer(
      new ForbiddenError('You are not allowed to obtain a token'),
      TOKEN_URL,
    );
    assert.deepEqual(answer, {
      status: 403,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        error: 'forbidden',
        message: 'You are not allowed to obtain a token',
        status: 403,
      }),
    });
  });

  it('answers every other LdapTokenAuthError with the seed 401', () => {
    for (const [name, ErrorClass] of ERROR_CLASSES) {
      const special = [
        'InvalidParameterError',
        'DirectoryUnavailableError',
        'ForbiddenError',
        'RateLimitedError',
        'SessionExpiredError',
        'StoreUnavailableError',
      ];
      if (special.includes(name)) continue;
      const answer = errorAnswer(new ErrorClass(`detail of ${name}`), TOKEN_URL);
      assertUnauthorized(answer, TOKEN_URL);
      assert.ok(!answer.body.includes('detail'), name);
    }
  });

  it('answers anything else with 503 and Retry-After, never repeating its message', () => {
    const thrown: unknown[] = [
      new Error('ECONNRESET password=hunter2'),
      new TypeError('Cannot read properties of undefined (hunter2)'),
      new ConfigurationError('hunter2 is wrong', 'SECRET_KEY'),
      'hunter2 thrown as a string',
      undefined,
      null,
      42,
      { message: 'hunter2' },
    ];
    for (const error of thrown) {
      const answer = errorAnswer(error, TOKEN_URL);
      assert.deepEqual(
        answer,
        {
          status: 503,
          headers: { 'Content-Type': 'application/json', 'Retry-After': '5' },
          body: JSON.stringify({
            error: 'service_unavailable',
            message: 'The service could not complete the request',
            status: 503,
          }),
        },
        String(error),
      );
      assert.ok(!answer.body.includes('hunter2'));
    }
  });

  it('keeps the body status equal to the HTTP status and the body valid JSON', () => {
    const samples: unknown[] = [
      new InvalidParameterError('x', 'x "quoted" \n message'),
      new DirectoryUnavailableError('d'),
      new errors.InvalidTokenError('t'),
      new Error('e'),
    ];
    for (const error of samples) {
      const answer = errorAnswer(error, TOKEN_URL);
      const body = JSON.parse(answer.body) as { status: number; error: string; message: string };
      assert.equal(body.status, answer.status);
      assert.deepEqual(Object.keys(body), ['error', 'message', 'status']);
    }
    assert.equal(
      JSON.parse(errorAnswer(samples[0], TOKEN_URL).body).message,
      'x "quoted" \n message',
    );
  });
});

describe('tokenAnswer', () => {
  const issued: IssuedToken = {
    token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln',
    expiresIn: 600,
    user: {
      username: 'alice',
      dn: 'uid=alice,ou=people,dc=example,dc=org',
      attributes: {},
      groups: [],
      claims: {
        sub: 'alice',
        dn: 'uid=alice,ou=people,dc=example,dc=org',
        iat: 1,
        exp: 601,
        jti: 'j',
      },
    },
  };

  it("carries the seed's `token:` and the OAuth 2.0 fields, uncacheable", () => {
    const answer = tokenAnswer(issued);
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.headers, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
      Pragma: 'no-cache',
    });
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    assert.deepEqual(body, {
      token: `${issued.token}:`,
      access_token: issued.token,
      token_type: 'Bearer',
      expires_in: 600,
    });
    assert.equal(body.token, `${body.access_token}:`);
    assert.ok(String(body.token).endsWith(':'));
  });

  it('does not put the user or claims in the body', () => {
    const body = tokenAnswer(issued).body;
    assert.ok(!body.includes('uid=alice'));
    assert.ok(!body.includes('"jti"'));
  });
});

describe('other answers', () => {
  it('405 names the allowed method', () => {
    assert.deepEqual(methodNotAllowedAnswer('POST'), {
      status: 405,
      headers: { 'Content-Type': 'application/json', Allow: 'POST' },
      body: '{"error":"method_not_allowed","message":"Use POST for this endpoint","status":405}',
    });
  });

  it('404 has the same shape', () => {
    assert.deepEqual(notFoundAnswer(), {
      status: 404,
      headers: { 'Content-Type': 'application/json' },
      body: '{"error":"not_found","message":"There is nothing here","status":404}',
    });
  });
});

describe('errorAnswer: password-policy reasons', () => {
  const expired = new errors.InvalidCredentialsError('Invalid username or password', {
    reason: 'password_expired',
    passwordVerified: true,
  });
  const locked = new errors.InvalidCredentialsError('Invalid username or password', {
    reason: 'account_locked',
    passwordVerified: false,
  });
  const plain = new errors.InvalidCredentialsError('Invalid username or password');

  it('adds reason and its message to the 401, keeping the seed fields and headers', () => {
    const answer = errorAnswer(expired, TOKEN_URL, 'verified');
    assert.equal(answer.status, 401);
    assert.equal(answer.headers['WWW-Authenticate'], 'Basic realm="Authentication Required"');
    assert.equal(answer.headers.Location, TOKEN_URL);
    assert.deepEqual(JSON.parse(answer.body), {
      error: 'unauthorized',
      message: 'The password has expired; change it, then log in again',
      status: 401,
      reason: 'password_expired',
    });
  });

  it('shows a reason per revealReason: never, only with a verified password, or always', () => {
    const shown = (error: unknown, reveal: 'never' | 'verified' | 'always') =>
      JSON.parse(errorAnswer(error, TOKEN_URL, reveal).body).reason;
    assert.equal(shown(expired, 'never'), undefined);
    assert.equal(shown(expired, 'verified'), 'password_expired');
    assert.equal(shown(expired, 'always'), 'password_expired');
    assert.equal(shown(locked, 'never'), undefined);
    assert.equal(shown(locked, 'verified'), undefined);
    assert.equal(shown(locked, 'always'), 'account_locked');
    assert.equal(shown(plain, 'always'), undefined);
    // Without the configuration, the seed's answer.
    assertUnauthorized(errorAnswer(expired, TOKEN_URL), TOKEN_URL);
    assertUnauthorized(errorAnswer(locked, TOKEN_URL, 'verified'), TOKEN_URL);
  });

  it('has a message for every reason, never the seed one', () => {
    const reasons = [
      'account_locked',
      'account_disabled',
      'account_expired',
      'password_expired',
      'password_must_change',
      'logon_hours',
      'workstation_not_allowed',
    ] as const satisfies errors.AccountStateReason[];
    const messages = new Set<string>();
    for (const reason of reasons) {
      const error = new errors.InvalidCredentialsError('x', { reason, passwordVerified: true });
      const body = JSON.parse(errorAnswer(error, TOKEN_URL, 'verified').body);
      assert.deepEqual(Object.keys(body), ['error', 'message', 'status', 'reason']);
      assert.equal(body.reason, reason);
      messages.add(body.message);
    }
    assert.equal(messages.size, reasons.length);
  });
});
