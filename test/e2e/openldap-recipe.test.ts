// docs/recipes/openldap.md as a new user follows it: its shell blocks run as written in bash
// (only the marked placeholders replaced: the server names, the CA file, the service password),
// with `ldap-token-auth` on PATH, against a real slapd over ldaps:// whose ACL is the recipe's
// own block. `check` must pass and a token from that environment must carry the groups. Then the
// mistakes the recipe's table lists, made on purpose, must read as the table says.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createAuth } from '../../src/core/create-auth.js';
import { ENVIRONMENT, fromEnv } from '../../src/options/from-env.js';
import { makePki, type TestPki } from '../helpers/certificates.js';
import { registerExitCleanup, runCommand } from '../helpers/process.js';
import { SLAPD_BASE_DN, type SlapdServer, startSlapd } from '../helpers/slapd.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RECIPE = join(ROOT, 'docs', 'recipes', 'openldap.md');
const SERVICE_PASSWORD = 'token-service-secret';

/** The service account the recipe names, and a second group for alice (admins is the fixture's). */
const EXTRA_LDIF = `dn: ou=system,${SLAPD_BASE_DN}
objectClass: organizationalUnit
ou: system

dn: uid=token-service,ou=system,${SLAPD_BASE_DN}
objectClass: account
objectClass: simpleSecurityObject
uid: token-service
userPassword: ${SERVICE_PASSWORD}

dn: cn=staff,ou=groups,${SLAPD_BASE_DN}
objectClass: groupOfNames
cn: staff
member: uid=alice,ou=people,${SLAPD_BASE_DN}
`;

/** The fenced blocks of `markdown` whose info string is `language` ('' for none), in order. */
function blocks(markdown: string, language: string): string[] {
  const found: string[] = [];
  let open: { language: string; lines: string[] } | undefined;
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('```')) {
      open?.lines.push(line);
      continue;
    }
    if (open) {
      if (open.language === language) found.push(`${open.lines.join('\n')}\n`);
      open = undefined;
    } else {
      open = { language: line.slice(3).trim(), lines: [] };
    }
  }
  return found;
}

/** slapd.conf's `access to` directives of the recipe's ACL block, continuation lines kept. */
function aclOf(block: string): string[] {
  return block
    .split(/\n(?=access to )/)
    .map((rule) => rule.trim())
    .filter(Boolean);
}

