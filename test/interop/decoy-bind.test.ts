// No username enumeration by what the directory is asked: an unknown or ambiguous name costs
// slapd exactly the one bind a wrong password costs (counted by slapd's cn=Monitor), made as the
// decoy DN with the password typed (seen on the wire through a recording proxy). The decoy's
// refusal is the same 401; an outage during it is still a 503; and a directory that had the decoy
// entry would still let nobody in through it.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { Client } from 'ldapts';
import { createAuth } from '../../src/core/create-auth.js';
import type { Auth } from '../../src/core/types.js';
import { decoyDn } from '../../src/ldap/decoy.js';
import { startTestDirectory } from '../../src/testing/index.js';
import { FIXTURE, TOP_DN, USERS } from '../helpers/conformance-fixtures.js';
import { type RecordingProxy, recordingProxy } from '../helpers/recording-proxy.js';
import { personLdif, SlapdMonitor, type SlapdServer, startSlapd } from '../helpers/slapd.js';

const DECOY = decoyDn(TOP_DN);
const occurrences = (text: string, needle: string) => text.split(needle).length - 1;

describe('the decoy bind of unknown and ambiguous usernames, against slapd', () => {
  let slapd: SlapdServer;
  let monitor: SlapdMonitor;
  let proxy: RecordingProxy;
  let auth: Auth;

  before(async () => {
    slapd = await startSlapd({
      monitor: true,
      extraLdif: [personLdif('twin-a', ['cn: twins']), personLdif('twin-b', ['cn: twins'])].join(
        '\n',
      ),
    });
    monitor = await SlapdMonitor.open(slapd);
    proxy = await recordingProxy(slapd);
    auth = createAuth({
      secretKey: 'decoy-bind-suite-secret-0123456789abcdef',
      ldap: { url: proxy.url, topDn: TOP_DN, timeoutMs: 5000, connectTimeoutMs: 2000 },
      loginLimits: { enabled: false },
    });
  });
  after(async () => {
    await auth?.close();
    await proxy?.close();
    await monitor?.close();
    await slapd?.stop();
  });

  /** A refused login: its error code, the binds slapd received, what the library sent. */
  async function refusedLogin(username: string, password: string, criteria?: string) {
    const binds = (await monitor.operations()).binds;
    const mark = proxy.sent().length;
    const error = await auth
      .requestToken({ username, password }, { searchCriteria: criteria })
      .then(
        () => assert.fail(`${username} logged in`),
        (caught: { code: string }) => caught,
      );
    return {
      code: error.code,
      binds: (await monitor.operations()).binds - binds,
      sent: proxy.sent().slice(mark),
    };
  }

  it('a wrong password: one bind, as the user, and no decoy', async () => {
    const wrong = await refusedLogin('alice', 'not-her-password');
    assert.deepEqual([wrong.code, wrong.binds], ['ERR_INVALID_CREDENTIALS', 1]);
    assert.equal(occurrences(wrong.sent, USERS.alice.dn), 1);
    assert.equal(occurrences(wrong.sent, DECOY), 0);
  });

  it('an unknown user: the same 401 after one bind, as the decoy DN, with the password typed', async () => {
    const unknown = await refusedLogin('nobody-at-all', 'typed-by-nobody');
    assert.deepEqual([unknown.code, unknown.binds], ['ERR_INVALID_CREDENTIALS', 1]);
    assert.equal(occurrences(unknown.sent, DECOY), 1);
    assert.equal(occurrences(unknown.sent, 'typed-by-nobody'), 1);
  });

  it('a name that matches two entries: one bind, as the decoy, never as either of them', async () => {
    const twins = await refusedLogin('twins', 'twin-a-password', 'cn');
    assert.deepEqual([twins.code, twins.binds], ['ERR_INVALID_CREDENTIALS', 1]);
    assert.equal(occurrences(twins.sent, DECOY), 1);
    assert.equal(occurrences(twins.sent, 'uid=twin-a'), 0);
  });

  it('an injection that would match everyone binds as the decoy too', async () => {
    const star = await refusedLogin('*', USERS.alice.password);
    assert.deepEqual([star.code, star.binds], ['ERR_INVALID_CREDENTIALS', 1]);
    assert.equal(occurrences(star.sent, DECOY), 1);
    assert.equal(occurrences(star.sent, USERS.alice.dn), 0);
  });

  it('an outage during the decoy bind is a 503, not a 401; the next one is a 401 again', async () => {
    proxy.cutWhenSent(DECOY);
    try {
      const cut = await refusedLogin('nobody-during-outage', 'some-password');
      assert.equal(cut.code, 'ERR_DIRECTORY_UNAVAILABLE');
    } finally {
      proxy.cutWhenSent(undefined);
    }
    const again = await refusedLogin('nobody-after-outage', 'some-password');
    assert.equal(again.code, 'ERR_INVALID_CREDENTIALS');
  });
});

describe('the decoy cannot log anyone in', () => {
  it('even against a directory that has the decoy entry, with that very password', async () => {
    const password = 'the-decoy-password';
    const directory = await startTestDirectory({
      ldif: `${await readFile(FIXTURE, 'utf8')}
dn: ${DECOY}
objectClass: person
cn: ${DECOY.slice(3, DECOY.indexOf(','))}
sn: decoy
userPassword: ${password}
`,
    });
    const auth = createAuth({
      secretKey: 'decoy-bind-suite-secret-0123456789abcdef',
      ldap: { url: directory.url, topDn: TOP_DN },
    });
    const client = new Client({ url: directory.url });
    try {
      // Control: this directory does accept the decoy DN with that password.
      await client.bind(DECOY, password);
      const binds = directory.stats.binds;
      await assert.rejects(auth.requestToken({ username: 'nobody', password }), {
        code: 'ERR_INVALID_CREDENTIALS',
      });
      // The decoy bind succeeded, and that one bind was all (bind connections are never reset);
      // the login was refused all the same.
      assert.equal(directory.stats.binds, binds + 1);
    } finally {
      await client.unbind();
      await auth.close();
      await directory.close();
    }
  });
});
