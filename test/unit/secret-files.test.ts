// Secrets from files (`SECRET_KEY_FILE`, `LDAP_PASSWORD_FILE`, `REDIS_URL_FILE`), the warning for
// key and secret files other users may read, and the refusal of a short HS256 secret.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { createAuth } from '../../src/core/create-auth.js';
import { ConfigurationError } from '../../src/errors.js';
import { readSecretFile } from '../../src/options/env-files.js';
import { fromEnv } from '../../src/options/from-env.js';

const SECRET = 'secret-files-test-secret-0123456789abcdef';
const BASE = { LDAP_AUTH_SERVER: 'ldap://127.0.0.1:1', LDAP_TOP_DN: 'dc=example,dc=org' };
const folder = mkdtempSync(join(tmpdir(), 'secret-files-'));
after(() => rmSync(folder, { recursive: true, force: true }));

let files = 0;
/** A new file holding `content`, with `mode` (0600 unless said otherwise). */
function file(content: string, mode = 0o600): string {
  const path = join(folder, `file-${files++}`);
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
}

/** fromEnv with a logger that records its warnings. */
function read(env: Record<string, string>) {
  const warnings: { fields: Record<string, unknown>; message: string }[] = [];
  const logger = {
    warn: (fields: Record<string, unknown>, message: string) => warnings.push({ fields, message }),
  };
  return { options: fromEnv(env, { logger }), warnings };
}

function refusal(env: Record<string, string>): ConfigurationError {
  try {
    fromEnv(env, { logger: { warn: () => {} } });
  } catch (error) {
    assert.ok(error instanceof ConfigurationError, String(error));
    return error;
  }
  assert.fail('expected a ConfigurationError');
}

