// TLS against a real slapd with a private CA made by openssl at test time: ldaps:// and StartTLS
// work, an untrusted or misnamed certificate is a 503 (never a 401) with a log line saying why,
// client certificates are presented when asked for, and TLS can be required. The slapd here
// refuses every operation on the data in clear text (`security tls=1`), so a success proves
// that TLS was in use, on the first connection and on the ones that replace it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createAuth } from '../../src/core/create-auth.js';
import type { Auth } from '../../src/core/types.js';
import { ConfigurationError } from '../../src/errors.js';
import { fromEnv } from '../../src/options/from-env.js';
import type { AuthOptions, LdapOptions } from '../../src/options/resolve.js';
import { serve } from '../../src/server/serve.js';
import { makePki, type TestPki } from '../helpers/certificates.js';
import { basicAuth, recordingLogger } from '../helpers/load.js';
import { SlapdMonitor, type SlapdServer, startSlapd } from '../helpers/slapd.js';

const TOP_DN = 'ou=people,dc=example,dc=org';
const SECRET = 'ldap-tls-test-secret-0123456789abcdef';

function options(
  ldap: Partial<LdapOptions> & { url: LdapOptions['url'] },
  logger?: AuthOptions['logger'],
): AuthOptions {
  return {
    secretKey: SECRET,
    ldap: { topDn: TOP_DN, timeoutMs: 2000, connectTimeoutMs: 1000, ...ldap },
    ...(logger ? { logger } : {}),
  };
}

async function startService(core: Auth) {
  const service = await serve(core, { host: '127.0.0.1', port: 0 });
  const login = (username: string, password: string) =>
    fetch(`${service.url}/auth/request-token`, {
      method: 'POST',
      headers: { authorization: basicAuth(username, password) },
    });
  return { ...service, login };
}

/** Asks for a token through the standalone service, with the right and a wrong password. */
async function answers(ldap: Parameters<typeof options>[0]) {
  const recorder = recordingLogger();
  const service = await startService(createAuth(options(ldap, recorder.logger)));
  try {
    const right = await service.login('alice', 'wonderland');
    const wrong = await service.login('alice', 'not-her-password');
    const body = (await right.json()) as { access_token?: string; error?: string };
    let hello: number | undefined;
    if (body.access_token) {
      hello = (
        await fetch(`${service.url}/`, {
          headers: { authorization: `Bearer ${body.access_token}` },
        })
      ).status;
    }
    await wrong.arrayBuffer();
    return {
      right: right.status,
      wrong: wrong.status,
      retryAfter: right.headers.get('retry-after'),
      hello,
      recorder,
    };
  } finally {
    await service.close();
  }
}

