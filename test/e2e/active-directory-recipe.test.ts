// docs/recipes/active-directory.md as a new user follows it, against a real Active Directory
// domain controller (Samba AD, test/helpers/samba.ts): its shell blocks run as written in bash,
// with the built `ldap-token-auth` (dist/cli.js) on PATH. Only the recipe's placeholders are
// replaced, each by its exact text: the domain controllers' names, the top DN, the service
// account's UPN and password, the CA file, the NetBIOS name and the port; any other edit to a
// block is what runs. `check` must pass and show the sAMAccountName as `sub`, and the served
// token endpoint must give `alice`, `EXAMPLE\alice` and `alice@example.test` one subject.
// `npm test` builds dist/ first; alone: `npx tsup --silent` before running this file.
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import { ENVIRONMENT } from '../../src/options/from-env.js';
import { fencedBlocks } from '../helpers/markdown.js';
import { freePort } from '../helpers/ports.js';
import {
  type ManagedProcess,
  registerExitCleanup,
  runCommand,
  startProcess,
} from '../helpers/process.js';
import { type SambaDomain, startSamba, UAC } from '../helpers/samba.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RECIPE = join(ROOT, 'docs', 'recipes', 'active-directory.md');
const CLI = join(ROOT, 'dist', 'cli.js');
const PASSWORD = 'Correct-Horse-7';
const SERVICE = { sam: 'svc-token', password: 'Token-Service-7' };
/** userAccountControl of a domain member computer (MS-ADTS 2.2.16). */
const WORKSTATION_TRUST_ACCOUNT = 0x1000;

/** The recipe's placeholders, each replaced where it stands and nowhere else. */
const PLACEHOLDERS = {
  firstDc: 'dc1.corp.example.org',
  secondDc: 'dc2.corp.example.org',
  topDn: 'OU=Staff,DC=corp,DC=example,DC=org',
  serviceUpn: 'svc-token@corp.example.org',
  servicePassword: 'LDAP_PASSWORD=...',
  caFile: '/etc/ssl/certs/corp-root-ca.pem',
  domainUser: 'CORP\\alice',
  port: '--port 5000',
} as const;

function replaceOnce(block: string, placeholder: string, value: string): string {
  assert.ok(block.includes(placeholder), `the block has ${placeholder}:\n${block}`);
  return block.replace(placeholder, value);
}

