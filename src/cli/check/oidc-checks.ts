// `check`'s OpenID Connect steps, when OIDC_ISSUER is set: the issuer, the signing algorithm
// clients can verify, and the clients file with each client's redirect URIs and groups.
import { ConfigurationError } from '../../errors.js';
import { type ResolvedOidcClient, readOidcClients } from '../../oidc/clients.js';
import { issuerPath, issuerProblem } from '../../oidc/issuer.js';
import type { ResolvedOptions } from '../../options/resolve.js';
import { failed, passed, type StepResult, warned } from './steps.js';

/** The OIDC steps; none when OpenID Connect is off (no issuer). */
export async function checkOidc(options: ResolvedOptions): Promise<StepResult[]> {
  const issuer = options.oidc?.issuer;
  if (!issuer) return [];
  return [issuerStep(issuer), signingStep(options, issuer), await clientsStep(options)];
}

function issuerStep(issuer: string): StepResult {
  const title = 'OpenID Connect issuer';
  const problem = issuerProblem(issuer);
  if (problem) {
    return failed('oidc-issuer', title, `${issuer} ${problem}`, 'correct OIDC_ISSUER', [
      'OIDC_ISSUER',
    ]);
  }
  const discovery = `${issuer}/.well-known/openid-configuration`;
  return passed('oidc-issuer', title, `${issuer}, discovery at ${discovery}`, {
    issuer,
    discovery,
    routesUnder: issuerPath(issuer) || '/',
  });
}

function signingStep(options: ResolvedOptions, issuer: string): StepResult {
  const title = 'OpenID Connect signing';
  const { algorithm } = options.token;
  if (algorithm === 'HS256') {
    return failed(
      'oidc-signing',
      title,
      'OpenID Connect needs an asymmetric algorithm (RS256, ES256, EdDSA, ...): clients verify ' +
        'ID tokens with the public key, and HS256 has none; serve refuses to start so',
      'set TOKEN_ALGORITHM to RS256, ES256 or EdDSA and TOKEN_SIGNING_KEY_FILE to its private key',
      ['TOKEN_ALGORITHM', 'TOKEN_SIGNING_KEY_FILE'],
      { algorithm },
    );
  }
  const jwks = `${issuer}/oidc/jwks`;
  return passed('oidc-signing', title, `ID tokens signed with ${algorithm}, keys at ${jwks}`, {
    algorithm,
    jwks,
  });
}

async function clientsStep(options: ResolvedOptions): Promise<StepResult> {
  const title = 'OpenID Connect clients';
  const clientsFile = options.oidc?.clientsFile;
  let clients: ResolvedOidcClient[];
  try {
    const fromFile = clientsFile ? await readOidcClients(clientsFile) : [];
    clients = [...(options.oidc?.clients ?? []), ...fromFile];
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    return failed('oidc-clients', title, error.message, 'correct the clients file', [
      'OIDC_CLIENTS_FILE',
    ]);
  }
  const source = clientsFile ? ` from ${clientsFile}` : '';
  if (clients.length === 0) {
    return warned(
      'oidc-clients',
      title,
      `no clients${source}: no application can sign in through OpenID Connect`,
      'list the applications in a JSON or YAML file named by OIDC_CLIENTS_FILE',
      ['OIDC_CLIENTS_FILE'],
    );
  }
  const step = passed(
    'oidc-clients',
    title,
    `${clients.length} client${clients.length === 1 ? '' : 's'}${source}`,
    { clients: clients.map(clientFacts) },
  );
  step.lines = clients.flatMap(clientLines);
  return step;
}

/** What a client may do, never its secret. */
function clientFacts(client: ResolvedOidcClient) {
  return {
    client_id: client.client_id,
    public: client.token_endpoint_auth_method === 'none',
    token_endpoint_auth_method: client.token_endpoint_auth_method,
    grant_types: client.grant_types,
    redirect_uris: client.redirect_uris ?? [],
    allowed_groups: client.allowed_groups ?? null,
  };
}

function clientLines(client: ResolvedOidcClient): string[] {
  const kind =
    client.token_endpoint_auth_method === 'none'
      ? 'public, PKCE S256'
      : `confidential, ${client.token_endpoint_auth_method}`;
  const groups = client.allowed_groups?.length
    ? `only members of ${client.allowed_groups.join(', ')}`
    : 'everyone the service admits';
  return [
    `${client.client_id} (${kind}; ${client.grant_types.join(', ')}): ${groups}`,
    ...(client.redirect_uris ?? []).map((uri) => `  redirect ${uri}`),
  ];
}