describe('real slapd over TLS, private CA', () => {
  let pki: TestPki;
  let ca: string;
  let slapd: SlapdServer;
  let wrongName: SlapdServer;
  before(async () => {
    pki = await makePki();
    ca = readFileSync(pki.caCert, 'utf8');
    const tls = { certFile: pki.serverCert, keyFile: pki.serverKey, caFile: pki.caCert };
    [slapd, wrongName] = await Promise.all([
      startSlapd({ tls, ldaps: true, monitor: true, databaseConfig: ['security tls=1'] }),
      startSlapd({
        tls: { certFile: pki.wrongNameCert, keyFile: pki.wrongNameKey },
        ldaps: true,
        databaseConfig: ['security tls=1'],
      }),
    ]);
  });
  after(async () => {
    await Promise.all([slapd?.stop(), wrongName?.stop()]);
    pki?.remove();
  });

  it('ldaps:// with the CA: a token, and it opens the protected route', async () => {
    const seen = await answers({ url: slapd.ldapsUrl!, tls: { ca } });
    assert.deepEqual([seen.right, seen.wrong, seen.hello], [200, 401, 200]);
  });

  it('StartTLS on ldap:// with the CA: a token (slapd refuses the same in clear text)', async () => {
    const seen = await answers({ url: slapd.url, startTls: true, tls: { ca } });
    assert.deepEqual([seen.right, seen.wrong, seen.hello], [200, 401, 200]);
    const clear = await answers({ url: slapd.url });
    assert.deepEqual([clear.right, clear.wrong], [503, 503], 'confidentialityRequired without TLS');
  });

  for (const mode of ['ldaps', 'StartTLS'] as const) {
    it(`${mode}, certificate from an unknown CA: 503 with Retry-After, never 401, and the log says why`, async () => {
      const url = mode === 'ldaps' ? slapd.ldapsUrl! : slapd.url;
      const seen = await answers({ url, startTls: mode === 'StartTLS' });
      assert.deepEqual([seen.right, seen.wrong], [503, 503]);
      assert.match(seen.retryAfter ?? '', /^\d+$/);
      const line = seen.recorder.lines.find((l) => l.fields.event === 'tls_verification_failed');
      assert.ok(line, JSON.stringify(seen.recorder.lines));
      assert.equal(line.level, 'error');
      assert.match(
        line.message,
        /certificate verification failed: .*SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO/,
      );
      assert.match(line.message, /LDAP_TLS_CA_FILE/);
    });
  }

  it('another CA than the one that signed the certificate: 503', async () => {
    const other = readFileSync(pki.otherCaCert, 'utf8');
    const seen = await answers({ url: slapd.ldapsUrl!, tls: { ca: other } });
    assert.deepEqual([seen.right, seen.wrong], [503, 503]);
    assert.ok(seen.recorder.events().includes('tls_verification_failed'));
  });

  it('a trusted certificate for another name: 503, unless that name is expected (servername)', async () => {
    for (const url of [wrongName.ldapsUrl!, wrongName.url]) {
      const seen = await answers({ url, startTls: url.startsWith('ldap:'), tls: { ca } });
      assert.deepEqual([seen.right, seen.wrong], [503, 503], url);
      const line = seen.recorder.lines.find((l) => l.fields.event === 'tls_verification_failed');
      assert.match(line?.message ?? '', /ERR_TLS_CERT_ALTNAME_INVALID/);
    }
    const named = await answers({
      url: wrongName.ldapsUrl!,
      tls: { ca, servername: 'other.example.org' },
    });
    assert.deepEqual([named.right, named.wrong], [200, 401]);
  });

  it('rejectUnauthorized: false accepts the unknown CA, and warns at start-up', async () => {
    const seen = await answers({ url: slapd.ldapsUrl!, tls: { rejectUnauthorized: false } });
    assert.deepEqual([seen.right, seen.wrong], [200, 401]);
    const warning = seen.recorder.lines.find((l) => l.fields.event === 'tls_verification_disabled');
    assert.equal(warning?.level, 'warn');
  });

  it('fromEnv: LDAP_AUTH_SERVER=ldaps://... with LDAP_TLS_CA_FILE, the recipe of docs/directories.md', async () => {
    const core = createAuth(
      fromEnv({
        SECRET_KEY: SECRET,
        LDAP_AUTH_SERVER: slapd.ldapsUrl,
        LDAP_TOP_DN: TOP_DN,
        LDAP_TLS_CA_FILE: pki.caCert,
      }),
    );
    try {
      const issued = await core.requestToken({ username: 'bob', password: 'can-we-fix-it' });
      assert.equal(issued.user.dn, `uid=bob,${TOP_DN}`);
    } finally {
      await core.close();
    }
  });

  it('requireTls refuses to start on ldap:// without StartTLS, before any connection', async () => {
    const monitor = await SlapdMonitor.open(slapd, { ca, host: '127.0.0.1' });
    try {
      const before = await monitor.connectionCounts();
      assert.throws(
        () => createAuth(options({ url: slapd.url, requireTls: true })),
        (error) => error instanceof ConfigurationError && error.option === 'ldap.requireTls',
      );
      assert.throws(
        () =>
          fromEnv({
            SECRET_KEY: SECRET,
            LDAP_AUTH_SERVER: slapd.url,
            LDAP_TOP_DN: TOP_DN,
            LDAP_REQUIRE_TLS: 'true',
          }),
        (error) => error instanceof ConfigurationError && error.variable === 'LDAP_REQUIRE_TLS',
      );
      // The default for a server on another machine.
      assert.throws(() => createAuth(options({ url: 'ldap://ldap.example.org' })), /clear text/);
      const core = createAuth(
        options({ url: slapd.url, requireTls: true, startTls: true, tls: { ca } }),
      );
      await core.requestToken({ username: 'alice', password: 'wonderland' });
      await core.close();
      const after = await monitor.connectionCounts();
      assert.equal(after.total - before.total, 2, 'only the StartTLS instance connected');
    } finally {
      await monitor.close();
    }
  });

  it('StartTLS with a service account: connections the server dropped come back upgraded and re-bound', async () => {
    const closed = await startSlapd({
      anonymousSearch: false,
      tls: { certFile: pki.serverCert, keyFile: pki.serverKey },
      databaseConfig: ['security tls=1'],
    });
    const service = await startService(
      createAuth(
        options({
          url: closed.url,
          startTls: true,
          tls: { ca },
          serviceAccount: { username: 'search-bot', password: 'bot-secret' },
        }),
      ),
    );
    try {
      assert.equal((await service.login('alice', 'wonderland')).status, 200);
      await closed.restart();
      // A connection back in clear text would get confidentialityRequired (13), an anonymous
      // one insufficientAccess (50): both 503.
      for (const [user, password] of [
        ['alice', 'wonderland'],
        ['bob', 'can-we-fix-it'],
      ] as const) {
        assert.equal((await service.login(user, password)).status, 200);
      }
    } finally {
      await service.close();
      await closed.stop();
    }
  });
});

