// What the browser-session suites share: a slapd with the memberof and ppolicy overlays (group
// membership kept on the entry, lockouts after failed binds), the standalone service with the
// sign-in page on an injected clock, and a counter of the directory searches it makes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createAuth } from '../../src/core/create-auth.js';
import type { AuthOptions } from '../../src/options/resolve.js';
import { type RunningService, serve } from '../../src/server/serve.js';
import { Browser } from './browser.js';
import { TOP_DN } from './conformance-fixtures.js';
import { recordingLogger } from './load.js';
import { addLdif, MEMBEROF_OVERLAY, personLdif, type SlapdServer, startSlapd } from './slapd.js';

export const SESSION_COOKIE = 'ldap_token_auth';
export const STAFF_DN = 'cn=staff,ou=groups,dc=example,dc=org';
export const READERS_DN = 'cn=readers,ou=groups,dc=example,dc=org';
const POLICIES = 'ou=policies,dc=example,dc=org';
export const userDn = (uid: string) => `uid=${uid},${TOP_DN}`;

/** A slapd whose people `uids` are all in `staff` (memberOf kept by the overlay). */
export async function startSessionDirectory(uids: readonly string[]): Promise<SlapdServer> {
  const slapd = await startSlapd({
    extraLdif: [
      [
        'dn: ou=policies,dc=example,dc=org',
        'objectClass: organizationalUnit',
        'ou: policies',
        '',
      ].join('\n'),
      [
        `dn: cn=default,${POLICIES}`,
        'objectClass: device',
        'objectClass: pwdPolicy',
        'cn: default',
        'pwdAttribute: userPassword',
        'pwdLockout: TRUE',
        'pwdMaxFailure: 3',
        '',
      ].join('\n'),
      ...uids.map((uid) => personLdif(uid)),
    ].join('\n'),
    overlays: [
      MEMBEROF_OVERLAY,
      {
        name: 'ppolicy',
        config: [`ppolicy_default "cn=default,${POLICIES}"`, 'ppolicy_use_lockout'],
      },
    ],
  });
  // Over LDAP, so that the memberof overlay writes memberOf on the members.
  await addLdif(
    slapd,
    [
      [
        `dn: ${STAFF_DN}`,
        'objectClass: groupOfNames',
        'cn: staff',
        ...uids.map((uid) => `member: ${userDn(uid)}`),
        '',
      ].join('\n'),
      [
        `dn: ${READERS_DN}`,
        'objectClass: groupOfNames',
        'cn: readers',
        `member: ${userDn(uids[0]!)}`,
        '',
      ].join('\n'),
    ].join('\n'),
  );
  return slapd;
}

/** The clock every service of a suite runs on, moved by the tests. */
export const clock = { ms: Date.now() };

export interface SessionService {
  service: RunningService;
  url: string;
  /** Directory searches made since it started (user searches and re-checks). */
  searches(): number;
  log: ReturnType<typeof recordingLogger>;
}

/** The service with the sign-in page, `staff` required, on {@link clock}. */
export async function startSessionService(
  slapd: SlapdServer,
  extra: Partial<AuthOptions> = {},
): Promise<SessionService> {
  let searches = 0;
  const log = recordingLogger();
  const auth = createAuth({
    secretKey: 'sessions-suite-secret-0123456789abcdef',
    ldap: { url: slapd.url, topDn: TOP_DN, timeoutMs: 2000, connectTimeoutMs: 1000 },
    groups: { required: 'staff' },
    loginLimits: { enabled: false },
    logger: log.logger,
    now: () => clock.ms,
    events: {
      ldapOperation(event) {
        if (event.operation === 'search') searches++;
      },
    },
    ...extra,
    browser: { enabled: true, cookieSecure: false, ...extra.browser },
  });
  const service = await serve(auth, { host: '127.0.0.1', port: 0 });
  return { service, url: service.url, searches: () => searches, log };
}

/** Signs `uid` in through the form (password `<uid>-password`); the browser keeps the cookie. */
export async function signIn(url: string, uid: string): Promise<Browser> {
  const browser = new Browser(url);
  const csrf = Browser.csrfOf((await browser.get('/auth/login')).body);
  const signedIn = await browser.post('/auth/login', {
    csrf,
    username: uid,
    password: `${uid}-password`,
  });
  assert.equal(signedIn.status, 303, signedIn.body);
  assert.ok(browser.jar.get(SESSION_COOKIE));
  return browser;
}

/** `GET {url}/auth/verify` with `cookie` as an API client would send it (no redirect). */
export async function verifyWith(url: string, cookie: string, accept = 'application/json') {
  const response = await fetch(`${url}/auth/verify`, {
    headers: { cookie: `${SESSION_COOKIE}=${cookie}`, accept },
    redirect: 'manual',
  });
  await response.text();
  const setCookie = response.headers.get('set-cookie') ?? undefined;
  return {
    status: response.status,
    user: response.headers.get('x-auth-user'),
    groups: response.headers.get('x-auth-groups'),
    location: response.headers.get('location'),
    setCookie,
    /** The renewed session token, when the answer set one. */
    renewed: /^ldap_token_auth=([^;]+);/.exec(setCookie ?? '')?.[1],
  };
}

const run = promisify(execFile);

/** curl's status code for `path` with `headers`: an old cookie replayed by another client. */
export async function curlStatus(url: string, headers: string[]): Promise<number> {
  const args = ['-s', '-o', '/dev/null', '-w', '%{http_code}'];
  for (const header of headers) args.push('-H', header);
  const { stdout } = await run('curl', [...args, url]);
  return Number(stdout);
}
