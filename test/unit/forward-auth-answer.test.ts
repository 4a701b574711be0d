// The forward-auth answer's headers: all four on every 200, whatever the token carries, each a
// value any proxy can copy, so that a proxy's replacement of a client's forgery never depends on
// which claims a token happens to have.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import type { AuthenticatedUser } from '../../src/core/types.js';
import { forwardAuthAnswer } from '../../src/http/forward-auth.js';

const NAMES = ['X-Auth-User', 'X-Auth-Groups', 'X-Auth-Email', 'X-Auth-Name'];

function user(
  username: string,
  groups: string[],
  extra: Record<string, unknown> = {},
): AuthenticatedUser {
  const claims = { sub: username, dn: `uid=${username}`, iat: 0, exp: 1, jti: 'j', ...extra };
  return { username, dn: claims.dn, attributes: {}, groups, claims } as AuthenticatedUser;
}

it('no groups, email or name: the three headers are sent, empty', () => {
  const { status, headers } = forwardAuthAnswer(user('alice', []));
  assert.equal(status, 200);
  assert.deepEqual(
    NAMES.map((name) => headers?.[name]),
    ['alice', '', '', ''],
  );
});

it('a name or email that is not a string (an array, a number) is sent empty, not stringified', () => {
  const { headers } = forwardAuthAnswer(user('alice', [], { name: ['A', 'B'], email: 42 }));
  assert.equal(headers?.['X-Auth-Name'], '');
  assert.equal(headers?.['X-Auth-Email'], '');
});

it('property: every header on every answer, printable ASCII, groups split back one for one', () => {
  const text = fc.string({ unit: 'grapheme', maxLength: 24 });
  fc.assert(
    fc.property(
      text,
      fc.array(
        text.filter((group) => group !== ''),
        { maxLength: 6 },
      ),
      fc.option(text, { nil: undefined }),
      fc.option(text, { nil: undefined }),
      (username, groups, email, name) => {
        const { headers = {} } = forwardAuthAnswer(user(username, groups, { email, name }));
        for (const header of NAMES) {
          assert.equal(typeof headers[header], 'string', header);
          assert.match(headers[header]!, /^[\x20-\x7e]*$/, header);
        }
        const sent = headers['X-Auth-Groups']!;
        const decoded = sent === '' ? [] : sent.split(',').map(decodeURIComponent);
        assert.deepEqual(decoded, groups);
        assert.equal(decodeURIComponent(headers['X-Auth-Email']!), email ?? '');
        assert.equal(decodeURIComponent(headers['X-Auth-Name']!), name ?? '');
      },
    ),
  );
});
