// The layering of src/, enforced by `npm run lint` (and by test/unit/layers.test.ts).
// docs/architecture.md explains it; keep the two in step.
//
// Lowest first; a file may import from its own layer or any layer below, never above.
// Type-only imports count too (tsPreCompilationDeps), so a type cannot climb either.
const LAYERS = [
  { name: 'base', path: '^src/(errors\\.ts$|shared/)' },
  { name: 'parts', path: '^src/(ldap|token|stores)/' },
  { name: 'options', path: '^src/options/' },
  { name: 'core', path: '^src/core/' },
  { name: 'http', path: '^src/http/' },
  // The OpenID Provider: the protocol's glue to oidc-provider, below the service that mounts it.
  { name: 'oidc', path: '^src/oidc/' },
  { name: 'frameworks', path: '^src/(adapters|server)/' },
  { name: 'cli', path: '^src/cli/' },
];

// testing/ and the package entry sit beside the frameworks: they may use every layer up to http/,
// and only the frameworks and the CLI may use them.
const BESIDE_FRAMEWORKS = '^src/(testing/|index\\.ts$)';
const HTTP_INDEX = LAYERS.findIndex((layer) => layer.name === 'http');

const either = (paths) => paths.join('|');

const climbs = LAYERS.slice(0, -1).map((layer, index) => {
  const higher = LAYERS.slice(index + 1).map((above) => above.path);
  if (index <= HTTP_INDEX) higher.push(BESIDE_FRAMEWORKS);
  return {
    name: `no-climb-from-${layer.name}`,
    comment: `${layer.name} may import only its own layer and the layers below it`,
    severity: 'error',
    from: { path: layer.path },
    to: { path: either(higher) },
  };
});

// The three parts are independent of each other: each is usable (and testable) alone.
const PARTS = ['ldap', 'token', 'stores'];
const partsApart = PARTS.map((part) => ({
  name: `${part}-apart`,
  comment: `${part}/ does not import the other parts (${PARTS.filter((p) => p !== part).join(', ')})`,
  severity: 'error',
  from: { path: `^src/${part}/` },
  to: { path: `^src/(${PARTS.filter((p) => p !== part).join('|')})/` },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'import circles hide which module owns what; types included',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...climbs,
    ...partsApart,
    {
      name: 'beside-frameworks-not-above',
      comment: 'testing/ and index.ts may not import the frameworks, the service or the CLI',
      severity: 'error',
      from: { path: BESIDE_FRAMEWORKS },
      to: { path: either(LAYERS.slice(HTTP_INDEX + 1).map((layer) => layer.path)) },
    },
    {
      name: 'http-protocol-not-to-browser',
      comment: 'the protocol is below the sign-in pieces: http/browser/ may import http/, not back',
      severity: 'error',
      from: { path: '^src/http/', pathNot: '^src/http/browser/' },
      to: { path: '^src/http/browser/' },
    },
    {
      name: 'oidc-through-core',
      comment:
        'oidc/ reaches the directory through core/ (the same checks as a login), never ldap/',
      severity: 'error',
      from: { path: '^src/oidc/' },
      to: { path: '^src/ldap/' },
    },
    {
      name: 'oidc-provider-in-oidc-only',
      comment:
        'oidc-provider (and the Koa inside it) is loaded by oidc/ alone, only when OIDC is on',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/oidc/' },
      to: { path: '(^|/)node_modules/(@types/)?oidc-provider(/|$)' },
    },
    {
      name: 'http-no-framework',
      comment: 'http/ is the protocol without a framework; only adapters/ and server/ know one',
      severity: 'error',
      from: { path: '^src/http/' },
      to: {
        path: '(^|/)node_modules/(@types/)?(express|fastify|fastify-plugin|hono|@hono|koa|@koa|@nestjs)(/|$)',
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
