// The suite's HTTP calls, each recorded for the checks that span a whole run, and the assertions
// on the answers the wire contract (DESIGN.md section 1) fixes.
import assert from 'node:assert/strict';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { CHALLENGE, SEED_BODY } from './conformance-fixtures.js';

/** A response, read in full. */
export interface Answer {
  method: string;
  url: string;
  /** The Authorization header that was sent, if any. */
  sent: string | undefined;
  status: number;
  headers: Headers;
  body: string;
}

/** Every answer of this process, for the checks that span the suite. */
export const exchanges: Answer[] = [];

/** One HTTP request with fetch; redirects are not followed, the body is read as text. */
export async function call(
  url: string,
  init: { method?: string; authorization?: string } = {},
): Promise<Answer> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = {};
  if (init.authorization !== undefined) headers.authorization = init.authorization;
  const response = await fetch(url, { method, headers, redirect: 'manual' });
  const answer: Answer = {
    method,
    url,
    sent: init.authorization,
    status: response.status,
    headers: response.headers,
    body: await response.text(),
  };
  exchanges.push(answer);
  return answer;
}

/** One line naming an answer, for assertion messages. */
export function describeAnswer(answer: Answer): string {
  return `${answer.method} ${answer.url} -> ${answer.status} ${answer.body.slice(0, 200)}`;
}

/** flask-ldap-auth's 401, byte for byte in its body, with its two headers. */
export function assertUnauthorized(answer: Answer, tokenUrl: string): void {
  const context = describeAnswer(answer);
  assert.equal(answer.status, 401, context);
  assert.equal(answer.body, SEED_BODY, context);
  assert.match(answer.headers.get('content-type') ?? '', /^application\/json/, context);
  assert.equal(answer.headers.get('www-authenticate'), CHALLENGE, context);
  assert.equal(answer.headers.get('location'), tokenUrl, context);
}

/** An error in the seed's shape `{error, message, status}`, exactly. */
export function assertProblem(
  answer: Answer,
  status: number,
  error: string,
  message: string,
): void {
  const context = describeAnswer(answer);
  assert.equal(answer.status, status, context);
  assert.match(answer.headers.get('content-type') ?? '', /^application\/json/, context);
  assert.equal(answer.body, JSON.stringify({ error, message, status }), context);
}

/** The directory could not answer: the 503 problem, with a whole number of seconds to wait. */
export function assertUnavailable(answer: Answer): void {
  assertProblem(
    answer,
    503,
    'service_unavailable',
    'The directory is unavailable; try again later',
  );
  assert.match(answer.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
}

export function assertHello(answer: Answer): void {
  assert.equal(answer.status, 200, describeAnswer(answer));
  assert.equal(answer.body, 'hello, world');
}

/** A successful token answer; returns the JWT (without the seed's trailing colon). */
export function assertTokenIssued(
  answer: Answer,
  expected: { username: string; dn: string; expiresIn?: number },
): string {
  const context = describeAnswer(answer);
  const expiresIn = expected.expiresIn ?? 3600;
  assert.equal(answer.status, 200, context);
  assert.match(answer.headers.get('content-type') ?? '', /^application\/json/, context);
  assert.equal(answer.headers.get('cache-control'), 'no-store', context);
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'token', 'token_type']);
  const accessToken = body.access_token;
  assert.equal(typeof accessToken, 'string');
  assert.match(accessToken as string, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'a compact JWS');
  assert.equal(body.token, `${accessToken}:`, 'token is access_token with the seed colon');
  assert.equal(body.token_type, 'Bearer');
  assert.equal(body.expires_in, expiresIn);

  const header = decodeProtectedHeader(accessToken as string);
  assert.equal(header.alg, 'HS256');
  const claims = decodeJwt(accessToken as string);
  assert.equal(claims.sub, expected.username);
  assert.equal(claims.dn, expected.dn);
  assert.equal(typeof claims.iat, 'number');
  assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), expiresIn, 'exp - iat');
  assert.ok(Math.abs((claims.iat ?? 0) - Date.now() / 1000) <= 5, 'iat is now');
  assert.equal(typeof claims.jti, 'string');
  assert.ok((claims.jti as string).length > 0);
  return accessToken as string;
}
