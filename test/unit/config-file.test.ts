// The service's configuration file (`--config FILE`): JSON or YAML of createAuth's options, under
// the environment variables, which win where set.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { ConfigurationError } from '../../src/errors.js';
import { optionsFrom, readConfigFile } from '../../src/options/config-file.js';
import { fromEnv } from '../../src/options/from-env.js';
import { resolveOptions } from '../../src/options/resolve.js';

const DIRECTORY = mkdtempSync(join(tmpdir(), 'config-file-'));
after(() => rmSync(DIRECTORY, { recursive: true, force: true }));

let written = 0;
/** A private file (no warning) of this text, named with this extension. */
function fileOf(text: string, extension: string, mode = 0o600): string {
  const path = join(DIRECTORY, `config-${written++}${extension}`);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

const SECRET = 'a-secret-of-at-least-32-bytes-0123456789';
const OPTIONS = {
  secretKey: SECRET,
  ldap: {
    url: ['ldap://127.0.0.1:1', 'ldap://127.0.0.2:2'],
    topDn: 'ou=people,dc=example,dc=org',
    poolSize: 3,
    serviceAccount: { username: 'svc', password: 'pw' },
  },
  token: { defaultDuration: 600, issuer: 'https://auth.example.org' },
  loginLimits: { enabled: true },
  trustedProxies: ['10.0.0.0/8'],
};

/** The error `run` throws, which must be a ConfigurationError. */
function refusal(run: () => unknown): ConfigurationError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ConfigurationError, String(error));
    return error;
  }
  assert.fail('expected a ConfigurationError');
}

/** Warnings collected instead of written. */
function warnings() {
  const lines: { fields: Record<string, unknown>; message: string }[] = [];
  return {
    lines,
    logger: { warn: (fields: never, message: string) => lines.push({ fields, message }) },
  };
}