describe('*_FILE: secrets read from files', () => {
  it('SECRET_KEY_FILE, LDAP_PASSWORD_FILE, REDIS_URL_FILE set what their twins set', () => {
    const { options, warnings } = read({
      ...BASE,
      SECRET_KEY_FILE: file(`${SECRET}\n`),
      LDAP_USERNAME: 'search-bot',
      LDAP_PASSWORD_FILE: file(' pass word \r\n'),
      REDIS_URL_FILE: file('  redis://:redis-password@127.0.0.1:6379/0\n'),
    });
    assert.equal(options.secretKey, SECRET);
    // A password is taken as it is, spaces included; only the newline an editor adds is dropped.
    assert.equal(options.ldap.serviceAccount?.password, ' pass word ');
    // A URL is trimmed, as REDIS_URL is.
    assert.equal(options.redis?.url, 'redis://:redis-password@127.0.0.1:6379/0');
    assert.deepEqual(warnings, []);
  });

  it('property: exactly one trailing LF or CRLF is dropped, nothing else', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.constantFrom('', '\n', '\r\n'),
        (secret, ending) => {
          // A secret ending in CR before the newline loses it (read as CRLF): not generated.
          fc.pre(!secret.endsWith('\n') && !secret.endsWith('\r'));
          assert.equal(
            readSecretFile('SECRET_KEY_FILE', file(secret + ending), () => {}),
            secret,
          );
          const twice = `${secret}${ending}${ending || '\n'}`;
          assert.equal(
            readSecretFile('SECRET_KEY_FILE', file(twice), () => {}),
            `${secret}${ending}`,
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it('SECRET_KEY_FILE stands in for a required SECRET_KEY; with neither, SECRET_KEY is named', () => {
    assert.equal(read({ ...BASE, SECRET_KEY_FILE: file(SECRET) }).options.secretKey, SECRET);
    const error = refusal({ ...BASE });
    assert.equal(error.variable, 'SECRET_KEY');
  });

  it('both VAR and VAR_FILE set: an error naming both', () => {
    for (const [plain, value] of [
      ['SECRET_KEY', SECRET],
      ['LDAP_PASSWORD', 'pw'],
      ['REDIS_URL', 'redis://127.0.0.1:6379'],
    ] as const) {
      const env = {
        SECRET_KEY: SECRET,
        ...BASE,
        LDAP_USERNAME: 'svc',
        LDAP_PASSWORD: 'pw',
        [plain]: value,
        [`${plain}_FILE`]: file(value),
      };
      const error = refusal(env);
      assert.equal(error.variable, `${plain}_FILE`);
      assert.match(error.message, new RegExp(`^${plain} and ${plain}_FILE are both set`));
      assert.equal(error.message.includes(value), false, 'the value is not repeated');
    }
  });

  it('an unreadable or empty file: an error naming the variable and the file, not its content', () => {
    const missing = join(folder, 'no-such-file');
    let error = refusal({ ...BASE, SECRET_KEY_FILE: missing });
    assert.equal(error.variable, 'SECRET_KEY_FILE');
    assert.equal(
      error.message,
      `SECRET_KEY_FILE names a file that cannot be read: ${missing} (ENOENT)`,
    );
    error = refusal({
      ...BASE,
      SECRET_KEY: SECRET,
      LDAP_USERNAME: 'svc',
      LDAP_PASSWORD_FILE: folder,
    });
    assert.match(
      error.message,
      /^LDAP_PASSWORD_FILE names a file that cannot be read: .* \(EISDIR\)$/,
    );
    const empty = file('\n');
    error = refusal({ ...BASE, SECRET_KEY_FILE: empty });
    assert.equal(error.message, `SECRET_KEY_FILE names an empty file: ${empty}`);
  });

  it('a short secret in SECRET_KEY_FILE is refused, naming SECRET_KEY_FILE', () => {
    const error = refusal({ ...BASE, SECRET_KEY_FILE: file('hunter2\n') });
    assert.equal(error.variable, 'SECRET_KEY_FILE');
    assert.match(error.message, /^SECRET_KEY_FILE is invalid: must be at least 32 bytes, not 7/);
    assert.equal(error.message.includes('hunter2'), false);
  });
});

describe('key and secret files other users may read', () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

  it('a warning names each such file and chmod 600; mode 600 and 400 say nothing', () => {
    const loose = {
      secret: file(SECRET, 0o640),
      password: file('pw', 0o604),
      tlsKey: file('KEY', 0o644),
    };
    const { warnings } = read({
      ...BASE,
      SECRET_KEY_FILE: loose.secret,
      LDAP_USERNAME: 'svc',
      LDAP_PASSWORD_FILE: loose.password,
      LDAP_TLS_KEY_FILE: loose.tlsKey,
      // Certificates are public: no warning.
      LDAP_TLS_CERT_FILE: file('CERT', 0o644),
      LDAP_TLS_CA_FILE: file('CA', 0o644),
    });
    assert.deepEqual(
      warnings.map(({ fields }) => [fields.event, fields.variable, fields.file, fields.mode]),
      [
        ['secret_file_readable', 'SECRET_KEY_FILE', loose.secret, '640'],
        ['secret_file_readable', 'LDAP_PASSWORD_FILE', loose.password, '604'],
        ['secret_file_readable', 'LDAP_TLS_KEY_FILE', loose.tlsKey, '644'],
      ],
    );
    for (const { message, fields } of warnings) {
      assert.ok(message.includes(`chmod 600 ${String(fields.file)}`), message);
      assert.equal(message.includes(SECRET), false);
    }
    for (const mode of [0o600, 0o400]) {
      const quiet = read({ ...BASE, SECRET_KEY_FILE: file(SECRET, mode) });
      assert.deepEqual(quiet.warnings, [], mode.toString(8));
    }
  });

  it('TOKEN_SIGNING_KEY_FILE readable by others: warned about', () => {
    const signing = file(pem, 0o644);
    const { warnings } = read({
      ...BASE,
      TOKEN_ALGORITHM: 'EdDSA',
      TOKEN_SIGNING_KEY_FILE: signing,
    });
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.fields.variable, 'TOKEN_SIGNING_KEY_FILE');
    assert.equal(
      read({ ...BASE, TOKEN_ALGORITHM: 'EdDSA', TOKEN_SIGNING_KEY_FILE: file(pem) }).warnings
        .length,
      0,
    );
  });

  it("without a logger, the warning goes to Node's process warnings", async () => {
    const path = file(SECRET, 0o644);
    const warned = new Promise<Error>((resolve) => process.once('warning', resolve));
    fromEnv({ ...BASE, SECRET_KEY_FILE: path });
    const warning = await warned;
    assert.match(warning.message, new RegExp(`chmod 600 ${path}`));
    assert.equal(
      (warning as Error & { code?: string }).code,
      'LDAP_TOKEN_AUTH_SECRET_FILE_READABLE',
    );
  });
});

describe('createAuth: the HS256 secret', () => {
  it('refuses a secret shorter than 32 bytes, naming secretKey and how to make one', () => {
    for (const secretKey of ['a', 'k'.repeat(31), new Uint8Array(16)]) {
      assert.throws(
        () =>
          createAuth({ secretKey, ldap: { url: BASE.LDAP_AUTH_SERVER, topDn: BASE.LDAP_TOP_DN } }),
        (error: unknown) =>
          error instanceof ConfigurationError &&
          error.option === 'secretKey' &&
          /^Invalid option secretKey: must be at least 32 bytes/.test(error.message) &&
          error.message.includes('openssl rand -base64 48'),
      );
    }
  });
});
