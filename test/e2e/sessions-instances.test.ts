// Browser sessions across two `ldap-token-auth serve` processes configured only through the
// environment (LOGIN_PAGE, REDIS_URL, LDAP_REQUIRED_GROUP, SESSION_RECHECK_SECONDS=1; no
// TOKEN_REVOCATION), sharing a real redis-server and a real slapd: a sign-out on one is refused
// by the other when the old cookie is replayed with curl, and a person removed from the required
// group loses the session on both at the first use once the interval has passed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import { ENVIRONMENT } from '../../src/options/from-env.js';
import { Browser } from '../helpers/browser.js';
import { TOP_DN } from '../helpers/conformance-fixtures.js';
import { freePort } from '../helpers/ports.js';
import { type ManagedProcess, startProcess } from '../helpers/process.js';
import { type RedisServer, startRedis } from '../helpers/redis.js';
import {
  curlStatus,
  SESSION_COOKIE,
  STAFF_DN,
  signIn,
  startSessionDirectory,
  userDn,
} from '../helpers/sessions.js';
import { changeValues, type SlapdServer } from '../helpers/slapd.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Instance {
  process: ManagedProcess;
  url: string;
}

async function startInstance(name: string, slapd: SlapdServer, redis: RedisServer) {
  const port = await freePort();
  const env: Record<string, string> = { NODE_TEST_CONTEXT: '' };
  for (const variable of ENVIRONMENT) env[variable.name] = '';
  const process_ = await startProcess({
    name,
    command: process.execPath,
    args: ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', String(port)],
    cwd: ROOT,
    env: {
      ...env,
      SECRET_KEY: 'sessions-instances-secret-0123456789abcdef',
      LDAP_AUTH_SERVER: slapd.url,
      LDAP_TOP_DN: TOP_DN,
      LDAP_REQUIRED_GROUP: 'staff',
      REDIS_URL: redis.url,
      LOGIN_PAGE: 'true',
      COOKIE_SECURE: 'false',
      SESSION_RECHECK_SECONDS: '1',
      LOG_LEVEL: 'warn',
    },
    ready: { port },
  });
  return { process: process_, url: `http://127.0.0.1:${port}` };
}

describe('browser sessions across two serve processes sharing Redis', () => {
  let slapd: SlapdServer;
  let redis: RedisServer;
  let one: Instance;
  let two: Instance;

  before(async () => {
    slapd = await startSessionDirectory(['nia', 'oli']);
    redis = await startRedis();
    [one, two] = await Promise.all([
      startInstance('sessions-one', slapd, redis),
      startInstance('sessions-two', slapd, redis),
    ]);
  });
  after(async () => {
    await Promise.all([one?.process.stop(), two?.process.stop()]);
    await redis?.stop();
    await slapd?.stop();
  });

  const verify = (instance: Instance, token: string, ...headers: string[]) =>
    curlStatus(`${instance.url}/auth/verify`, [`Cookie: ${SESSION_COOKIE}=${token}`, ...headers]);

  it('signed out on one, the old cookie replayed with curl is refused by both', async () => {
    const browser = await signIn(one.url, 'nia');
    const token = browser.jar.get(SESSION_COOKIE)!;
    assert.equal(await verify(two, token), 200);
    const csrf = Browser.csrfOf((await browser.get('/auth/login')).body);
    assert.equal((await browser.post('/auth/logout', { csrf })).status, 303);
    assert.equal(await verify(two, token), 401);
    assert.equal(await verify(one, token, 'Accept: text/html'), 302);
    assert.equal(
      await curlStatus(`${two.url}/auth/verify`, [`Authorization: Bearer ${token}`]),
      401,
      'nor as a Bearer token',
    );
  });

  it('removed from LDAP_REQUIRED_GROUP, the session ends on both at the first use past the interval', async () => {
    const token = (await signIn(two.url, 'oli')).jar.get(SESSION_COOKIE)!;
    assert.equal(await verify(one, token), 200);
    // On a slow machine that first use may itself come a second after signing: it re-checks
    // then, and its answer stands for one more second (the claim in Redis, the renewal in memory).
    const firstUseAnswered = Date.now();
    await changeValues(slapd, STAFF_DN, 'delete', 'member', [userDn('oli')]);
    // Wait for the precondition, not for an outcome: one second after the token was signed and
    // after any re-check of the first use, the next use is due for a re-check (the services read
    // the same clock as this process).
    const due = Math.max((decodeJwt(token).iat! + 1) * 1000, firstUseAnswered + 1000) + 50;
    await sleep(Math.max(0, due - Date.now()));
    assert.equal(await verify(one, token), 401);
    assert.equal(await verify(two, token), 401);
  });
});
