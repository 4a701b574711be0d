// `ldap-token-auth check`: diagnoses the configuration `serve` would run with (the same
// environment and configuration file, read by the same optionsFrom) against the live directory.
import { ConfigurationError } from '../errors.js';
import { optionsFrom } from '../options/config-file.js';
import { ignoredSettings } from '../options/ignored-settings.js';
import { type AuthOptions, resolveOptions } from '../options/resolve.js';
import { CONFIG_OPTION, HELP_OPTION, parseCommandLine } from './command-line.js';
import { terminalText } from './terminal-text.js';

export const CHECK_USAGE = `Usage: ldap-token-auth check [--config <file>] [--user <name>] [--criteria <attribute>] [--password-prompt] [--json]

Diagnoses the configuration that \`serve\` would run with (the same environment variables over
the same configuration file; see ldap-token-auth --help) against the live directory, one step per
line, after the configuration file it read, if any:

  ✓ configuration     the environment is valid (else exit code 2 and the variable at fault)
  ✓ reach <url>       a TCP connection to each server of LDAP_AUTH_SERVER
  ✓ TLS <url>         the ldaps:// or StartTLS handshake, the certificate's subject, issuer,
                      expiry and whether it is trusted (LDAP_TLS_CA_FILE)
  ✓ service account   the bind as LDAP_USERNAME with LDAP_PASSWORD (when configured)
  ✓ search            a search of LDAP_TOP_DN, as the service account or anonymously
  ✓ groups            only with LDAP_GROUP_STRATEGY search, nested or inChain: that some group
                      under LDAP_GROUP_BASE_DN is visible to that identity (else a warning, !)
  ✓ user <name>       with --user: the user search a login makes, and the DN it finds
  ✓ password          with --password-prompt: a bind as that DN with the password
  ✓ token round-trip  a token signed with the configured keys, and verified
  ✓ OpenID Connect    with OIDC_ISSUER: the issuer URL, an asymmetric TOKEN_ALGORITHM (ID tokens
                      are verified with the public key), and OIDC_CLIENTS_FILE read and checked,
                      each client listed with its redirect URIs and allowed groups

A failing step (✗) is followed by a hint naming the likely cause and the variable to change;
steps that depend on it are skipped (–). A warning (!) is followed by a hint too, but does not
fail: logins work, not as meant (tokens would carry no groups).

Options:
  --config <file>      The configuration file serve would read (else CONFIG_FILE)
  --user <name>        Look this login up as a token request would
  --criteria <attr>    Match it against this attribute (default LDAP_SEARCH_CRITERIA)
  --password-prompt    Also check the user's password: read without echo from a terminal, or
                       the first line of stdin when it is not one. It is never printed.
  --json               One JSON document {ok, steps: [{step, title, status, summary, hint,
                       variables, details}], configFile} instead of text
  -h, --help           Show this help

Exit codes: 0 no step failed (warnings allowed), 1 a step failed, 2 bad usage or invalid configuration.`;

export async function runCheckCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandLine(argv, CHECK_ARGUMENTS, CHECK_USAGE);
  if (!parsed) return 2;
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(`${CHECK_USAGE}\n`);
    return 0;
  }
  if (values['password-prompt'] && !values.user) {
    process.stderr.write(`--password-prompt needs --user <name>\n\n${CHECK_USAGE}\n`);
    return 2;
  }
  let options: ReturnType<typeof resolveOptions>;
  let given: AuthOptions;
  let configFile: string | undefined;
  try {
    ({ options: given, file: configFile } = optionsFrom({ file: values.config }));
    options = resolveOptions(given);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    if (values.json) {
      const body = {
        ok: false,
        error: 'configuration',
        variable: error.variable ?? null,
        message: error.message,
      };
      process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    } else {
      process.stdout.write(`✗ configuration: ${terminalText(error.message)}\n`);
    }
    return 2;
  }
  const [{ readPassword }, { runChecks }, { formatReport, reportJson }] = await Promise.all([
    import('./password-prompt.js'),
    import('./check/run.js'),
    import('./check/steps.js'),
  ]);
  let password: string | undefined;
  if (values['password-prompt']) {
    try {
      password = await readPassword(`Password for ${values.user}: `);
    } catch (error) {
      process.stderr.write(`${(error as Error).message}\n`);
      return 2;
    }
  }
  const report = await runChecks(options, {
    ...(values.user ? { username: values.user } : {}),
    ...(values.criteria ? { criteria: values.criteria } : {}),
    ...(password === undefined ? {} : { password }),
    ignored: ignoredSettings(given),
  });
  if (values.json) {
    process.stdout.write(reportJson({ ...report, ...(configFile && { configFile }) }));
  } else {
    const read = configFile ? `Configuration file: ${configFile}\n` : '';
    process.stdout.write(`${read}${formatReport(report)}`);
  }
  return report.ok ? 0 : 1;
}

const CHECK_ARGUMENTS = {
  allowPositionals: false,
  options: {
    ...CONFIG_OPTION,
    user: { type: 'string' },
    criteria: { type: 'string' },
    'password-prompt': { type: 'boolean' },
    json: { type: 'boolean' },
    ...HELP_OPTION,
  },
} as const;
