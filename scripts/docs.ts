// npm run docs: writes docs/configuration.md from the ENVIRONMENT table in
// src/options/environment/, the option types in src/options/types.ts and the defaults in the
// schema under src/options/schema/ (the sources of truth). test/unit/configuration-docs.test.ts
// fails when it is stale.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENVIRONMENT, type EnvironmentVariable } from '../src/options/from-env.js';
import { defaultText, schemaDefaults } from '../src/options/schema/defaults.js';
import { type OptionDoc, optionDocs } from './option-docs.js';

function fallback(variable: EnvironmentVariable): string {
  if (variable.required) return variable.hs256Only ? 'required with HS256' : 'required';
  return variable.default ? `\`${variable.default}\`` : 'none';
}

function variableRow(variable: EnvironmentVariable): string {
  return `| \`${variable.name}\` | \`${variable.option}\` | ${cell(fallback(variable))} | ${cell(variable.description)} |`;
}

const VARIABLE_HEADER = ['| variable | option | default | meaning |', '|---|---|---|---|'];

/** The sections of docs/configuration.md, by the first segment of the option path. */
const SECTIONS: readonly { title: string; roots: readonly string[] }[] = [
  { title: 'Directory', roots: ['ldap', 'searchCriteria'] },
  { title: 'Tokens and keys', roots: ['secretKey', 'token'] },
  { title: 'Brute-force protection', roots: ['loginLimits', 'trustedProxies'] },
  { title: 'Redis, store failures and revocation', roots: ['redis', 'storeFailure', 'revocation'] },
  { title: 'Attributes, claims and groups', roots: ['user', 'groups'] },
  { title: 'Password-policy answers', roots: ['passwordPolicy'] },
  { title: 'Browser sign-in', roots: ['browser'] },
];

function sectionOf(variable: EnvironmentVariable): string {
  if (variable.service) return 'The service (`ldap-token-auth serve` only; each also a flag)';
  const root = variable.option.split('.')[0]!;
  return SECTIONS.find((section) => section.roots.includes(root))?.title ?? `\`${root}\``;
}

/** Markdown table cells: a `|` would end the cell, even inside backticks. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

const SCHEMA_DEFAULTS = schemaDefaults();

function optionRow(option: OptionDoc): string {
  const fallback = SCHEMA_DEFAULTS.has(option.path)
    ? `\`${cell(defaultText(SCHEMA_DEFAULTS.get(option.path)))}\``
    : '–';
  const variables = ENVIRONMENT.filter(
    (variable) => !variable.service && variable.option === option.path,
  ).map((variable) => `\`${variable.name}\``);
  const required = option.optional ? '' : ' (required)';
  return `| \`${option.path}\`${required} | \`${cell(option.type)}\` | ${fallback} | ${variables.join(', ') || '–'} | ${cell(option.doc)} |`;
}

/** The section on `--config FILE`: the file's format, how it layers under the variables. */
const CONFIGURATION_FILE = [
  '## Configuration file',
  '',
  '`serve`, `check` and `token verify` also read a configuration file: `--config FILE`, or the file',
  '`CONFIG_FILE` names (the flag wins). It holds the options of `createAuth` under their own names',
  '(the table at the end of this page), in JSON or YAML: a name ending in `.json` is JSON, `.yaml`',
  'or `.yml` YAML, any other JSON when it parses as JSON, else YAML.',
  '',
  '```yaml',
  '# /etc/ldap-token-auth.yaml (chmod 600: it holds the secret key)',
  'secretKey: change-me-to-48-random-bytes-from-openssl-rand-base64',
  'ldap:',
  '  url: [ldaps://dc1.example.org, ldaps://dc2.example.org]',
  '  topDn: ou=people,dc=example,dc=org',
  '  preset: activedirectory',
  '  serviceAccount: { username: svc-token, password: bind-password }',
  'token:',
  '  defaultDuration: 900',
  '  issuer: https://auth.example.org',
  'groups:',
  '  strategy: memberOf',
  'loginLimits:',
  '  enabled: true',
  '```',
  '',
  '- **The environment wins.** Each variable that is set replaces the option it maps to (the',
  "  tables below); a variable left unset (or empty) leaves the file's value. So a container can",
  '  ship the file and take `SECRET_KEY_FILE` or `LDAP_PASSWORD` from its secrets. The variables',
  '  `fromEnv` requires (`SECRET_KEY`, `LDAP_AUTH_SERVER`, `LDAP_TOP_DN`) may come from the file',
  '  instead.',
  '- **Values, not paths.** The file holds what `createAuth` takes: a CA or key as PEM text (a YAML',
  '  `|` block), not a file name. For a path, keep the `*_FILE` variables beside the file.',
  '- **The same checks.** A key the schema does not know is refused with its path, the closest',
  '  known option, the file and the line ("Configuration file app.yaml, line 6: Unknown option',
  '  ldap.urll: no such option; did you mean `ldap.url`?"); a file that does not parse is refused',
  '  with its line; both stop `serve` and `check` with exit code 2. `logger`, `events` and `now`',
  '  are callbacks a program passes, not settings, and are refused in a file.',
  '- **Secrets.** A file holding `secretKey`, `ldap.serviceAccount.password`, `token.signingKey`,',
  '  `ldap.tls.key` or a Redis URL with a password is named in a warning at start-up when the group',
  '  or others may read it, as a key file is (`chmod 600` it).',
  "- **Not in the file: the service's own settings** (`PORT`, `HOST`, `WORKERS`, `LOG_LEVEL`,",
  '  `SHUTDOWN_GRACE_MS`, the last table below). They stay flags and variables, since they belong',
  '  to how one process is run rather than to the directory and the tokens; `port: 8080` in the',
  '  file is refused with a hint naming `--port`.',
  '- `ldap-token-auth check` prints the file it read first (`configFile` in `--json`). `fromEnv`,',
  '  the library function, reads the environment only, never `CONFIG_FILE`.',
];

