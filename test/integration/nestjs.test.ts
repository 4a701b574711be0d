// The NestJS adapter against the conformance suite, in a small Nest application on the Express
// platform: the token controller, the guard through @LoginRequired(), @RequireGroups and
// @AuthUser(). Decorators are compiled by tsx (experimentalDecorators); nothing relies on
// emitDecoratorMetadata, which esbuild does not implement.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  AuthUser,
  ldapTokenAuth,
  Require,
  RequireAllGroups,
  RequireGroups,
} from '../../src/adapters/nestjs.js';
import type { AuthenticatedUser } from '../../src/core/types.js';
import type { TestDirectory } from '../../src/testing/index.js';
import { runConformance } from '../conformance/cases.js';
import {
  assertHello,
  assertProblem,
  assertUnauthorized,
  call,
} from '../helpers/conformance-answers.js';
import {
  aliceClaims,
  type ConformanceOptions,
  type ConformanceServer,
  conformanceOptions,
  forge,
  startFixtureDirectory,
} from '../helpers/conformance-fixtures.js';

async function startHello(
  options: ConformanceOptions,
  prefix?: string,
): Promise<ConformanceServer> {
  const auth = ldapTokenAuth(options.auth, prefix === undefined ? {} : { prefix });
  const users: AuthenticatedUser[] = [];

  @Controller()
  class HelloController {
    @Get()
    @auth.LoginRequired()
    hello(@AuthUser() user: AuthenticatedUser): string {
      users.push(user);
      return 'hello, world';
    }

    @Get('staff')
    @auth.LoginRequired({ groups: ['staff'] })
    staff(@AuthUser() user: AuthenticatedUser): string {
      users.push(user);
      return 'hello, staff';
    }
  }

  // The guard on a whole controller, requirements from @RequireGroups on a method.
  @Controller('team')
  @UseGuards(auth.guard)
  class TeamController {
    @Get('members')
    members(@AuthUser() user: AuthenticatedUser): string {
      return `hello, ${user.username}`;
    }

    @Get('leads')
    @RequireGroups('leads')
    leads(): string {
      return 'hello, lead';
    }
  }

  // A controller's requirement and its methods' own all apply, as do two on one method.
  @Controller('board')
  @UseGuards(auth.guard)
  @RequireAllGroups('staff')
  class BoardController {
    @Get('chair')
    @RequireGroups('chairs')
    @Require({ check: (user) => user.username === 'alice' })
    chair(): string {
      return 'hello, chair';
    }
  }

  @Module({
    controllers: [auth.TokenController, HelloController, TeamController, BoardController],
  })
  class AppModule {}

  const app = await NestFactory.create(AppModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  return {
    baseUrl: (await app.getUrl()).replace('[::1]', '127.0.0.1'),
    tokenPath: `${prefix ?? '/auth'}/request-token`,
    staffPath: '/staff',
    users,
    close: async () => {
      await app.close();
      await auth.close();
    },
  };
}

runConformance('NestJS, token controller at /auth', (options) => startHello(options));
runConformance('NestJS, token controller at /api/v1/auth', (options) =>
  startHello(options, '/api/v1/auth'),
);

describe('NestJS adapter', () => {
  let directory: TestDirectory;
  let server: ConformanceServer;
  before(async () => {
    directory = await startFixtureDirectory();
    server = await startHello(conformanceOptions(directory.url));
  });
  after(async () => {
    await server?.close();
    await directory?.close();
  });

  it('@UseGuards(auth.guard) on a controller guards each of its routes', async () => {
    const url = `${server.baseUrl}/team/members`;
    assertUnauthorized(await call(url), `${server.baseUrl}/auth/request-token`);
    const answer = await call(url, { authorization: `Bearer ${await forge(aliceClaims())}` });
    assertHello({ ...answer, body: answer.body.replace('alice', 'world') });
  });

  it('@RequireGroups on a method: 403 outside the group, 200 inside', async () => {
    const url = `${server.baseUrl}/team/leads`;
    const outside = await call(url, { authorization: `Bearer ${await forge(aliceClaims())}` });
    assertProblem(outside, 403, 'forbidden', 'You are not allowed to access this resource');
    const inside = await call(url, {
      authorization: `Bearer ${await forge(aliceClaims({ groups: ['leads'] }))}`,
    });
    assert.equal(inside.status, 200);
    assert.equal(inside.body, 'hello, lead');
  });

  it("a controller's and a method's requirements all apply, two on one method too", async () => {
    const url = `${server.baseUrl}/board/chair`;
    const as = async (groups: string[]) =>
      call(url, { authorization: `Bearer ${await forge(aliceClaims({ groups }))}` });
    for (const groups of [['staff'], ['chairs'], []]) {
      assertProblem(
        await as(groups),
        403,
        'forbidden',
        'You are not allowed to access this resource',
      );
    }
    const both = await as(['staff', 'chairs']);
    assert.equal(both.status, 200);
    assert.equal(both.body, 'hello, chair');
  });
});
