// Username enumeration by timing, measured: an unknown username against a known one with a wrong
// password, interleaved one by one through the core (createAuth().requestToken), against a real
// slapd (the fixture's clear-text passwords, an {SSHA} hash, and a slow {ARGON2} hash) and
// against the embedded directory. Prints each pair of medians and their ratio; a ratio near 1
// means the answer's time says nothing about whether the user exists.
//   npx tsx bench/enumeration.ts [requests per kind, default 50]
// Not a test: a loaded machine moves both medians, and the issue asks for figures, not a gate.
import { execFileSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { createAuth } from '../src/core/create-auth.js';
import { InvalidCredentialsError } from '../src/errors.js';
import { startTestDirectory } from '../src/testing/index.js';
import { DEFAULT_LDIF, personLdif, startSlapd } from '../test/helpers/slapd.js';

const requests = Number(process.argv[2] ?? 50);
const TOP_DN = 'ou=people,dc=example,dc=org';
const WRONG = 'not-the-password';

interface Figures {
  directory: string;
  unknownMs: number;
  wrongPasswordMs: number;
}

async function measure(directory: string, url: string, knownUser: string): Promise<Figures> {
  const auth = createAuth({
    secretKey: 'enumeration-bench-secret-0123456789abcdef',
    ldap: { url, topDn: TOP_DN },
    // Fifty wrong passwords for one name would lock it: the limiter is not what is measured.
    loginLimits: { enabled: false },
  });
  const attempt = async (username: string): Promise<number> => {
    const started = performance.now();
    try {
      await auth.requestToken({ username, password: WRONG });
    } catch (error) {
      if (!(error instanceof InvalidCredentialsError)) throw error;
    }
    return performance.now() - started;
  };
  try {
    // Warm-up: both pools open their connections, the JIT settles.
    for (let index = 0; index < 10; index++) {
      await attempt(knownUser);
      await attempt(`nobody-${index}`);
    }
    const unknown: number[] = [];
    const wrongPassword: number[] = [];
    for (let index = 0; index < requests; index++) {
      // Alternate which goes first, so that neither always follows the other.
      if (index % 2 === 0) {
        unknown.push(await attempt(`nobody-${index}-${process.pid}`));
        wrongPassword.push(await attempt(knownUser));
      } else {
        wrongPassword.push(await attempt(knownUser));
        unknown.push(await attempt(`nobody-${index}-${process.pid}`));
      }
    }
    return { directory, unknownMs: median(unknown), wrongPasswordMs: median(wrongPassword) };
  } finally {
    await auth.close();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** A `userPassword` line for `uid` with its password hashed by `slappasswd` in `scheme`. */
function hashedPerson(uid: string, scheme: string, module?: string): string {
  const hash = execFileSync('slappasswd', [
    ...(module ? ['-o', `module-load=${module}`] : []),
    ...['-h', scheme, '-s', `${uid}-password`],
  ])
    .toString()
    .trim();
  return personLdif(uid).replace(`userPassword: ${uid}-password`, `userPassword: ${hash}`);
}

const results: Figures[] = [];
const slapd = await startSlapd({
  // Argon2 at 16 MiB: a password check that costs the directory far more than refusing a DN.
  modules: ['argon2'],
  extraLdif: [
    hashedPerson('salted', '{SSHA}'),
    hashedPerson('argon', '{ARGON2}', 'argon2 m=16384 t=3'),
  ].join('\n'),
});
try {
  results.push(await measure('slapd, clear-text userPassword', slapd.url, 'alice'));
  results.push(await measure('slapd, {SSHA} userPassword', slapd.url, 'salted'));
  results.push(await measure('slapd, {ARGON2} userPassword (m=16384, t=3)', slapd.url, 'argon'));
} finally {
  await slapd.stop();
}
const embedded = await startTestDirectory({ ldifFile: DEFAULT_LDIF });
try {
  results.push(await measure('embedded directory', embedded.url, 'alice'));
} finally {
  await embedded.close();
}

console.log(
  `${requests} interleaved requests of each kind, medians (load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} cores):`,
);
for (const { directory, unknownMs, wrongPasswordMs } of results) {
  const ratio = unknownMs / wrongPasswordMs;
  console.log(
    `${directory}: unknown user ${unknownMs.toFixed(2)} ms, known user with a wrong password ` +
      `${wrongPasswordMs.toFixed(2)} ms, ratio ${ratio.toFixed(3)}`,
  );
}
