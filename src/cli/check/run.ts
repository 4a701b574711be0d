// The order of `ldap-token-auth check`'s steps: the configuration, each server's reachability
// and TLS, then the LDAP steps on the first server that passed, then a token round-trip, then
// with OIDC_ISSUER set the OpenID Connect issuer, signing algorithm and clients.

import type { ServerAddress } from '../../ldap/urls.js';
import type { IgnoredSetting } from '../../options/ignored-settings.js';
import type { ResolvedOptions } from '../../options/resolve.js';
import { checkReach, checkTls } from './connection-checks.js';
import { checkDirectory } from './directory-checks.js';
import { checkOidc } from './oidc-checks.js';
import { type CheckReport, passed, type StepResult, skipped } from './steps.js';
import { checkTokenRoundTrip } from './token-check.js';

export interface CheckInput {
  /** `--user`: a login to look up. */
  username?: string;
  /** `--criteria`: the attribute it is matched against. */
  criteria?: string;
  /** `--password-prompt`: the user's password, checked by a bind. Never printed. */
  password?: string;
  /** Settings given that do nothing (see ignored-settings.ts): shown under the configuration. */
  ignored?: readonly IgnoredSetting[];
}

/** Runs every step against the directory the options name. Never throws for a failing step. */
export async function runChecks(
  options: ResolvedOptions,
  input: CheckInput = {},
): Promise<CheckReport> {
  const ldap = options.ldap;
  const steps: StepResult[] = [configurationStep(options, input.ignored ?? [])];
  let usable: ServerAddress | undefined;
  for (const server of ldap.servers) {
    const reach = await checkReach(server, ldap);
    steps.push(reach);
    if (reach.status === 'fail') {
      steps.push(skipped('tls', `TLS ${server.url}`, 'not run: the server cannot be reached'));
      continue;
    }
    const tls = await checkTls(server, ldap);
    steps.push(tls);
    if (tls.status !== 'fail') usable ??= server;
  }
  let user: { username: string; dn: string } | undefined;
  if (usable) {
    const directory = await checkDirectory({ options, server: usable, ...input });
    steps.push(...directory.steps);
    if (directory.user && input.username) {
      user = { username: input.username, dn: directory.user.dn };
    }
  } else {
    const why = 'not run: no server could be connected to';
    steps.push(skipped('service-bind', 'service account bind', why));
    steps.push(skipped('search', 'search LDAP_TOP_DN', why));
    if (input.username) steps.push(skipped('user', `user ${input.username}`, why));
  }
  steps.push(
    await checkTokenRoundTrip(
      options,
      user ?? { username: 'ldap-token-auth-check', dn: `uid=ldap-token-auth-check,${ldap.topDn}` },
    ),
  );
  steps.push(...(await checkOidc(options)));
  return { ok: steps.every((step) => step.status !== 'fail'), steps };
}

function configurationStep(
  options: ResolvedOptions,
  ignored: readonly IgnoredSetting[],
): StepResult {
  const ldap = options.ldap;
  const tls = ldap.servers.some((server) => server.secure)
    ? 'ldaps://'
    : ldap.tls.startTls
      ? 'StartTLS'
      : 'no TLS';
  const who = ldap.serviceAccount ? `as ${ldap.serviceAccount.dn}` : 'anonymously';
  const step = passed(
    'configuration',
    'configuration',
    `${ldap.servers.length} server${ldap.servers.length === 1 ? '' : 's'} (${tls}), users under ` +
      `${ldap.topDn} (scope ${ldap.scope}, matched on ${options.searchCriteria.default}), ` +
      `searched ${who}, preset ${ldap.preset.name}, tokens ${options.token.algorithm}`,
    {
      servers: ldap.servers.map((server) => server.url),
      topDn: ldap.topDn,
      scope: ldap.scope,
      searchAs: ldap.serviceAccount?.dn ?? null,
      preset: ldap.preset.name,
      algorithm: options.token.algorithm,
      ...(ignored.length > 0 ? { ignored } : {}),
    },
  );
  if (ignored.length > 0) {
    step.lines = ignored.map(
      ({ option, variable, reason }) =>
        `warning: ${variable ?? option} is set but does nothing: ${reason}`,
    );
  }
  return step;
}
