// The built package, imported by name as a user would, from ESM and from CommonJS, in a
// separate Node process without tsx. `npm test` builds dist/ first.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const root = join(import.meta.dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, unknown>;
  bin: Record<string, string>;
};

/** What each subpath must export at least. */
const EXPECTED: Record<string, string[]> = {
  'ldap-token-auth': [
    'createAuth',
    'fromEnv',
    'ENVIRONMENT',
    'InvalidCredentialsError',
    'DirectoryUnavailableError',
    'InvalidTokenError',
    'TokenExpiredError',
    'InvalidParameterError',
    'ForbiddenError',
    'ConfigurationError',
    'ACCOUNT_STATE_REASONS',
    'handleTokenRequest',
    'authenticateRequest',
    'parseAuthorization',
  ],
  'ldap-token-auth/express': ['ldapTokenAuth'],
  'ldap-token-auth/fastify': ['ldapTokenAuth'],
  'ldap-token-auth/hono': ['ldapTokenAuth'],
  'ldap-token-auth/koa': ['ldapTokenAuth'],
  'ldap-token-auth/nestjs': [
    'ldapTokenAuth',
    'AuthUser',
    'RequireGroups',
    'RequireAllGroups',
    'Require',
  ],
  'ldap-token-auth/oidc': [
    'oidcListener',
    'createOidcProvider',
    'parseOidcClients',
    'readOidcClients',
    'issuerProblem',
    'canonicalIssuer',
  ],
  'ldap-token-auth/testing': ['startTestDirectory', 'DEMO_LDIF', 'DEMO_USERS'],
};

function run(code: string, type: 'module' | 'commonjs'): string {
  const flag = type === 'module' ? '--input-type=module' : '--input-type=commonjs';
  return execFileSync(process.execPath, [flag, '-e', code], { cwd: root, encoding: 'utf8' });
}

describe('the built package', () => {
  it('has been built (npm test builds it first)', () => {
    assert.ok(
      existsSync(join(root, 'dist', 'index.js')),
      'dist/index.js is missing: run npm run build',
    );
  });

  it('exports exactly the subpaths this test knows', () => {
    assert.deepEqual(
      Object.keys(manifest.exports)
        .filter((key) => key !== './package.json')
        .sort(),
      Object.keys(EXPECTED)
        .map((name) => name.replace('ldap-token-auth', '.'))
        .sort(),
    );
  });

  for (const [subpath, names] of Object.entries(EXPECTED)) {
    for (const type of ['module', 'commonjs'] as const) {
      it(`${subpath} loads as ${type === 'module' ? 'ESM' : 'CommonJS'} with its exports`, () => {
        const load = type === 'module' ? `await import('${subpath}')` : `require('${subpath}')`;
        const code = `${type === 'module' ? '' : '(async () => {'}
          const m = ${load};
          process.stdout.write(JSON.stringify(Object.keys(m).sort()));
          ${type === 'module' ? '' : '})();'}`;
        const exported = JSON.parse(run(code, type)) as string[];
        for (const name of names) assert.ok(exported.includes(name), `${subpath} lacks ${name}`);
      });
    }
  }

  // In CommonJS every dependency goes through require.cache, so what a subpath loads can be seen.
  const loadedBy = (subpath: string) =>
    JSON.parse(
      run(
        `require('${subpath}');
         process.stdout.write(JSON.stringify(Object.keys(require.cache)
           .map((path) => path.match(/node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//)?.[1])
           .filter(Boolean)));`,
        'commonjs',
      ),
    ) as string[];

  /** What each subpath may load of the frameworks and of the service's own dependencies. */
  const FRAMEWORKS = [
    'express',
    'fastify',
    'hono',
    'koa',
    '@koa/router',
    '@nestjs/common',
    '@nestjs/core',
  ];
  const ISOLATION: Record<string, string[]> = {
    'ldap-token-auth': [],
    'ldap-token-auth/express': ['express'],
    'ldap-token-auth/fastify': ['fastify-plugin'],
    'ldap-token-auth/hono': ['hono'],
    'ldap-token-auth/koa': ['@koa/router'],
    'ldap-token-auth/nestjs': ['@nestjs/common', '@nestjs/core'],
  };
  for (const [subpath, expected] of Object.entries(ISOLATION)) {
    it(`${subpath} loads ${expected.join(' and ') || 'no framework'}, and neither another framework, ldapjs, pino nor prom-client`, () => {
      const loaded = loadedBy(subpath);
      assert.ok(loaded.includes('ldapts'), `ldapts should be loaded: ${loaded.join(', ')}`);
      for (const name of expected)
        assert.ok(loaded.includes(name), `${name} not loaded: ${loaded.join(', ')}`);
      for (const name of [...FRAMEWORKS, 'ldapjs', 'pino', 'prom-client']) {
        if (expected.includes(name)) continue;
        // Nest's packages load each other; @koa/router loads no koa of its own.
        assert.ok(!loaded.includes(name), `${subpath} loads ${name}: ${loaded.join(', ')}`);
      }
    });
  }

  it('ldap-token-auth/oidc loads neither oidc-provider (createOidcProvider does) nor a framework', () => {
    const loaded = loadedBy('ldap-token-auth/oidc');
    for (const name of [...FRAMEWORKS, 'oidc-provider', 'ldapjs', 'pino', 'prom-client']) {
      assert.ok(!loaded.includes(name), `ldap-token-auth/oidc loads ${name}: ${loaded.join(', ')}`);
    }
  });

  it('the bin answers --help and --version', () => {
    const bin = join(root, manifest.bin['ldap-token-auth']!);
    const help = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    assert.match(help, /Usage: ldap-token-auth <command>/);
    assert.match(help, /serve/);
    const version = execFileSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
    assert.equal(
      version.trim(),
      (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version,
    );
  });
});
