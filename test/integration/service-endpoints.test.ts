// The standalone service's operational endpoints, in process: forward auth (/auth/verify),
// /healthz, /readyz and /metrics scraped before and after traffic. Embedded directory, real HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAuth } from '../../src/core/create-auth.js';
import { ServiceMetrics } from '../../src/server/metrics.js';
import { type RunningService, serve } from '../../src/server/serve.js';
import type { TestDirectory } from '../../src/testing/index.js';
import {
  assertProblem,
  assertTokenIssued,
  assertUnauthorized,
  call,
} from '../helpers/conformance-answers.js';
import {
  aliceClaims,
  basic,
  conformanceOptions,
  forge,
  startFixtureDirectory,
  USERS,
} from '../helpers/conformance-fixtures.js';

describe('standalone service: operational endpoints', () => {
  let directory: TestDirectory;
  let service: RunningService;
  let token: string;
  before(async () => {
    directory = await startFixtureDirectory();
    const metrics = new ServiceMetrics();
    const auth = createAuth({ ...conformanceOptions(directory.url).auth, events: metrics.events });
    service = await serve(auth, { host: '127.0.0.1', port: 0 }, { metrics });
    const issued = await call(`${service.url}/auth/request-token`, {
      method: 'POST',
      authorization: basic('alice', 'wonderland'),
    });
    token = assertTokenIssued(issued, USERS.alice);
  });
  after(async () => {
    await service?.close();
    await directory?.close();
  });

  describe('GET /auth/verify (forward auth)', () => {
    const verify = (authorization?: string, query = '', method = 'GET') =>
      call(`${service.url}/auth/verify${query}`, { authorization, method });

    it('no token, or a bad one: the seed 401 with Location of the token endpoint', async () => {
      for (const authorization of [undefined, 'Bearer not.a.token', basic('alice', 'wonderland')]) {
        assertUnauthorized(await verify(authorization), `${service.url}/auth/request-token`);
      }
    });

    it('a valid token, as Bearer or as the seed Basic: 200, empty, X-Auth-User', async () => {
      for (const authorization of [`Bearer ${token}`, basic(token, '')]) {
        const answer = await verify(authorization);
        assert.equal(answer.status, 200);
        assert.equal(answer.body, '');
        assert.equal(answer.headers.get('x-auth-user'), 'alice');
        assert.equal(answer.headers.get('x-auth-groups'), '', 'no groups claim: sent, empty');
        assert.equal(answer.headers.get('x-auth-email'), 'alice@example.org', 'the email claim');
        assert.equal(answer.headers.get('x-auth-name'), 'Alice Liddell', 'the name claim');
        assert.equal(answer.headers.get('cache-control'), 'no-store');
      }
    });

    it('answers whatever method the proxy forwards (POST, PUT, HEAD)', async () => {
      for (const method of ['POST', 'PUT', 'DELETE', 'HEAD']) {
        const answer = await verify(`Bearer ${token}`, '', method);
        assert.equal(answer.status, 200, method);
        assert.equal(answer.headers.get('x-auth-user'), 'alice', method);
      }
    });

    it('X-Auth-Groups and X-Auth-Email when the token carries them', async () => {
      const claims = aliceClaims({ groups: ['staff', 'a,b'], email: 'alice@example.org' });
      const answer = await verify(`Bearer ${await forge(claims)}`);
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.get('x-auth-groups'), 'staff,a%2Cb');
      assert.equal(answer.headers.get('x-auth-email'), 'alice@example.org');
    });

    it('a token without groups, email or name: every X-Auth-* header is still sent, empty', async () => {
      const answer = await verify(`Bearer ${await forge(aliceClaims())}`);
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.get('x-auth-user'), 'alice');
      for (const name of ['x-auth-groups', 'x-auth-email', 'x-auth-name']) {
        assert.equal(answer.headers.get(name), '', name);
      }
    });

    it('a name beyond ASCII arrives percent-encoded as UTF-8, never as a broken header', async () => {
      const issued = await call(`${service.url}/auth/request-token?search_criteria=cn`, {
        method: 'POST',
        authorization: basic('Józef Piłsudski', USERS.jozef.password),
      });
      // The subject is the entry's uid, whatever was typed (issue 14): a subject beyond ASCII
      // comes from a directory that stores one, as the forged token below says.
      const jozef = assertTokenIssued(issued, { username: 'jozef', dn: USERS.jozef.dn });
      assert.equal((await verify(`Bearer ${jozef}`)).headers.get('x-auth-user'), 'jozef');
      const named = await forge(aliceClaims({ sub: 'Józef Piłsudski' }));
      const answer = await verify(`Bearer ${named}`);
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.get('x-auth-user'), 'J%C3%B3zef Pi%C5%82sudski');
      const crafted = await forge(aliceClaims({ sub: 'evil\r\nX-Injected: 1', groups: ['x\ny'] }));
      const evil = await verify(`Bearer ${crafted}`);
      assert.equal(evil.status, 200);
      assert.equal(evil.headers.get('x-auth-user'), 'evil%0D%0AX-Injected: 1');
      assert.equal(evil.headers.get('x-injected'), null);
      assert.equal(evil.headers.get('x-auth-groups'), 'x%0Ay');
    });

    it('?groups=: 403 outside them, 200 inside any of them', async () => {
      const forbidden = 'You are not allowed to access this resource';
      assertProblem(await verify(`Bearer ${token}`, '?groups=staff'), 403, 'forbidden', forbidden);
      const staff = await forge(aliceClaims({ groups: ['staff'] }));
      assert.equal((await verify(`Bearer ${staff}`, '?groups=admins,staff')).status, 200);
      assert.equal((await verify(`Bearer ${staff}`, '?groups=admins&groups=staff')).status, 200);
      assertProblem(await verify(`Bearer ${staff}`, '?groups=admins'), 403, 'forbidden', forbidden);
      assert.equal(
        (await verify(`Bearer ${staff}`, '?groups=')).status,
        200,
        'empty: no requirement',
      );
    });
  });

  it('GET /healthz: 200 {"status":"ok"}', async () => {
    const answer = await call(`${service.url}/healthz`);
    assert.equal(answer.status, 200);
    assert.deepEqual(JSON.parse(answer.body), { status: 'ok' });
  });

  it('GET /readyz: 200 while the directory answers, 503 with Retry-After once it is gone', async () => {
    const own = await startFixtureDirectory();
    const other = await serve(createAuth(conformanceOptions(own.url).auth), {
      host: '127.0.0.1',
      port: 0,
    });
    try {
      const ready = await call(`${other.url}/readyz`);
      assert.equal(ready.status, 200);
      assert.deepEqual(JSON.parse(ready.body), { status: 'ready' });
      await own.close();
      const gone = await Promise.all([call(`${other.url}/readyz`), call(`${other.url}/readyz`)]);
      for (const answer of gone) {
        assertProblem(
          answer,
          503,
          'service_unavailable',
          'The directory is unavailable; try again later',
        );
        assert.match(answer.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
      }
      assert.equal((await call(`${other.url}/healthz`)).status, 200, 'alive all the same');
    } finally {
      await other.close();
      await own.close();
    }
  });

  describe('GET /metrics', () => {
    const scrape = async () => {
      const answer = await call(`${service.url}/metrics`);
      assert.equal(answer.status, 200);
      assert.match(answer.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      return answer.body;
    };
    /** The value of one sample, 0 when absent. */
    const sample = (text: string, name: string, labels: Record<string, string>) => {
      const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
      const line = text
        .split('\n')
        .find(
          (candidate) =>
            candidate.startsWith(`${name}{`) && wanted.every((label) => candidate.includes(label)),
        );
      return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
    };

    it('counts requests by route and status, token outcomes by reason, LDAP latencies', async () => {
      const before = await scrape();
      await call(`${service.url}/`);
      await call(`${service.url}/`, { authorization: `Bearer ${token}` });
      await call(`${service.url}/public`);
      await call(`${service.url}/nope/${Math.random()}`);
      await call(`${service.url}/auth/request-token`, {
        method: 'POST',
        authorization: basic('alice', 'wonderland'),
      });
      await call(`${service.url}/auth/request-token`, {
        method: 'POST',
        authorization: basic('alice', 'nope'),
      });
      await call(`${service.url}/auth/request-token?token_duration=0`, {
        method: 'POST',
        authorization: basic('alice', 'wonderland'),
      });
      const after = await scrape();
      const moved = (name: string, labels: Record<string, string>) =>
        sample(after, name, labels) - sample(before, name, labels);

      const requests = 'ldap_token_auth_http_requests_total';
      assert.equal(moved(requests, { route: '/', status: '401' }), 1);
      assert.equal(moved(requests, { route: '/', status: '200' }), 1);
      assert.equal(moved(requests, { route: '/public', status: '200' }), 1);
      assert.equal(
        moved(requests, { route: 'other', status: '404' }),
        1,
        'unknown paths share a label',
      );
      assert.equal(moved(requests, { route: '/auth/request-token', status: '200' }), 1);
      assert.equal(moved(requests, { route: '/auth/request-token', status: '401' }), 1);
      assert.equal(moved(requests, { route: '/auth/request-token', status: '400' }), 1);
      assert.ok(sample(after, requests, { route: '/metrics', status: '200' }) >= 1);

      const tokens = 'ldap_token_auth_token_requests_total';
      assert.equal(moved(tokens, { outcome: 'issued', reason: 'issued' }), 1);
      assert.equal(moved(tokens, { outcome: 'refused', reason: 'ERR_INVALID_CREDENTIALS' }), 1);
      assert.equal(
        moved(tokens, { outcome: 'invalid_parameter', reason: 'ERR_INVALID_PARAMETER' }),
        1,
      );

      const latency = 'ldap_token_auth_ldap_operation_duration_seconds_count';
      assert.equal(moved(latency, { operation: 'search', outcome: 'success' }), 2);
      assert.equal(moved(latency, { operation: 'bind', outcome: 'success' }), 1);
      assert.equal(moved(latency, { operation: 'bind', outcome: 'refused' }), 1);

      const pool = 'ldap_token_auth_ldap_connections';
      assert.ok(sample(after, pool, { pool: 'searches', state: 'open' }) >= 1, after);
      assert.equal(sample(after, pool, { pool: 'binds', state: 'busy' }), 0);
      assert.match(after, /^process_resident_memory_bytes \d+/m, 'Node default metrics');
    });

    it('never shows a token, a password or a username', async () => {
      const text = await scrape();
      for (const secret of [token, 'wonderland', 'alice'])
        assert.ok(!text.includes(secret), secret);
    });
  });
});