describe('docs/recipes/active-directory.md, run as written against Samba AD', () => {
  let dc: SambaDomain;
  let recipe: string;
  let configuration: string;
  let checkBlock: string;
  let serveBlock: string;
  let folder: string;
  let caFile: string;

  before(async () => {
    assert.ok(existsSync(CLI), `${CLI} is missing: build it first (npx tsup --silent)`);
    recipe = await readFile(RECIPE, 'utf8');
    const shell = await fencedBlocks(RECIPE, 'sh');
    configuration = shell.find((block) => block.includes('export SECRET_KEY')) ?? '';
    checkBlock = shell.find((block) => block.startsWith('ldap-token-auth check')) ?? '';
    serveBlock = shell.find((block) => block.startsWith('ldap-token-auth serve')) ?? '';
    assert.ok(configuration && checkBlock && serveBlock, 'configuration, check and serve blocks');
    folder = await mkdtemp(join(tmpdir(), 'ad-recipe-'));
    registerExitCleanup(() => rmSync(folder, { recursive: true, force: true }));
    const shim = join(folder, 'ldap-token-auth');
    await writeFile(shim, `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`);
    await chmod(shim, 0o755);
    dc = await startSamba();
    caFile = join(folder, 'corp-root-ca.pem');
    await writeFile(caFile, dc.ca);
    await dc.addUser({
      sam: SERVICE.sam,
      displayName: 'Token Service',
      password: SERVICE.password,
      userAccountControl: UAC.NORMAL_ACCOUNT | UAC.DONT_EXPIRE_PASSWORD,
    });
    const alice = await dc.addUser({
      sam: 'alice',
      displayName: 'Alice Liddell',
      password: PASSWORD,
    });
    await dc.addGroup('Token Users', [alice]);
    // In no group but Domain Users, his primary group, which AD keeps out of memberOf.
    await dc.addUser({ sam: 'Bob.Builder', displayName: 'Bob Builder', password: PASSWORD });
    // A computer account is a `user` too (objectClass), but not a person (objectCategory).
    await dc.addUser({
      sam: 'ws01$',
      displayName: 'WS01',
      password: PASSWORD,
      userAccountControl: WORKSTATION_TRUST_ACCOUNT,
      attributes: { objectClass: ['top', 'person', 'organizationalPerson', 'user', 'computer'] },
    });
  });
  after(async () => {
    await dc?.stop();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  /** The configuration block with its placeholders replaced by this domain's values. */
  function configured(edit: (block: string) => string = (block) => block): string {
    let block = configuration;
    block = replaceOnce(block, PLACEHOLDERS.firstDc, 'localhost');
    block = replaceOnce(block, PLACEHOLDERS.secondDc, '127.0.0.1');
    block = replaceOnce(block, PLACEHOLDERS.topDn, dc.usersDn);
    block = replaceOnce(block, PLACEHOLDERS.serviceUpn, `${SERVICE.sam}@${dc.realm.toLowerCase()}`);
    block = replaceOnce(block, PLACEHOLDERS.servicePassword, `LDAP_PASSWORD='${SERVICE.password}'`);
    block = replaceOnce(block, PLACEHOLDERS.caFile, caFile);
    assert.doesNotMatch(block, /corp\.example\.org|DC=org|\.\.\./, 'every placeholder replaced');
    return edit(block);
  }

  /** The check block, asking for `DOMAIN\<sam>` in this domain's NetBIOS name. */
  function check(sam = 'alice'): string {
    return replaceOnce(checkBlock, PLACEHOLDERS.domainUser, `${dc.domain}\\${sam}`);
  }

  /** What bash is given: PATH with `ldap-token-auth`, and none of the service's variables. */
  function shellEnv(): Record<string, string> {
    const env: Record<string, string> = {
      PATH: `${folder}:${process.env.PATH}`,
      NODE_TEST_CONTEXT: '',
    };
    for (const variable of ENVIRONMENT) env[variable.name] = '';
    return env;
  }

  function bash(script: string, input?: string) {
    return runCommand('bash', ['-e', '-c', script], {
      env: shellEnv(),
      timeoutMs: 60_000,
      ...(input === undefined ? {} : { input }),
    });
  }

  it('the configuration and check blocks: every check passes, and sub is the sAMAccountName', async () => {
    const run = await bash(`${configured()}\n${check()}`, `${PASSWORD}\n`);
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /\n\nAll checks passed\.\n$/, 'no step failed, no warning');
    assert.match(run.stdout, /^✓ reach ldaps:\/\/localhost: /m);
    assert.match(run.stdout, /^✓ reach ldaps:\/\/127\.0\.0\.1: /m);
    assert.match(run.stdout, /^✓ TLS ldaps:\/\/localhost: ldaps:\/\/ handshake/m);
    assert.match(run.stdout, /^✓ service account bind: bound as svc-token@example\.test/m);
    assert.match(
      run.stdout,
      /^✓ user EXAMPLE\\alice: found CN=Alice Liddell,CN=Users,DC=example,DC=test$/m,
    );
    assert.match(run.stdout, /^\s+sub: alice$/m);
    assert.match(run.stdout, /^\s+groups: Token Users$/m, 'memberOf, the default strategy');
    assert.match(run.stdout, /^✓ password: /m);
    assert.ok(recipe.includes('`sub: alice`'), 'the recipe says what check shows');
    assert.doesNotMatch(run.stdout + run.stderr, new RegExp(`${PASSWORD}|${SERVICE.password}`));
  });

  describe('the serve block: one subject for every form of a login', () => {
    let serve: ManagedProcess;
    let base: string;

    before(async () => {
      const port = await freePort();
      // exec: the service takes bash's PID, so stopping it stops the service.
      const command = replaceOnce(serveBlock.trim(), PLACEHOLDERS.port, `--port ${port}`);
      assert.doesNotMatch(command, /\n/, 'the serve block is one command');
      serve = await startProcess({
        name: "the recipe's serve block",
        command: 'bash',
        args: ['-e', '-c', `${configured()}\nexec ${command}`],
        env: shellEnv(),
        ready: { port },
      });
      base = `http://127.0.0.1:${port}`;
    });
    after(async () => {
      await serve?.stop();
    });

    async function tokenFor(username: string): Promise<string> {
      const response = await fetch(`${base}/auth/request-token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${username}:${PASSWORD}`).toString('base64')}`,
        },
      });
      const body = (await response.json()) as { access_token?: string };
      assert.equal(response.status, 200, `${username}: ${JSON.stringify(body)}\n${serve.stderr}`);
      return body.access_token ?? '';
    }

    /** The subject the service itself reads from the token (forward auth's X-Auth-User). */
    async function verifiedUser(token: string): Promise<string | null> {
      const response = await fetch(`${base}/auth/verify`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(response.status, 200);
      return response.headers.get('x-auth-user');
    }

    for (const [person, forms] of [
      ['alice', ['alice', 'EXAMPLE\\alice', 'alice@example.test', 'ALICE@EXAMPLE.TEST']],
      // As stored, case included, whichever case was typed: the directory's value.
      ['Bob.Builder', ['bob.builder', 'EXAMPLE\\BOB.BUILDER', 'bob.builder@example.test']],
    ] as const) {
      it(`${forms.join(', ')}: sub ${person}`, async () => {
        for (const username of forms) {
          const token = await tokenFor(username);
          assert.equal(decodeJwt(token).sub, person, username);
          assert.equal(await verifiedUser(token), person, username);
        }
      });
    }

    it("a wrong password is the seed's 401, and the password is in no log line", async () => {
      const response = await fetch(`${base}/auth/request-token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from('EXAMPLE\\alice:Wrong-Horse-7').toString('base64')}`,
        },
      });
      assert.equal(response.status, 401);
      const body = (await response.json()) as { error?: string; status?: number };
      assert.equal(body.status, 401);
      assert.doesNotMatch(
        serve.stderr + serve.stdout,
        /Correct-Horse-7|Wrong-Horse-7|Token-Service-7/,
      );
    });
  });

  it('a person in no group but Domain Users: the note names AD, not a slapd overlay', async () => {
    const run = await bash(`${configured()}\n${check('bob.builder')}`, `${PASSWORD}\n`);
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^\s+sub: Bob\.Builder$/m);
    assert.match(run.stdout, /^\s+groups: $/m);
    assert.match(run.stdout, /primary group \(Domain Users\), which Active Directory leaves out/);
    assert.doesNotMatch(run.stdout, /slapd|memberof overlay|LDAP_GROUP_STRATEGY=search/);
  });

  it('a computer account is never matched: the user step fails with the filter the recipe quotes', async () => {
    const run = await bash(`${configured()}\n${check('ws01$')}`, `${PASSWORD}\n`);
    assert.equal(run.exitCode, 1, run.stdout + run.stderr);
    const filter = '(&(objectCategory=person)(objectClass=user)(sAMAccountName=ws01$))';
    const line = /^✗ user .*$/m.exec(run.stdout)?.[0] ?? '';
    assert.ok(line.includes(`no entry matches ${filter}`), run.stdout);
    assert.doesNotMatch(run.stdout, /^✓ password/m, 'no bind as the computer');
    assert.ok(
      recipe.includes('`(&(objectCategory=person)(objectClass=user)(sAMAccountName=alice))`'),
      'the recipe quotes the filter',
    );
  });

  it("a wrong LDAP_PASSWORD: the service bind fails with the recipe table's data 52e", async () => {
    const wrong = configured((block) =>
      block.replace(`LDAP_PASSWORD='${SERVICE.password}'`, "LDAP_PASSWORD='Not-The-One-7'"),
    );
    const run = await bash(`${wrong}\n${check()}`, `${PASSWORD}\n`);
    assert.equal(run.exitCode, 1, run.stdout + run.stderr);
    const line = /^✗ service account bind: .*$/m.exec(run.stdout)?.[0] ?? '';
    assert.match(line, /invalidCredentials \(49\)/, run.stdout);
    assert.match(line, /data 52e/, run.stdout);
    assert.ok(recipe.includes('message `data 52e`'), 'the table says so');
  });

  it("without LDAP_TLS_CA_FILE: the TLS step fails with the recipe table's text", async () => {
    const untrusted = configured((block) => block.replace(/^export LDAP_TLS_CA_FILE=.*$/m, ''));
    const run = await bash(`${untrusted}\n${check()}`, `${PASSWORD}\n`);
    assert.equal(run.exitCode, 1, run.stdout + run.stderr);
    const tls = /^✗ TLS ldaps:\/\/localhost: .*$/m.exec(run.stdout)?.[0] ?? '';
    const row = /^\| (.*) \| TLS \|/m.exec(recipe)?.[1] ?? '';
    const texts = [...row.matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? '');
    assert.ok(
      texts.some((text) => tls.includes(text)),
      `${tls}\nsays none of the TLS row's ${texts.join(', ')}`,
    );
    assert.match(run.stdout, /hint: .*LDAP_TLS_CA_FILE/);
  });
});
