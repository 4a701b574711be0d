// Which stores a configuration keeps in process memory: what `serve --workers N` refuses to split.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type AuthOptions, resolveOptions } from '../../src/options/resolve.js';
import { storesInMemory } from '../../src/stores/stores.js';

const ldap = { url: 'ldap://127.0.0.1:1', topDn: 'ou=people,dc=example,dc=org' };
const stores = (options: Partial<AuthOptions>) =>
  storesInMemory(
    resolveOptions({ secretKey: 'stores-in-memory-secret-0123456789abcdef', ldap, ...options }),
  );

it('login limits are on by default, so a bare configuration keeps them in memory', () => {
  assert.deepEqual(stores({}), ['login limits (LOGIN_LIMITS)']);
});

it('revocation in memory is named with the refresh exchanges it also holds', () => {
  assert.deepEqual(stores({ revocation: { enabled: true } }), [
    'login limits (LOGIN_LIMITS)',
    'revocations and refresh exchanges (TOKEN_REVOCATION)',
  ]);
});

it('nothing in memory with both stores off, or with every store on Redis', () => {
  assert.deepEqual(stores({ loginLimits: { enabled: false } }), []);
  assert.deepEqual(
    stores({ revocation: { enabled: true }, redis: { url: 'redis://127.0.0.1:1' } }),
    [],
  );
});

it('the sign-in page keeps its sessions in memory too: sign-outs and re-check claims', () => {
  assert.deepEqual(stores({ loginLimits: { enabled: false }, browser: { enabled: true } }), [
    'browser sign-outs and session re-checks (LOGIN_PAGE)',
  ]);
  const shared = { browser: { enabled: true }, redis: { url: 'redis://127.0.0.1:1' } };
  assert.deepEqual(stores(shared), []);
});