describe('real slapd demanding a client certificate', () => {
  let pki: TestPki;
  let slapd: SlapdServer;
  before(async () => {
    pki = await makePki();
    slapd = await startSlapd({
      tls: {
        certFile: pki.serverCert,
        keyFile: pki.serverKey,
        caFile: pki.caCert,
        verifyClient: 'demand',
      },
      ldaps: true,
    });
  });
  after(async () => {
    await slapd?.stop();
    pki?.remove();
  });

  it('with LDAP_TLS_CERT_FILE and LDAP_TLS_KEY_FILE: a token; without, or with a stranger: 503', async () => {
    const env = (cert?: string, key?: string) => ({
      SECRET_KEY: SECRET,
      LDAP_AUTH_SERVER: slapd.ldapsUrl,
      LDAP_TOP_DN: TOP_DN,
      LDAP_TLS_CA_FILE: pki.caCert,
      LDAP_CONNECT_TIMEOUT_MS: '1000',
      ...(cert && key ? { LDAP_TLS_CERT_FILE: cert, LDAP_TLS_KEY_FILE: key } : {}),
    });
    const core = createAuth(fromEnv(env(pki.clientCert, pki.clientKey)));
    try {
      const issued = await core.requestToken({ username: 'alice', password: 'wonderland' });
      assert.equal(issued.user.username, 'alice');
    } finally {
      await core.close();
    }
    for (const [cert, key] of [[], [pki.strangerCert, pki.strangerKey]]) {
      const recorder = recordingLogger();
      const refused = createAuth({ ...fromEnv(env(cert, key)), logger: recorder.logger });
      try {
        await assert.rejects(
          refused.requestToken({ username: 'alice', password: 'wonderland' }),
          (error: Error) => error.name === 'DirectoryUnavailableError',
        );
        assert.ok(
          // TLS 1.3: slapd refuses the client by closing, after the handshake looked done.
          recorder.lines.some((line) =>
            /client certificate, set LDAP_TLS_CERT_FILE/.test(line.message),
          ),
          JSON.stringify(recorder.lines),
        );
      } finally {
        await refused.close();
      }
    }
  });
});
