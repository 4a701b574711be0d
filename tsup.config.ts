import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // The library: one entry per public subpath, so importing one adapter never loads another.
    entry: {
      index: 'src/index.ts',
      'adapters/express': 'src/adapters/express.ts',
      'adapters/fastify': 'src/adapters/fastify.ts',
      'adapters/hono': 'src/adapters/hono.ts',
      'adapters/koa': 'src/adapters/koa.ts',
      'adapters/nestjs': 'src/adapters/nestjs.ts',
      'oidc/index': 'src/oidc/index.ts',
      'testing/index': 'src/testing/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    // ldapjs serves only the embedded test directory; it is never bundled.
    external: ['ldapjs'],
  },
  {
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    external: ['ldapjs'],
  },
]);