describe('docs/recipes/openldap.md, run as written against slapd', () => {
  let pki: TestPki;
  let recipe: string;
  let acl: string[];
  let slapd: SlapdServer;
  let bin: string;
  let configuration: string;
  let checkBlock: string;

  before(async () => {
    recipe = await readFile(RECIPE, 'utf8');
    const plain = blocks(recipe, '').find((block) => block.startsWith('access to '));
    assert.ok(plain, 'the recipe has an ACL block');
    acl = aclOf(plain);
    const shell = blocks(recipe, 'sh');
    configuration = shell.find((block) => block.includes('export SECRET_KEY')) ?? '';
    checkBlock = shell.find((block) => block.startsWith('ldap-token-auth check')) ?? '';
    assert.ok(configuration && checkBlock, 'the recipe has a configuration and a check block');
    pki = await makePki();
    slapd = await startRecipeSlapd(acl);
    bin = await mkdtemp(join(tmpdir(), 'recipe-bin-'));
    registerExitCleanup(() => rmSync(bin, { recursive: true, force: true }));
    const shim = join(bin, 'ldap-token-auth');
    await writeFile(
      shim,
      `#!/bin/sh\ncd '${ROOT}' && exec '${process.execPath}' --import tsx src/cli/main.ts "$@"\n`,
    );
    await chmod(shim, 0o755);
  });
  after(async () => {
    await slapd?.stop();
    pki?.remove();
  });

  function startRecipeSlapd(access: string[]): Promise<SlapdServer> {
    return startSlapd({
      tls: { certFile: pki.serverCert, keyFile: pki.serverKey },
      ldaps: true,
      access,
      extraLdif: EXTRA_LDIF,
    });
  }

  /** The configuration block with the placeholders replaced, for `server`. */
  function configured(server: SlapdServer, edit: (block: string) => string = (b) => b): string {
    const port = new URL(server.ldapsUrl ?? '').port;
    const block = configuration
      .replace('ldap1.example.org', `localhost:${port}`)
      .replace('ldap2.example.org', `127.0.0.1:${port}`)
      .replace('/etc/ssl/certs/example-ldap-ca.pem', pki.caCert)
      .replace("LDAP_PASSWORD='...'", `LDAP_PASSWORD='${SERVICE_PASSWORD}'`);
    assert.doesNotMatch(block, /example\.org ldaps|\.\.\./, 'every placeholder was replaced');
    return edit(block);
  }

  /** bash runs `script` with `ldap-token-auth` on PATH and nothing of ours in the environment. */
  function bash(script: string, input?: string) {
    const env: Record<string, string> = {
      PATH: `${bin}:${process.env.PATH}`,
      NODE_TEST_CONTEXT: '',
    };
    for (const variable of ENVIRONMENT) env[variable.name] = '';
    return runCommand('bash', ['-e', '-c', script], {
      env,
      timeoutMs: 60_000,
      ...(input === undefined ? {} : { input }),
    });
  }

  it('the configuration and check blocks: every check passes, no warning, alice has her groups', async () => {
    const run = await bash(`${configured(slapd)}\n${checkBlock}`, 'wonderland\n');
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /\n\nAll checks passed\.\n$/);
    assert.match(run.stdout, /^✓ groups under LDAP_GROUP_BASE_DN: /m);
    assert.match(run.stdout, /^\s+groups: admins, staff$/m);
    assert.match(run.stdout, /^✓ password: /m);
    assert.doesNotMatch(run.stdout, /wonderland|token-service-secret/);
  });

  it('a token issued with that environment carries the groups', async () => {
    const run = await bash(
      `${configured(slapd)}\n'${process.execPath}' -e 'process.stdout.write(JSON.stringify(process.env))'`,
    );
    assert.equal(run.exitCode, 0, run.stderr);
    const env = JSON.parse(run.stdout) as Record<string, string>;
    assert.match(env.SECRET_KEY ?? '', /^[0-9a-f]{64}$/, 'the export reached the program');
    const auth = createAuth(fromEnv(env));
    try {
      const issued = await auth.requestToken({ username: 'alice', password: 'wonderland' }, {});
      const user = await auth.verify(issued.token);
      assert.deepEqual([...user.groups].sort(), ['admins', 'staff']);
    } finally {
      await auth.close();
    }
  });

  it('without the ou=groups rule: check passes but warns that tokens would carry no groups', async () => {
    const hidden = await startRecipeSlapd(acl.filter((rule) => !rule.includes('ou=groups')));
    try {
      const run = await bash(`${configured(hidden)}\n${checkBlock}`, 'wonderland\n');
      assert.equal(run.exitCode, 0, run.stdout + run.stderr);
      assert.match(
        run.stdout,
        /^! groups under LDAP_GROUP_BASE_DN: ou=groups,dc=example,dc=org is not visible to uid=token-service,ou=system,dc=example,dc=org/m,
      );
      assert.match(run.stdout, /All checks passed\. 1 warning: see above\.\n$/);
      assert.ok(recipe.includes('! groups under LDAP_GROUP_BASE_DN: ... is'), 'the table says so');
    } finally {
      await hidden.stop();
    }
  });

  it('without LDAP_GROUP_STRATEGY on a slapd without memberof: check says why groups are empty', async () => {
    const defaults = configured(slapd, (block) =>
      block.replace(/^export LDAP_GROUP_\w+=.*$/gm, ''),
    );
    const run = await bash(`${defaults}\n${checkBlock}`, 'wonderland\n');
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^\s+groups: $/m);
    assert.match(
      run.stdout,
      /no groups from memberOf: a slapd without its memberof overlay keeps none; set LDAP_GROUP_STRATEGY=search/,
    );
    assert.ok(recipe.includes('| `groups:` empty with `LDAP_GROUP_STRATEGY` unset |'));
  });

  it('searching anonymously under this ACL: noSuchObject, and the hint names LDAP_USERNAME', async () => {
    const anonymous = configured(slapd, (block) =>
      block.replace(/^export LDAP_(USERNAME|PASSWORD)=.*$/gm, ''),
    );
    const run = await bash(`${anonymous}\n${checkBlock}`, 'wonderland\n');
    assert.equal(run.exitCode, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /^✗ search LDAP_TOP_DN: .*noSuchObject \(32\)/m);
    assert.match(run.stdout, /hint: noSuchObject \(32\).*LDAP_USERNAME and LDAP_PASSWORD/);
  });

  it("without LDAP_TLS_CA_FILE: the TLS step fails with one of the recipe table's texts", async () => {
    const untrusted = configured(slapd, (block) =>
      block.replace(/^export LDAP_TLS_CA_FILE=.*$/m, ''),
    );
    const run = await bash(`${untrusted}\n${checkBlock}`, 'wonderland\n');
    assert.equal(run.exitCode, 1, run.stdout + run.stderr);
    const tls = /^✗ TLS .*$/m.exec(run.stdout)?.[0] ?? '';
    const text = [
      'unable to verify the first certificate',
      'self-signed certificate in certificate chain',
    ].find((candidate) => tls.includes(candidate));
    assert.ok(text, tls);
    assert.ok(recipe.includes(`\`${text}\``), `the recipe's table names ${text}`);
    assert.match(
      run.stdout,
      /hint: the certificate .*is not signed by a CA this service trusts: set LDAP_TLS_CA_FILE/,
    );
  });

  it('configuration errors read as plain text in the terminal: no Markdown backticks', async () => {
    const run = await bash(
      `${configured(slapd, (block) => block.replace(/^export SECRET_KEY=.*$/m, ''))}\n${checkBlock}`,
      '',
    );
    assert.equal(run.exitCode, 2);
    assert.match(run.stdout, /SECRET_KEY must be set/);
    assert.doesNotMatch(run.stdout, /`/);
  });
});
