// Proves the interop helpers against the real tools: slapd flavours checked with ldapsearch and
// ldapwhoami, process control by PID, and the httpie/curl output parsing.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { runCurl, runHttpie } from '../helpers/httpie.js';
import { freePort } from '../helpers/ports.js';
import { isPidAlive, resolveBinary, runCommand, startProcess } from '../helpers/process.js';
import { type SlapdServer, startSlapd } from '../helpers/slapd.js';

const ALICE = 'uid=alice,ou=people,dc=example,dc=org';
const JOZEF = 'uid=jozef,ou=people,dc=example,dc=org';
const BOT = 'uid=search-bot,ou=people,dc=example,dc=org';
const PEOPLE = 'ou=people,dc=example,dc=org';

interface Bind {
  dn: string;
  password: string;
}

function ldapsearch(server: SlapdServer, filter: string, bind?: Bind, ...attrs: string[]) {
  const credentials = bind ? ['-D', bind.dn, '-w', bind.password] : [];
  return runCommand(
    'ldapsearch',
    [
      '-x',
      '-LLL',
      '-o',
      'ldif-wrap=no',
      '-H',
      server.url,
      ...credentials,
      '-b',
      PEOPLE,
      filter,
    ].concat(attrs),
    { timeoutMs: 5000 },
  );
}

function ldapwhoami(server: SlapdServer, bind: Bind) {
  return runCommand('ldapwhoami', ['-x', '-H', server.url, '-D', bind.dn, '-w', bind.password], {
    timeoutMs: 5000,
  });
}

/** Value of `attr` in ldapsearch LDIF output, decoding `attr:: base64`. */
function ldifValue(ldif: string, attr: string): string | undefined {
  const match = new RegExp(`^${attr}(::?) (.*)$`, 'm').exec(ldif);
  if (!match) return undefined;
  return match[1] === '::' ? Buffer.from(match[2] ?? '', 'base64').toString('utf8') : match[2];
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('slapd, open flavour', () => {
  let server: SlapdServer;
  before(async () => {
    server = await startSlapd();
  });
  after(() => server?.stop());

  it('starts on a loopback port with the fixture data', () => {
    assert.match(server.url, /^ldap:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(server.baseDn, 'dc=example,dc=org');
    assert.equal(server.rootDn, 'cn=admin,dc=example,dc=org');
    assert.ok(isPidAlive(server.pid));
  });

  it('lets anonymous find uid=alice, but never shows userPassword', async () => {
    const result = await ldapsearch(server, '(uid=alice)', undefined, 'cn', 'userPassword');
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^dn: ${ALICE}$`, 'm'));
    assert.equal(ldifValue(result.stdout, 'cn'), 'Alice Liddell');
    assert.equal(ldifValue(result.stdout, 'userPassword'), undefined);
  });

  it('stores the UTF-8 values of the fixture intact', async () => {
    const result = await ldapsearch(server, '(uid=jozef)', undefined, 'cn');
    assert.equal(ldifValue(result.stdout, 'cn'), 'Józef Piłsudski');
  });

  it('lets alice and jozef bind with their passwords, and refuses a wrong one', async () => {
    const alice = await ldapwhoami(server, { dn: ALICE, password: 'wonderland' });
    assert.equal(alice.exitCode, 0, alice.stderr);
    assert.equal(alice.stdout.trim(), `dn:${ALICE}`);
    const jozef = await ldapwhoami(server, { dn: JOZEF, password: 'zażółć gęślą jaźń' });
    assert.equal(jozef.exitCode, 0, jozef.stderr);
    assert.equal(jozef.stdout.trim(), `dn:${JOZEF}`);
    const wrong = await ldapwhoami(server, { dn: ALICE, password: 'looking-glass' });
    assert.equal(wrong.exitCode, 49, 'invalidCredentials');
  });

  it('pause() makes it hang and resume() brings it back', async () => {
    await server.pause();
    const hung = await runCommand(
      'ldapsearch',
      ['-x', '-LLL', '-H', server.url, '-b', PEOPLE, '(uid=alice)', 'dn'],
      { timeoutMs: 500 },
    );
    assert.equal(hung.signal, 'SIGKILL', 'killed by the timeout while slapd was stopped');
    server.resume();
    const back = await ldapsearch(server, '(uid=alice)', undefined, 'dn');
    assert.equal(back.exitCode, 0, back.stderr);
  });

  it('restart() comes back on the same port with the same data, also after a crash', async () => {
    const { port, pid: firstPid } = server;
    await server.restart();
    assert.equal(server.port, port);
    assert.notEqual(server.pid, firstPid);
    assert.equal(isPidAlive(firstPid), false);

    await server.kill();
    assert.equal(server.running, false);
    assert.equal(await portAccepts(port), false);
    await server.restart();
    const result = await ldapsearch(server, '(uid=alice)', undefined, 'dn');
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^dn: ${ALICE}$`, 'm'));
  });
});