describe('configuration file', () => {
  it('gives the same options from JSON, YAML, and names without a known extension', () => {
    const json = JSON.stringify(OPTIONS, null, 2);
    const yaml = stringify(OPTIONS);
    for (const path of [
      fileOf(json, '.json'),
      fileOf(yaml, '.yaml'),
      fileOf(yaml, '.yml'),
      fileOf(json, '.conf'),
      fileOf(yaml, ''),
    ]) {
      const { options, file } = optionsFrom({ file: path, env: {} });
      assert.deepEqual(options, OPTIONS, path);
      assert.equal(file, path);
    }
  });

  it('lets each variable that is set win over its option, and leaves the others', () => {
    const path = fileOf(stringify(OPTIONS), '.yaml');
    const { options } = optionsFrom({
      file: path,
      env: { LDAP_POOL_SIZE: '9', LDAP_PASSWORD: 'from-env', TOKEN_ISSUER: '', LDAP_TOP_DN: ' ' },
    });
    assert.equal(options.ldap.poolSize, 9);
    assert.deepEqual(options.ldap.serviceAccount, { username: 'svc', password: 'from-env' });
    // Empty counts as unset, as everywhere else.
    assert.equal(options.token?.issuer, 'https://auth.example.org');
    assert.equal(options.ldap.topDn, OPTIONS.ldap.topDn);
    assert.deepEqual(options.ldap.url, OPTIONS.ldap.url);
  });

  it('takes a _FILE twin over the file too', () => {
    const secret = fileOf('another-secret-of-at-least-32-bytes-987654\n', '.txt');
    const path = fileOf(JSON.stringify(OPTIONS), '.json');
    const { options } = optionsFrom({ file: path, env: { SECRET_KEY_FILE: secret } });
    assert.equal(options.secretKey, 'another-secret-of-at-least-32-bytes-987654');
  });

  it('may hold the settings fromEnv requires, the file alone then being enough', () => {
    const path = fileOf(
      'secretKey: a-secret-of-at-least-32-bytes-0123456789\nldap: { url: ldap://127.0.0.1:1, topDn: dc=example }\n',
      '.yaml',
    );
    const { options } = optionsFrom({ file: path, env: {} });
    assert.equal(resolveOptions(options).ldap.topDn, 'dc=example');
    const asymmetric = fileOf('token: { algorithm: EdDSA }\n', '.yaml');
    const missing = refusal(() => optionsFrom({ file: asymmetric, env: {} }));
    assert.equal(missing.variable, 'LDAP_AUTH_SERVER', 'an EdDSA file needs no SECRET_KEY');
  });

  it('reads CONFIG_FILE when no --config is given, and prefers --config', () => {
    const one = fileOf(JSON.stringify(OPTIONS), '.json');
    const two = fileOf(
      JSON.stringify({ ...OPTIONS, ldap: { ...OPTIONS.ldap, poolSize: 5 } }),
      '.json',
    );
    assert.equal(optionsFrom({ env: { CONFIG_FILE: one } }).file, one);
    const both = optionsFrom({ file: two, env: { CONFIG_FILE: one } });
    assert.equal(both.file, two);
    assert.equal(both.options.ldap.poolSize, 5);
    assert.equal(optionsFrom({ env: { ...requiredEnv() } }).file, undefined);
  });

  it('refuses an unknown key naming the file, the line, the path and the closest key', () => {
    const path = fileOf(
      'secretKey: a-secret-of-at-least-32-bytes-0123456789\nldap:\n  url: ldap://127.0.0.1:1\n  topDN: dc=example\n',
      '.yaml',
    );
    const error = refusal(() => optionsFrom({ file: path, env: {} }));
    assert.equal(error.option, 'ldap.topDN');
    assert.match(error.message, /line 4/);
    assert.ok(error.message.includes(path), error.message);
    assert.ok(error.message.includes('`ldap.topDn`'), error.message);
  });

  it('names the file for an invalid value it gave, and the variable for one the environment gave', () => {
    const path = fileOf(
      JSON.stringify({ ...OPTIONS, ldap: { ...OPTIONS.ldap, poolSize: 0 } }, null, 2),
      '.json',
    );
    const fromFile = refusal(() => optionsFrom({ file: path, env: {} }));
    assert.equal(fromFile.option, 'ldap.poolSize');
    assert.ok(fromFile.message.startsWith(`Configuration file ${path}, line 9:`), fromFile.message);
    const fixed = optionsFrom({ file: path, env: { LDAP_POOL_SIZE: '2' } });
    assert.equal(fixed.options.ldap.poolSize, 2);
    const good = fileOf(JSON.stringify(OPTIONS), '.json');
    const fromEnvironment = refusal(() =>
      optionsFrom({ file: good, env: { LDAP_POOL_SIZE: '0' } }),
    );
    assert.equal(fromEnvironment.variable, 'LDAP_POOL_SIZE');
  });

  it('refuses a malformed file with its line', () => {
    const json = refusal(() =>
      readConfigFile(fileOf('{\n  "ldap": {\n    "url": "x",\n  }\n}\n', '.json')),
    );
    assert.match(json.message, /is not valid JSON at line 4/);
    const yaml = refusal(() => readConfigFile(fileOf('ldap:\n  url: x\n  url: y\n', '.yaml')));
    assert.match(yaml.message, /is not valid YAML at line 3/);
    const unknown = refusal(() => readConfigFile(fileOf('ldap: [a\n', '')));
    assert.match(unknown.message, /is not valid YAML at line \d/);
    const list = refusal(() => readConfigFile(fileOf('- a\n', '.yaml')));
    assert.match(list.message, /must hold a mapping of createAuth's options/);
    const missing = refusal(() => readConfigFile(join(DIRECTORY, 'nothing-here.yaml')));
    assert.match(missing.message, /cannot be read \(ENOENT\)/);
  });

  it('refuses the callbacks and points the service settings to their flags', () => {
    const logger = refusal(() => readConfigFile(fileOf('logger: console\n', '.yaml')));
    assert.match(logger.message, /logger cannot be set in a configuration file/);
    const port = refusal(() => optionsFrom({ file: fileOf('port: 8080\n', '.yaml'), env: {} }));
    assert.match(port.message, /use --port or PORT/);
  });

  it('warns when a file holding a secret may be read by other users', () => {
    const shared = warnings();
    optionsFrom({
      file: fileOf(JSON.stringify(OPTIONS), '.json', 0o644),
      env: {},
      logger: shared.logger,
    });
    assert.equal(shared.lines.length, 1);
    assert.equal(shared.lines[0]?.fields.event, 'secret_file_readable');
    const quiet = warnings();
    for (const [options, expected] of [
      [{ ldap: { url: OPTIONS.ldap.url, topDn: 'dc=x' }, token: { issuer: 'x' } }, 0],
      [{ redis: { url: 'redis://:pw@127.0.0.1:6379' } }, 1],
      [{ redis: { url: 'redis://127.0.0.1:6379' } }, 0],
    ] as const) {
      const before = quiet.lines.length;
      optionsFrom({
        file: fileOf(JSON.stringify(options), '.json', 0o644),
        env: requiredEnv(),
        logger: quiet.logger,
      });
      assert.equal(quiet.lines.length - before, expected, JSON.stringify(options));
    }
  });

  it('documents an example that is a valid configuration', () => {
    const page = readFileSync(
      join(import.meta.dirname, '..', '..', 'docs', 'configuration.md'),
      'utf8',
    );
    const section = page.slice(page.indexOf('## Configuration file'));
    const example = section.slice(
      section.indexOf('```yaml') + 7,
      section.indexOf('```', section.indexOf('```yaml') + 7),
    );
    const { options } = optionsFrom({ file: fileOf(example, '.yaml'), env: {} });
    assert.equal(resolveOptions(options).ldap.servers.length, 2);
  });
});

function requiredEnv(): Record<string, string> {
  return { SECRET_KEY: SECRET, LDAP_AUTH_SERVER: 'ldap://127.0.0.1:1', LDAP_TOP_DN: 'dc=example' };
}

/** Variables whose values the generator knows to be valid in any combination. */
const VALUES = {
  SECRET_KEY: fc.string({
    minLength: 32,
    maxLength: 48,
    unit: fc.constantFrom(...'abcdef0123456789'),
  }),
  LDAP_AUTH_SERVER: fc.constantFrom(
    'ldap://127.0.0.1:1',
    'ldap://localhost:389',
    'ldap://127.0.0.1:1 ldap://127.0.0.2:2',
  ),
  LDAP_TOP_DN: fc.constantFrom('dc=example,dc=org', 'ou=people,dc=example,dc=org'),
  LDAP_SEARCH_SCOPE: fc.constantFrom('one', 'sub', 'base'),
  LDAP_POOL_SIZE: fc.integer({ min: 1, max: 64 }).map(String),
  LDAP_TIMEOUT_MS: fc.integer({ min: 100, max: 60_000 }).map(String),
  LDAP_STARTTLS: fc.constantFrom('true', 'false', 'yes', 'off'),
  LDAP_USERNAME: fc.constantFrom('svc', 'cn=bot,dc=example,dc=org'),
  LDAP_PASSWORD: fc.constantFrom('pw', ' spaced pw '),
  TOKEN_ISSUER: fc.constantFrom('https://auth.example.org', 'issuer'),
  TOKEN_AUDIENCE: fc.constantFrom('api', 'https://api.example.org'),
  LOGIN_LIMITS: fc.constantFrom('true', 'false'),
  TRUSTED_PROXIES: fc.constantFrom('10.0.0.0/8', '127.0.0.1, 192.168.0.0/16'),
} as const;

const REQUIRED = ['SECRET_KEY', 'LDAP_AUTH_SERVER', 'LDAP_TOP_DN'] as const;

/** A set of variables, the account's two always together (fromEnv refuses half of one). */
function variables(requiredKeys: readonly (keyof typeof VALUES)[]) {
  return fc.record(VALUES, { requiredKeys: [...requiredKeys] }).map((env) => {
    const picked: Record<string, string> = { ...env };
    if ((picked.LDAP_USERNAME === undefined) !== (picked.LDAP_PASSWORD === undefined)) {
      delete picked.LDAP_USERNAME;
      delete picked.LDAP_PASSWORD;
    }
    return picked;
  });
}

describe('configuration file under the environment (generated)', () => {
  it('file of fromEnv(A) and environment B give fromEnv of A and B together', () => {
    fc.assert(
      fc.property(variables(REQUIRED), variables([]), fc.boolean(), (file, env, asYaml) => {
        const given = fromEnv(file);
        const text = asYaml ? stringify(given) : JSON.stringify(given);
        const path = fileOf(text, asYaml ? '.yaml' : '.json');
        // The file alone gives what its variables gave.
        assert.deepEqual(optionsFrom({ file: path, env: {} }).options, given);
        // Every variable set wins; those unset leave the file's value.
        assert.deepEqual(optionsFrom({ file: path, env }).options, fromEnv({ ...file, ...env }));
        rmSync(path);
      }),
      { numRuns: 60 },
    );
  });
});
