// When user binds carry the password-policy request control, seen on the wire: a recording TCP
// proxy between the library and a real slapd keeps every byte the library sends, and the
// control's OID (an octet string in the BER) is looked for in them. `auto` asks the root DSE
// once and sends the control only to a slapd whose ppolicy overlay lists it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAuth } from '../../src/core/create-auth.js';
import { PasswordPolicyControl } from '../../src/ldap/password-policy-control.js';
import type { PasswordPolicyControlUse } from '../../src/options/resolve.js';
import { TOP_DN, USERS } from '../helpers/conformance-fixtures.js';
import { recordingProxy } from '../helpers/recording-proxy.js';
import { type SlapdServer, startSlapd } from '../helpers/slapd.js';

const occurrences = (text: string, needle: string) => text.split(needle).length - 1;

/** Three logins as alice through a fresh proxy; what the library sent. */
async function logins(slapd: SlapdServer, control: PasswordPolicyControlUse): Promise<string> {
  const proxy = await recordingProxy(slapd);
  const auth = createAuth({
    secretKey: 'policy-control-suite-secret-0123456789abc',
    ldap: { url: proxy.url, topDn: TOP_DN },
    passwordPolicy: { control },
  });
  try {
    for (let login = 0; login < 3; login++) await auth.requestToken(USERS.alice);
    return proxy.sent();
  } finally {
    await auth.close();
    await proxy.close();
  }
}

const OID = PasswordPolicyControl.type;

describe('the password-policy control on the wire, against slapd', () => {
  let plain: SlapdServer;
  let policed: SlapdServer;
  before(async () => {
    [plain, policed] = await Promise.all([
      startSlapd(),
      startSlapd({ overlays: [{ name: 'ppolicy', config: [] }] }),
    ]);
  });
  after(async () => {
    await Promise.all([plain?.stop(), policed?.stop()]);
  });

  it('auto: a slapd without the ppolicy overlay gets no control, after one root DSE read', async () => {
    const sent = await logins(plain, 'auto');
    assert.equal(occurrences(sent, OID), 0);
    assert.equal(occurrences(sent, 'supportedControl'), 1);
  });

  it('auto: a slapd with the overlay gets it on every bind', async () => {
    const sent = await logins(policed, 'auto');
    assert.equal(occurrences(sent, OID), 3);
    assert.equal(occurrences(sent, 'supportedControl'), 1);
  });

  it('always and never skip the root DSE and do as they say', async () => {
    const always = await logins(plain, 'always');
    assert.equal(occurrences(always, OID), 3);
    assert.equal(occurrences(always, 'supportedControl'), 0);
    const never = await logins(policed, 'never');
    assert.equal(occurrences(never, OID), 0);
    assert.equal(occurrences(never, 'supportedControl'), 0);
  });
});
