// npm run demo's app: the walkthrough plus a group-protected /admin that alice (in admins, by
// the memberOf stored in the demo directory) may see and bob may not.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { startDemo } from '../../src/cli/demo.js';
import { basic } from '../helpers/conformance-fixtures.js';

it('the demo: /admin answers alice 200 with her cn, bob 403', async () => {
  const demo = await startDemo({ host: '127.0.0.1', port: 0 });
  try {
    const token = async (username: string, password: string) => {
      const answer = await fetch(`${demo.url}/auth/request-token`, {
        method: 'POST',
        headers: { authorization: basic(username, password) },
      });
      return ((await answer.json()) as { access_token: string }).access_token;
    };
    const admin = (token: string) =>
      fetch(`${demo.url}/admin`, { headers: { authorization: `Bearer ${token}` } });
    const alice = await admin(await token('alice', 'wonderland'));
    assert.equal(alice.status, 200);
    assert.equal(await alice.text(), 'hello, Alice Liddell (admins)');
    const bob = await admin(await token('bob', 'builder'));
    assert.equal(bob.status, 403);
    assert.equal(((await bob.json()) as { error: string }).error, 'forbidden');
  } finally {
    await demo.close();
  }
});
