// Issue 14 on Active Directory (a Samba AD DC, test/helpers/samba.ts): `alice`, `alice@realm` and
// `DOMAIN\alice` in any case are one subject (the entry's sAMAccountName as stored) and one
// login-limit key, so that a lockout earned under one form is not escaped under another
// (`D1\alice`, `D2\alice`... each used to get five more guesses).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAuth } from '../../src/core/create-auth.js';
import type { Auth } from '../../src/core/types.js';
import { InvalidCredentialsError, RateLimitedError } from '../../src/errors.js';
import type { AuthOptions } from '../../src/options/resolve.js';
import { type SambaDomain, startSamba, UAC } from '../helpers/samba.js';

const PASSWORD = 'Correct-Horse-7';
const SERVICE = { sam: 'svc-search', password: 'Search-Service-7' };
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('Active Directory: one person, one subject, one limit (Samba AD DC)', () => {
  let dc: SambaDomain;
  const auths: Auth[] = [];
  /** User binds that reached the domain controller, as the core reports them. */
  let binds = 0;

  before(async () => {
    dc = await startSamba();
    await dc.addUser({
      sam: SERVICE.sam,
      displayName: 'Search Service',
      password: SERVICE.password,
      userAccountControl: UAC.NORMAL_ACCOUNT | UAC.DONT_EXPIRE_PASSWORD,
    });
    await dc.addUser({ sam: 'alice', displayName: 'Alice Liddell', password: PASSWORD });
    await dc.addUser({ sam: 'Bob.Builder', displayName: 'Bob Builder', password: PASSWORD });
  });
  after(async () => {
    for (const each of auths) await each.close();
    await dc?.stop();
  });

  function auth(options: Partial<AuthOptions> = {}): Auth {
    const created = createAuth({
      secretKey: 'active-directory-identity-secret-0123456789',
      ldap: {
        url: dc.url,
        topDn: dc.baseDn,
        preset: 'activedirectory',
        serviceAccount: { username: `${SERVICE.sam}@example.test`, password: SERVICE.password },
      },
      events: {
        ldapOperation: (event) => {
          if (event.operation === 'bind') binds++;
        },
      },
      ...options,
    });
    auths.push(created);
    return created;
  }

  it('alice, alice@realm and DOMAIN\\alice, in any case, are one subject: the sAMAccountName', async () => {
    const core = auth({ loginLimits: { enabled: false } });
    for (const username of [
      'alice',
      'ALICE',
      'alice@example.test',
      'ALICE@EXAMPLE.TEST',
      'EXAMPLE\\alice',
      'example\\ALICE',
    ]) {
      const issued = await core.requestToken({ username, password: PASSWORD });
      assert.equal(issued.user.username, 'alice', username);
      assert.equal(issued.user.claims.preferred_username, 'alice', username);
    }
    // As stored, case included: Bob.Builder however typed.
    for (const username of ['bob.builder', 'EXAMPLE\\BOB.BUILDER', 'bob.builder@example.test']) {
      const issued = await core.requestToken({ username, password: PASSWORD });
      assert.equal(issued.user.username, 'Bob.Builder', username);
    }
  });

  it('LDAP_SUBJECT_ATTRIBUTE=objectGUID: the GUID in text form, the same for every form', async () => {
    const core = auth({
      loginLimits: { enabled: false },
      user: { subjectAttribute: 'objectGUID' },
    });
    const subjects = new Set<string>();
    for (const username of ['alice', 'alice@example.test', 'EXAMPLE\\alice']) {
      subjects.add((await core.requestToken({ username, password: PASSWORD })).user.username);
    }
    assert.equal(subjects.size, 1);
    assert.match([...subjects][0]!, GUID);
  });

  it('a lockout earned as alice holds for D1\\alice, D2\\alice..., alice@realm: no more guesses', async () => {
    const core = auth({
      loginLimits: { perUsername: { failures: 5, windowSeconds: 600, lockoutSeconds: 600 } },
    });
    const start = binds;
    for (let attempt = 0; attempt < 5; attempt++) {
      await assert.rejects(
        core.requestToken({ username: 'alice', password: `wrong-${attempt}` }),
        InvalidCredentialsError,
      );
    }
    assert.equal(binds - start, 5);
    const forms = ['D1\\alice', 'D2\\alice', 'D3\\alice', 'D4\\alice', 'alice@example.test'];
    for (const username of [...forms, 'EXAMPLE\\ALICE', ' alice ']) {
      await assert.rejects(
        core.requestToken({ username, password: PASSWORD }),
        RateLimitedError,
        username,
      );
    }
    assert.equal(binds - start, 5, 'no bind after the lockout, whatever the form');
  });
});