/** docs/configuration.md, whole. */
export function configurationDocument(options: readonly OptionDoc[] = optionDocs()): string {
  // In the order of SECTIONS, then any other section, then the service's own settings.
  const sections = new Map<string, EnvironmentVariable[]>(
    SECTIONS.map((section) => [section.title, []]),
  );
  for (const variable of ENVIRONMENT.filter((candidate) => !candidate.service)) {
    const title = sectionOf(variable);
    sections.set(title, [...(sections.get(title) ?? []), variable]);
  }
  const service = ENVIRONMENT.filter((variable) => variable.service);
  if (service.length > 0) sections.set(sectionOf(service[0]!), service);
  const lines = [
    '# Configuration reference',
    '',
    '<!-- Generated by `npm run docs` from src/options/environment/, src/options/types.ts and src/options/schema/: do not edit by hand.',
    '     test/unit/configuration-docs.test.ts fails when this file is stale. -->',
    '',
    'The service (`ldap-token-auth serve`, and `check` and `token verify`, which read the same',
    'environment) is configured with environment variables, over an optional configuration file',
    '(see "Configuration file" below); a program passes the same settings as',
    'options to `createAuth` (or `createAuth(fromEnv())`, which reads these variables). Each',
    'variable sets the option named next to it.',
    '',
    '- An empty variable counts as unset. Values are trimmed, except secrets (`SECRET_KEY`,',
    '  `LDAP_PASSWORD`), which are taken as they are.',
    '- Booleans: `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`. Lists: comma-separated.',
    '- `*_FILE` variables name a file; its content becomes the option (PEM, JWK or JWKS text).',
    '  `SECRET_KEY_FILE`, `LDAP_PASSWORD_FILE` and `REDIS_URL_FILE` read a secret from a file',
    '  instead of its variable (one trailing newline dropped; setting both is an error), as',
    '  container platforms mount secrets. A key or secret file that the group or others may read is',
    '  named in a warning at start-up (`chmod 600` it).',
    '- An HS256 `SECRET_KEY` shorter than 32 bytes is refused (`openssl rand -base64 48` makes one).',
    '- A missing or invalid variable stops `serve` and `check` with exit code 2 and names it.',
    '- `ldap-token-auth check` tries a configuration against the live directory step by step;',
    '  see [the README](../README.md#operator-tools).',
    '',
    ...CONFIGURATION_FILE,
    '',
    '## Environment variables',
  ];
  for (const [title, variables] of sections) {
    if (variables.length === 0) continue;
    lines.push('', `### ${title}`, '', ...VARIABLE_HEADER, ...variables.map(variableRow));
  }
  lines.push(
    '',
    '## Options of `createAuth`',
    '',
    'Every option, from the types in `src/options/types.ts`, with the default the schema',
    '(`src/options/schema/`) fills in; where it says –, the meaning tells what an unset option does.',
    'Options without a variable can only be set in code. An option the schema does not know is an',
    'error that names it and the closest known option.',
    '',
    '| option | type | default | variable | meaning |',
    '|---|---|---|---|---|',
    ...options.map(optionRow),
    '',
  );
  return lines.join('\n');
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const root = join(import.meta.dirname, '..');
  writeFileSync(join(root, 'docs', 'configuration.md'), configurationDocument());
}
