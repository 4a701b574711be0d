// Group-protected routes in every adapter and in the standalone service, against a real slapd
// with the memberof overlay: a valid non-member gets 403 forbidden, a member 200, and the handler
// sees req.user with its attributes and groups. Requirement forms: groups (any of), allGroups
// (all of), an async check, and a check that throws (403, never a 500).
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { serve as serveHono } from '@hono/node-server';
import Router from '@koa/router';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import * as expressAdapter from '../../src/adapters/express.js';
import * as fastifyAdapter from '../../src/adapters/fastify.js';
import * as honoAdapter from '../../src/adapters/hono.js';
import * as koaAdapter from '../../src/adapters/koa.js';
import * as nestAdapter from '../../src/adapters/nestjs.js';
import { createAuth } from '../../src/core/create-auth.js';
import type { AuthenticatedUser } from '../../src/core/types.js';
import type { Requirements } from '../../src/http/requirements.js';
import type { AuthOptions } from '../../src/options/resolve.js';
import { serve } from '../../src/server/serve.js';
import { call } from '../helpers/conformance-answers.js';
import { basic } from '../helpers/conformance-fixtures.js';
import { groupOptions, startGroupDirectory } from '../helpers/group-directory.js';
import type { SlapdServer } from '../helpers/slapd.js';

/** The routes every app serves, and what each requires. */
const ROUTES: Record<string, Requirements | undefined> = {
  '/': undefined,
  '/staff': { groups: ['staff', 'nobody'] },
  '/both': { allGroups: ['staff', 'admins'] },
  '/check': { check: async (user) => user.attributes.mail === 'alice@example.org' },
  '/broken': {
    check: () => {
      throw new Error('a bug in the predicate');
    },
  },
};

interface App {
  url: string;
  close(): Promise<void>;
}

const describeUser = (user: AuthenticatedUser) =>
  JSON.stringify({ username: user.username, groups: user.groups, attributes: user.attributes });

function listening(server: Server, close: () => Promise<void>): App {
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await close();
    },
  };
}