describe('slapd, closed flavour (anonymous may only bind)', () => {
  let server: SlapdServer;
  before(async () => {
    server = await startSlapd({ anonymousSearch: false });
  });
  after(() => server?.stop());

  it('refuses an anonymous search with insufficientAccess (50) and no entries', async () => {
    const result = await ldapsearch(server, '(uid=alice)');
    assert.equal(result.exitCode, 50, `${result.stdout}${result.stderr}`);
    assert.doesNotMatch(result.stdout, /uid=alice/);
  });

  it('lets the service account search', async () => {
    const result = await ldapsearch(
      server,
      '(uid=alice)',
      { dn: BOT, password: 'bot-secret' },
      'mail',
    );
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^dn: ${ALICE}$`, 'm'));
    assert.equal(ldifValue(result.stdout, 'mail'), 'alice@example.org');
  });

  it('lets alice and jozef bind', async () => {
    const alice = await ldapwhoami(server, { dn: ALICE, password: 'wonderland' });
    assert.equal(alice.exitCode, 0, alice.stderr);
    const jozef = await ldapwhoami(server, { dn: JOZEF, password: 'zażółć gęślą jaźń' });
    assert.equal(jozef.exitCode, 0, jozef.stderr);
  });

  it('stop() ends the PID, closes the port and removes the temp directory', async () => {
    const other = await startSlapd({ anonymousSearch: false });
    const { pid, port, dir } = other;
    assert.ok(isPidAlive(pid));
    assert.ok(await portAccepts(port));
    await other.stop();
    // It exited on the SIGTERM, by itself: the SIGKILL fallback would show as the signal. (Its
    // exit code is slapd's business: on a busy machine it has been 1 after a SIGTERM.)
    assert.ok(other.exitStatus, 'the process exit was seen');
    assert.equal(other.exitStatus.signal, null, 'stopped by SIGTERM, not killed');
    assert.equal(isPidAlive(pid), false);
    assert.equal(await portAccepts(port), false);
    assert.equal(existsSync(dir), false);
  });
});

describe('slapd options', () => {
  it('`access` replaces the flavour ACL: hiding entries from anonymous answers noSuchObject (32)', async () => {
    const server = await startSlapd({
      access: [
        'access to attrs=userPassword by self write by anonymous auth by * none',
        'access to * by users read by * none',
      ],
    });
    try {
      const anonymous = await ldapsearch(server, '(uid=alice)');
      assert.equal(anonymous.exitCode, 32, `${anonymous.stdout}${anonymous.stderr}`);
      const alice = await ldapwhoami(server, { dn: ALICE, password: 'wonderland' });
      assert.equal(alice.exitCode, 0, alice.stderr);
    } finally {
      await server.stop();
    }
  });

  it('extraLdif adds entries, and a hashed userPassword works', async () => {
    const hash = await runCommand('slappasswd', ['-s', 'hatter-secret', '-h', '{SSHA}']);
    assert.equal(hash.exitCode, 0, hash.stderr);
    const server = await startSlapd({
      extraLdif: [
        'dn: uid=hatter,ou=people,dc=example,dc=org',
        'objectClass: inetOrgPerson',
        'uid: hatter',
        'cn: Mad Hatter',
        'sn: Hatter',
        `userPassword: ${hash.stdout.trim()}`,
        '',
      ].join('\n'),
    });
    try {
      const dn = 'uid=hatter,ou=people,dc=example,dc=org';
      const ok = await ldapwhoami(server, { dn, password: 'hatter-secret' });
      assert.equal(ok.exitCode, 0, ok.stderr);
    } finally {
      await server.stop();
    }
  });

  it('a configuration error is reported with slapd’s own message', async () => {
    await assert.rejects(
      startSlapd({ globalConfig: ['no-such-directive yes'] }),
      (error: Error) => {
        assert.match(error.message, /slapadd|slapd/);
        assert.match(error.message, /no-such-directive/);
        return true;
      },
    );
  });
});

describe('process helpers', () => {
  it('a missing binary is an error naming the Debian package', async () => {
    assert.throws(() => resolveBinary('no-such-binary-here', 'some-package'), /"some-package"/);
    assert.match(resolveBinary('slapd'), /\/slapd$/);
    await assert.rejects(
      startProcess({ command: 'no-such-binary-here', args: [], debianPackage: 'some-package' }),
      /apt-get install some-package/,
    );
  });

  it('a server that dies before it is ready fails with its stderr', async () => {
    const port = await freePort();
    await assert.rejects(
      startProcess({
        command: 'sh',
        args: ['-c', 'echo "cannot open the frobnicator" >&2; exit 3'],
        ready: { port, timeoutMs: 5000 },
      }),
      (error: Error) => {
        assert.match(error.message, /exited before it accepted connections/);
        assert.match(error.message, /exit code 3/);
        assert.match(error.message, /cannot open the frobnicator/);
        return true;
      },
    );
  });

  it('stop() falls back to SIGKILL when SIGTERM is ignored', async () => {
    const port = await freePort();
    const child = await startProcess({
      command: process.execPath,
      args: [
        '-e',
        `process.on('SIGTERM', () => {}); require('node:net').createServer().listen(${port}, '127.0.0.1')`,
      ],
      ready: { port },
    });
    await child.stop(300);
    assert.equal(child.exitStatus?.signal, 'SIGKILL');
    assert.equal(isPidAlive(child.pid), false);
  });
});

describe('HTTP clients', () => {
  let server: Server;
  let url: string;
  before(async () => {
    server = createServer((request, response) => {
      response.setHeader('WWW-Authenticate', 'Bearer realm="ldap-token-auth"');
      response.setHeader('Set-Cookie', ['a=1', 'b=2']);
      response.writeHead(401, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ error: 'unauthorized', path: request.url }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    assert.ok(address && typeof address === 'object');
    url = `http://127.0.0.1:${address.port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  for (const [name, run] of [
    ['httpie', runHttpie],
    ['curl', runCurl],
  ] as const) {
    it(`${name}: parses status line, headers and body of a 401`, async () => {
      const result = await run([`${url}/whoami`]);
      assert.equal(result.exitCode, 0, result.stderr);
      assert.equal(result.status, 401);
      assert.equal(result.statusText, 'Unauthorized');
      assert.equal(result.headers['www-authenticate'], 'Bearer realm="ldap-token-auth"');
      assert.equal(result.headers['content-type'], 'application/json');
      assert.deepEqual(
        result.rawHeaders.filter(([header]) => header.toLowerCase() === 'set-cookie'),
        [
          ['Set-Cookie', 'a=1'],
          ['Set-Cookie', 'b=2'],
        ],
      );
      assert.deepEqual(JSON.parse(result.body), { error: 'unauthorized', path: '/whoami' });
    });
  }

  it('httpie --check-status turns the 401 into exit code 4', async () => {
    const result = await runHttpie(['--check-status', `${url}/`]);
    assert.equal(result.exitCode, 4);
    assert.equal(result.status, 401);
  });

  it('a refused connection has no status', async () => {
    const port = await freePort();
    const result = await runHttpie([`http://127.0.0.1:${port}/`]);
    assert.notEqual(result.exitCode, 0);
    assert.equal(result.status, undefined);
    assert.match(result.stderr, /onnection/);
  });
});
