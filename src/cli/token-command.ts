// `ldap-token-auth token decode|verify <token>`: read a token's header and claims (no key
// needed), or verify it with the keys the environment and the configuration file configure (as
// `serve` would).
import { ConfigurationError, TokenExpiredError } from '../errors.js';
import { optionsFrom } from '../options/config-file.js';
import { resolveOptions } from '../options/resolve.js';
import { type DecodedToken, decodeToken, expiryInWords } from '../token/inspect.js';
import { keySetOf } from '../token/signing-keys.js';
import { TokenSigner } from '../token/tokens.js';
import { CONFIG_OPTION, HELP_OPTION, parseCommandLine } from './command-line.js';
import { terminalText } from './terminal-text.js';

export const TOKEN_USAGE = `Usage: ldap-token-auth token decode <token> [--json]
       ldap-token-auth token verify <token> [--config <file>] [--json]

  decode   Print the token's header and claims, with its times in words ("expires in 59
           minutes", "expired 3 minutes ago"). No key is needed and the signature is NOT checked.
  verify   Check the signature, algorithm, issuer, audience and expiry with the keys the
           environment configures (SECRET_KEY, or TOKEN_ALGORITHM with TOKEN_SIGNING_KEY_FILE and
           TOKEN_VERIFICATION_KEYS_FILE, and TOKEN_ISSUER, TOKEN_AUDIENCE, TOKEN_CLOCK_SKEW_SECONDS:
           the same environment and --config file as serve; the directory may be left
           unconfigured). Revocation is not checked.

<token> may be the token endpoint's "token" (its trailing colon is dropped), "Bearer <token>",
or - to read it from stdin (keeps it out of the shell history).

Options:
  --config <file>   verify: the configuration file serve reads (else CONFIG_FILE), under the
                    environment as for serve
  --json            One JSON document instead of text
  -h, --help        Show this help

Exit codes: decode 0 readable, 1 not a JWT; verify 0 valid, 1 invalid (the reason is printed);
2 bad usage or invalid configuration.`;

export async function runTokenCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandLine(argv, TOKEN_ARGUMENTS, TOKEN_USAGE);
  if (!parsed) return 2;
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${TOKEN_USAGE}\n`);
    return 0;
  }
  const [action, argument, ...rest] = positionals;
  if ((action !== 'decode' && action !== 'verify') || !argument || rest.length > 0) {
    process.stderr.write(`${TOKEN_USAGE}\n`);
    return 2;
  }
  const text = argument === '-' ? await readStdin() : argument;
  // One instant for the whole answer: the expiry in words agrees with the verdict beside it.
  const now = Date.now();
  const json = Boolean(values.json);
  let decoded: DecodedToken;
  try {
    decoded = decodeToken(text);
  } catch (error) {
    return print(
      json,
      { valid: false, reason: (error as Error).message },
      `invalid: ${(error as Error).message}`,
      1,
    );
  }
  if (action === 'decode') return printDecoded(decoded, json, now);
  return verify(text, decoded, json, now, values.config);
}

function printDecoded(decoded: DecodedToken, json: boolean, now: number): number {
  const { exp } = decoded.claims;
  const expiry = typeof exp === 'number' ? expiryInWords(exp, now) : 'never expires (no exp claim)';
  if (json) {
    const expired = typeof exp === 'number' && exp * 1000 <= now;
    process.stdout.write(
      `${JSON.stringify({ ...decoded, expiry, expired, signatureChecked: false }, null, 2)}\n`,
    );
    return 0;
  }
  const lines = [
    'header:',
    ...Object.entries(decoded.header).map(([name, value]) => `  ${name}: ${show(value)}`),
    'claims:',
    ...Object.entries(decoded.claims).map(
      ([name, value]) => `  ${name}: ${showClaim(name, value, now)}`,
    ),
    `${expiry}. The signature was not checked (token verify checks it).`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

async function verify(
  text: string,
  decoded: DecodedToken,
  json: boolean,
  now: number,
  configFile: string | undefined,
): Promise<number> {
  let signer: TokenSigner;
  try {
    // Only the keys and the TOKEN_* rules matter here: the directory may be left unconfigured.
    const unused = { ldap: { url: 'ldaps://localhost', topDn: 'dc=unused' } };
    const options = resolveOptions(optionsFrom({ file: configFile, defaults: unused }).options);
    const { issuer, audience, clockToleranceSeconds } = options.token;
    const keys = keySetOf(options.token, options.secretKey);
    signer = new TokenSigner(keys, () => now, { issuer, audience, clockToleranceSeconds });
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    process.stderr.write(`ldap-token-auth: ${terminalText(error.message)}\n`);
    return 2;
  }
  const token = text
    .trim()
    .replace(/^Bearer\s+/i, '')
    .replace(/:$/, '');
  try {
    const claims = await signer.verify(token);
    const expiry = expiryInWords(claims.exp, now);
    return print(
      json,
      { valid: true, sub: claims.sub, dn: claims.dn, exp: claims.exp, expiry },
      `valid: ${claims.sub} (${claims.dn}), ${expiry}`,
      0,
    );
  } catch (error) {
    const reason = reasonOf(error, decoded, now);
    return print(json, { valid: false, reason }, `invalid: ${reason}`, 1);
  }
}

/** Why the token was refused, in words; jose's own message says which check failed. */
function reasonOf(error: unknown, decoded: DecodedToken, now: number): string {
  if (error instanceof TokenExpiredError && typeof decoded.claims.exp === 'number') {
    return `the token ${expiryInWords(decoded.claims.exp, now)}`;
  }
  const cause = (error as Error).cause;
  const detail = cause instanceof Error ? cause.message : (error as Error).message;
  if (/signature verification failed/i.test(detail)) {
    return 'signature verification failed: signed with another key (check SECRET_KEY or TOKEN_VERIFICATION_KEYS_FILE), or altered';
  }
  return detail;
}

function print(json: boolean, body: Record<string, unknown>, text: string, code: number): number {
  process.stdout.write(json ? `${JSON.stringify(body, null, 2)}\n` : `${text}\n`);
  return code;
}

const TIME_CLAIMS = new Set(['iat', 'nbf', 'exp', 'auth_time']);

function showClaim(name: string, value: unknown, now: number): string {
  if (!TIME_CLAIMS.has(name) || typeof value !== 'number') return show(value);
  const at = new Date(value * 1000).toISOString();
  return name === 'exp' ? `${value} (${at}, ${expiryInWords(value, now)})` : `${value} (${at})`;
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const TOKEN_ARGUMENTS = {
  allowPositionals: true,
  options: { json: { type: 'boolean' }, ...CONFIG_OPTION, ...HELP_OPTION },
} as const;