const APPS: Record<string, (options: AuthOptions) => Promise<App>> = {
  async express(options) {
    const auth = expressAdapter.ldapTokenAuth(options);
    const app = express();
    app.use('/auth', auth.router);
    for (const [path, requirements] of Object.entries(ROUTES)) {
      app.get(path, auth.loginRequired(requirements), (req, res) => {
        res.send(describeUser(req.user!));
      });
    }
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    return listening(server, () => auth.close());
  },
  async fastify(options) {
    const auth = fastifyAdapter.ldapTokenAuth(options);
    const app = Fastify();
    await app.register(auth.plugin, { prefix: '/auth' });
    for (const [path, requirements] of Object.entries(ROUTES)) {
      app.get(path, { preHandler: auth.loginRequired(requirements) }, async (request) =>
        describeUser(request.user!),
      );
    }
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return {
      url,
      close: async () => {
        await app.close();
        await auth.close();
      },
    };
  },
  async hono(options) {
    const auth = honoAdapter.ldapTokenAuth(options);
    const app = new Hono();
    app.route('/', auth.routes);
    for (const [path, requirements] of Object.entries(ROUTES)) {
      app.get(path, auth.loginRequired(requirements), (c) => c.text(describeUser(c.get('user'))));
    }
    const server = await new Promise<Server>((resolve) => {
      const started = serveHono({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
        resolve(started as Server),
      );
    });
    return listening(server, () => auth.close());
  },
  async koa(options) {
    const auth = koaAdapter.ldapTokenAuth(options);
    const router = new Router();
    for (const [path, requirements] of Object.entries(ROUTES)) {
      router.get(path, auth.loginRequired(requirements), (ctx) => {
        ctx.body = describeUser(ctx.state.user!);
      });
    }
    const app = new Koa();
    app.use(auth.router.routes()).use(router.routes());
    const server = createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return listening(server, () => auth.close());
  },
  async nestjs(options) {
    const auth = nestAdapter.ldapTokenAuth(options);
    const { AuthUser, RequireAllGroups, Require } = nestAdapter;

    @Controller()
    class RoutesController {
      @Get()
      @auth.LoginRequired()
      hello(@AuthUser() user: AuthenticatedUser) {
        return describeUser(user);
      }
      @Get('staff')
      @auth.LoginRequired(ROUTES['/staff'])
      staff(@AuthUser() user: AuthenticatedUser) {
        return describeUser(user);
      }
      // The guard alone, the requirements from the metadata decorators.
      @Get('both')
      @auth.LoginRequired()
      @RequireAllGroups('staff', 'admins')
      both(@AuthUser() user: AuthenticatedUser) {
        return describeUser(user);
      }
      @Get('check')
      @auth.LoginRequired()
      @Require(ROUTES['/check']!)
      check(@AuthUser() user: AuthenticatedUser) {
        return describeUser(user);
      }
      @Get('broken')
      @auth.LoginRequired(ROUTES['/broken'])
      broken(@AuthUser() user: AuthenticatedUser) {
        return describeUser(user);
      }
    }
    @Module({ controllers: [auth.TokenController, RoutesController] })
    class AppModule {}
    const app = await NestFactory.create(AppModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    return {
      url: (await app.getUrl()).replace('[::1]', '127.0.0.1'),
      close: async () => {
        await app.close();
        await auth.close();
      },
    };
  },
};

describe('group-protected routes against slapd, in every adapter', () => {
  let slapd: SlapdServer;
  before(async () => {
    slapd = await startGroupDirectory();
  });
  after(() => slapd?.stop());

  const forbidden = JSON.stringify({
    error: 'forbidden',
    message: 'You are not allowed to access this resource',
    status: 403,
  });

  for (const [name, start] of Object.entries(APPS)) {
    it(`${name}: members 200 with req.user's groups and attributes, valid non-members 403`, async () => {
      const errors: unknown[] = [];
      const logger = {
        error: (fields: unknown) => errors.push(fields),
        warn() {},
        info() {},
        debug() {},
      };
      const app = await start({ ...groupOptions(slapd.url), logger: logger as never });
      try {
        const token = async (username: string, password: string) => {
          const answer = await call(`${app.url}/auth/request-token`, {
            method: 'POST',
            authorization: basic(username, password),
          });
          assert.equal(answer.status, 200, answer.body);
          return `Bearer ${(JSON.parse(answer.body) as { access_token: string }).access_token}`;
        };
        const alice = await token('alice', 'wonderland');
        const bob = await token('bob', 'can-we-fix-it');

        const seen = await call(`${app.url}/`, { authorization: alice });
        assert.equal(seen.status, 200);
        assert.deepEqual(JSON.parse(seen.body), {
          username: 'alice',
          groups: ['admins', 'legacy-team', 'staff', 'team-a'],
          attributes: {
            cn: 'Alice Liddell',
            mail: 'alice@example.org',
            displayName: 'Alice Liddell',
          },
        });
        for (const path of ['/staff', '/both', '/check']) {
          const answer = await call(`${app.url}${path}`, { authorization: alice });
          assert.equal(answer.status, 200, `alice ${path}: ${answer.body}`);
        }
        assert.equal((await call(`${app.url}/`, { authorization: bob })).status, 200);
        for (const path of ['/staff', '/both', '/check', '/broken']) {
          const answer = await call(`${app.url}${path}`, { authorization: bob });
          assert.equal(answer.status, 403, `bob ${path}: ${answer.body}`);
          assert.equal(answer.body, forbidden);
        }
        const broken = await call(`${app.url}/broken`, { authorization: alice });
        assert.equal(broken.status, 403, 'a throwing check refuses, never a 500');
        assert.ok(errors.length >= 1, 'and the error is logged');
        const anonymous = await call(`${app.url}/staff`);
        assert.equal(anonymous.status, 401, 'no token: 401, not 403');
      } finally {
        await app.close();
      }
    });
  }

  it('the service: /auth/verify?groups= and ?all_groups= answer 403 to non-members, 200 with X-Auth-Groups to members', async () => {
    const service = await serve(createAuth(groupOptions(slapd.url)), {
      host: '127.0.0.1',
      port: 0,
    });
    try {
      const token = async (username: string, password: string) => {
        const answer = await call(`${service.url}/auth/request-token`, {
          method: 'POST',
          authorization: basic(username, password),
        });
        return `Bearer ${(JSON.parse(answer.body) as { access_token: string }).access_token}`;
      };
      const alice = await token('alice', 'wonderland');
      const bob = await token('bob', 'can-we-fix-it');
      const verify = (query: string, authorization: string) =>
        call(`${service.url}/auth/verify${query}`, { authorization });
      const admitted = await verify('?groups=staff', alice);
      assert.equal(admitted.status, 200);
      assert.equal(admitted.headers.get('x-auth-groups'), 'admins,legacy-team,staff,team-a');
      assert.equal(admitted.headers.get('x-auth-name'), 'Alice Liddell');
      assert.equal((await verify('?all_groups=staff,admins', alice)).status, 200);
      assert.equal((await verify('?all_groups=staff,readers', alice)).status, 403);
      assert.equal((await verify('?groups=staff', bob)).status, 403);
      assert.equal((await verify('?groups=staff,readers', bob)).status, 200);
    } finally {
      await service.close();
    }
  });
});
