// Forward auth through a real nginx (Debian's, with auth_request): nginx asks the standalone
// service's /auth/verify before proxying to a small upstream that records what it receives.
// The configuration is the recipe's own text (docs/recipes/forward-auth.md, also docs/service.md's),
// read from the Markdown with loopback ports and temporary paths, so a recipe that drifts fails.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createAuth } from '../../src/core/create-auth.js';
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
import { fencedBlocks } from '../helpers/markdown.js';
import { httpPrelude, startNginx } from '../helpers/nginx.js';
import type { ManagedProcess } from '../helpers/process.js';

const RECIPE = fileURLToPath(new URL('../../docs/recipes/forward-auth.md', import.meta.url));
const SERVICE_PAGE = fileURLToPath(new URL('../../docs/service.md', import.meta.url));
/** The recipe's addresses of the service and of the application. */
const SERVICE = 'http://127.0.0.1:5000';
const APPLICATION = 'http://127.0.0.1:8080';

/**
 * The recipe's nginx locations, for a service at `service` and an application at `upstream`, in
 * a server block with one more protected location that asks for `?groups=staff`.
 */
function nginxConf(
  recipe: string,
  dir: string,
  listen: number,
  service: string,
  upstream: string,
): string {
  for (const address of [SERVICE, APPLICATION]) {
    assert.ok(recipe.includes(address), `the recipe no longer names ${address}`);
  }
  const locations = recipe.replaceAll(SERVICE, service).replaceAll(APPLICATION, upstream);
  return `worker_processes 1;
events { worker_connections 64; }
http {
  ${httpPrelude(dir)}

  server {
    listen 127.0.0.1:${listen};

${locations}
    location /staff/ {
      auth_request /_verify_staff;
      auth_request_set $auth_user $upstream_http_x_auth_user;
      proxy_set_header X-Auth-User $auth_user;
      proxy_pass ${upstream};
    }

    location = /_verify_staff {
      internal;
      proxy_pass ${service}/auth/verify?groups=staff;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header Host $http_host;
    }
  }
}
`;
}

describe('nginx auth_request in front of an application, asking /auth/verify', () => {
  let directory: TestDirectory;
  let service: RunningService;
  let upstream: Server;
  let nginx: ManagedProcess;
  let base: string;
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];

  before(async () => {
    directory = await startFixtureDirectory();
    service = await serve(createAuth(conformanceOptions(directory.url).auth), {
      host: '127.0.0.1',
      port: 0,
    });
    upstream = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`upstream saw ${req.url}`);
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

    const recipes = await fencedBlocks(RECIPE, 'nginx');
    assert.equal(recipes.length, 1, 'one nginx configuration in the recipe');
    const started = await startNginx('nginx-e2e', (dir, port) =>
      nginxConf(recipes[0]!, dir, port, service.url, upstreamUrl),
    );
    nginx = started.process;
    base = started.url;
  });
  after(async () => {
    await nginx?.stop();
    await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
    await service?.close();
    await directory?.close();
  });

  it('no token: the seed 401 through nginx, and the upstream is never asked', async () => {
    seen.length = 0;
    assertUnauthorized(await call(`${base}/app/hello`), `${base}/auth/request-token`);
    assertUnauthorized(
      await call(`${base}/app/hello`, { authorization: 'Bearer not.a.token' }),
      `${base}/auth/request-token`,
    );
    assert.equal(seen.length, 0);
  });

  it('a token from the token endpoint (through nginx): 200, and the upstream sees X-Auth-User', async () => {
    const issued = await call(`${base}/auth/request-token`, {
      method: 'POST',
      authorization: basic('alice', 'wonderland'),
    });
    const token = assertTokenIssued(issued, USERS.alice);
    seen.length = 0;
    for (const authorization of [`Bearer ${token}`, basic(token, '')]) {
      const answer = await call(`${base}/app/hello?x=1`, { authorization });
      assert.equal(answer.status, 200, answer.body);
      assert.equal(answer.body, 'upstream saw /app/hello?x=1');
    }
    assert.equal(seen.length, 2);
    for (const request of seen) {
      assert.equal(request.headers['x-auth-user'], 'alice');
      assert.equal(request.headers['x-auth-groups'], undefined, 'no groups claim, no header');
    }
  });

  it("docs/service.md's forward-auth nginx configuration is the recipe's", async () => {
    const [recipe] = await fencedBlocks(RECIPE, 'nginx');
    // The service page has other nginx blocks too (TLS proxy, large headers): one is the recipe's.
    assert.ok(recipe, 'the recipe has an nginx block');
    assert.ok(
      (await fencedBlocks(SERVICE_PAGE, 'nginx')).includes(recipe),
      'docs/service.md drifted from the recipe',
    );
  });

  it("a client's forged X-Auth-* never reaches the upstream, with or without the claims", async () => {
    const forged = {
      'x-auth-user': 'mallory',
      'x-auth-groups': 'admins',
      'x-auth-email': 'mallory@evil.example',
      'x-auth-name': 'Mallory',
    };
    const bare = await forge(aliceClaims());
    const full = await forge(
      aliceClaims({ groups: ['staff'], email: 'alice@example.org', name: 'Alice' }),
    );
    seen.length = 0;
    for (const token of [bare, full]) {
      const answer = await fetch(`${base}/app/forged`, {
        headers: { authorization: `Bearer ${token}`, ...forged },
      });
      assert.equal(answer.status, 200, await answer.text());
    }
    const [withoutClaims, withClaims] = seen.map((request) => request.headers);
    assert.deepEqual(
      ['x-auth-user', 'x-auth-groups', 'x-auth-email', 'x-auth-name'].map((name) => [
        withoutClaims?.[name],
        withClaims?.[name],
      ]),
      [
        ['alice', 'alice'],
        [undefined, 'staff'],
        [undefined, 'alice@example.org'],
        [undefined, 'Alice'],
      ],
      'nginx drops an empty header, and replaces every forged one',
    );
  });

  it('groups: the upstream sees X-Auth-Groups; ?groups=staff answers 403 outside the group', async () => {
    seen.length = 0;
    const staff = await forge(aliceClaims({ groups: ['staff', 'admins'] }));
    const plain = await forge(aliceClaims());
    const admitted = await call(`${base}/app/x`, { authorization: `Bearer ${staff}` });
    assert.equal(admitted.status, 200);
    assert.equal(seen.at(-1)?.headers['x-auth-groups'], 'staff,admins');

    assert.equal((await call(`${base}/staff/x`, { authorization: `Bearer ${staff}` })).status, 200);
    const refused = await call(`${base}/staff/x`, { authorization: `Bearer ${plain}` });
    assert.equal(refused.status, 403);
    assert.equal(seen.length, 2, 'the refused request never reached the upstream');
    // Without error_page, nginx answers 401 and 403 with its own page; the recipe's
    // /_unauthorized location gives the seed's body for 401, as the first test shows.
    assertProblem(
      await call(`${service.url}/auth/verify?groups=staff`, { authorization: `Bearer ${plain}` }),
      403,
      'forbidden',
      'You are not allowed to access this resource',
    );
  });
});
