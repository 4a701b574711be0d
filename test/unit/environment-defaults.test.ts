import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BROWSER_VARIABLES } from '../../src/options/environment/browser.js';
import { DIRECTORY_VARIABLES } from '../../src/options/environment/directory.js';
import { IDENTITY_VARIABLES } from '../../src/options/environment/identity.js';
import { STORE_VARIABLES } from '../../src/options/environment/stores.js';
import { TOKEN_VARIABLES } from '../../src/options/environment/tokens.js';
import { ENVIRONMENT, fromEnv } from '../../src/options/from-env.js';
import { resolveOptions } from '../../src/options/resolve.js';
import { schemaDefaults } from '../../src/options/schema/defaults.js';

// A remote server over ldaps://, so that LDAP_REQUIRE_TLS's documented default applies.
const REQUIRED = {
  SECRET_KEY: 'a-secret-of-at-least-32-bytes-0123456789',
  LDAP_AUTH_SERVER: 'ldaps://ldap.example.org',
  LDAP_TOP_DN: 'ou=people,dc=example,dc=org',
} as const;

describe('the environment table and the schema', () => {
  it('each documented default resolves to what leaving the variable unset does', () => {
    const documented = ENVIRONMENT.filter((variable) => !variable.service && variable.default);
    assert.ok(documented.length > 40, 'the schema defaults reach the table');
    for (const variable of documented) {
      // The Redis settings count only beside a Redis server.
      const base = variable.option.startsWith('redis.')
        ? { ...REQUIRED, REDIS_URL: 'redis://localhost:6379' }
        : REQUIRED;
      const unset = resolveOptions(fromEnv({ ...base }));
      const set = resolveOptions(fromEnv({ ...base, [variable.name]: variable.default }));
      assert.deepEqual(set, unset, `${variable.name}=${variable.default} is not its default`);
    }
  });

  it('every option the schema defaults shows its default in the table', () => {
    const defaults = schemaDefaults();
    for (const variable of ENVIRONMENT.filter((candidate) => !candidate.service)) {
      const value = defaults.get(variable.option);
      if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
      assert.ok(variable.default, `${variable.name} shows no default`);
    }
  });

  it('a section file states no default the schema already has', () => {
    const defaults = schemaDefaults();
    const rows = [
      ...DIRECTORY_VARIABLES,
      ...TOKEN_VARIABLES,
      ...STORE_VARIABLES,
      ...BROWSER_VARIABLES,
      ...IDENTITY_VARIABLES,
    ];
    for (const row of rows) {
      if (row.default === undefined) continue;
      assert.ok(!defaults.has(row.option), `${row.name} repeats the schema's default`);
    }
  });
});
