// The service as an OpenID Provider: oidc-provider (OpenID Certified), configured with our keys,
// accounts, clients and sign-in form. Loaded with a dynamic import only when OIDC is on, so that
// the library and the framework adapters never load it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { AdapterConstructor } from 'oidc-provider';
import { keysOf, redisOf } from '../core/auth-internals.js';
import type { Auth } from '../core/types.js';
import { ConfigurationError } from '../errors.js';
import type { OidcOptions } from '../options/oidc.js';
import { oidcSchema } from '../options/schema/oidc.js';
import type { Logger } from '../shared/logger.js';
import { type ResolvedOidcClient, readOidcClients } from './clients.js';
import { OidcInteractions } from './interactions.js';
import { canonicalIssuer, issuerPath, issuerProblem } from './issuer.js';
import { providerJwks } from './keys.js';
import { INTERACTION_ROUTE, OIDC_ROUTES, providerConfiguration } from './provider-config.js';
import { storageAdapter } from './storage.js';

/** What {@link createOidcProvider} takes beside the Auth. */
export interface OidcProviderOptions extends OidcOptions {
  /**
   * oidc-provider's storage (an adapter class, see its documentation). Default: the Auth's Redis
   * when its stores use one (keys under its prefix + `oidc:`), else this process's memory.
   */
  adapter?: AdapterConstructor;
}

/** A provider, ready to be mounted at its issuer's path. */
export interface OidcProvider {
  /** The issuer, as clients see it (no trailing slash). */
  readonly issuer: string;
  /** The oidc-provider instance, for its events. */
  readonly provider: Provider;
  /** The sign-in form's routes, answered apart from the provider. */
  readonly interactions: OidcInteractions;
  /** The logout confirmation's path (a POST from the provider's logout page). */
  readonly logoutConfirmPath: string;
  /** Whether a request path (without query) is the provider's: discovery, or under `/oidc/`. */
  owns(path: string): boolean;
  /** Answers a request the provider owns (see {@link owns}), other than the interactions. */
  handle(req: IncomingMessage, res: ServerResponse): void;
}

/**
 * Builds the OpenID Provider of an Auth made by `createAuth`, from `options` (default: the Auth's
 * own `oidc` options).
 * @throws {ConfigurationError} no issuer or a bad one, HS256 signing, or a bad clients file.
 */
export async function createOidcProvider(
  auth: Auth,
  options: OidcProviderOptions = auth.options.oidc ?? {},
): Promise<OidcProvider> {
  const { adapter: given, ...oidc } = options;
  if (!oidc.issuer) {
    throw new ConfigurationError('OpenID Connect needs an issuer URL', 'OIDC_ISSUER');
  }
  const problem = issuerProblem(oidc.issuer);
  if (problem) throw new ConfigurationError(`OIDC_ISSUER ${problem}`, 'OIDC_ISSUER');
  const issuer = canonicalIssuer(oidc.issuer);
  const keys = keysOf(auth);
  providerJwks(keys); // HS256 is refused before anything is loaded.
  const clients = await clientsOf(oidc);
  const adapter = given ?? storageAdapter(await redisOf(auth), auth.options.redis?.keyPrefix ?? '');
  const { default: ProviderClass, errors } = await asLogLines(
    auth.logger,
    () => import('oidc-provider'),
  );
  const path = issuerPath(issuer);
  const configuration = providerConfiguration({
    auth,
    keys,
    issuerPath: path,
    clients,
    errors,
    adapter,
  });
  const provider = await asLogLines(
    auth.logger,
    async () => new ProviderClass(issuer, configuration),
  );
  // The service rewrites X-Forwarded-Proto and -Host to what TRUSTED_PROXIES allows.
  provider.proxy = true;
  provider.on('server_error', (_ctx, error) => {
    auth.logger.error(
      { event: 'oidc_server_error', error: error.name, message: error.message },
      `The OpenID Provider failed: ${error.message}`,
    );
  });
  const callback = provider.callback();
  const discovery = `${path}/.well-known/openid-configuration`;
  const under = `${path}/oidc/`;
  return {
    issuer,
    provider,
    interactions: new OidcInteractions(auth, provider, `${path}${INTERACTION_ROUTE}`),
    logoutConfirmPath: `${path}${OIDC_ROUTES.end_session}/confirm`,
    owns: (requestPath) => requestPath === discovery || requestPath.startsWith(under),
    handle(req, res) {
      // The provider routes on the path below the issuer's; it reads the mount from originalUrl.
      const url = req.url ?? '/';
      Object.assign(req, { originalUrl: url });
      req.url = url.slice(path.length) || '/';
      void callback(req, res);
    },
  };
}

/** The clients given in options and those of the clients file, each id once. */
async function clientsOf(oidc: OidcOptions): Promise<ResolvedOidcClient[]> {
  const given = oidcSchema.parse({ clients: oidc.clients ?? [] }).clients ?? [];
  const fromFile = oidc.clientsFile ? await readOidcClients(oidc.clientsFile) : [];
  const clients = [...given, ...fromFile];
  const ids = new Set<string>();
  for (const client of clients) {
    if (ids.has(client.client_id)) {
      throw new ConfigurationError(
        `OpenID Connect client ${client.client_id} is defined twice (options and ${oidc.clientsFile})`,
        'OIDC_CLIENTS_FILE',
      );
    }
    ids.add(client.client_id);
  }
  return clients;
}

const PROVIDER_NOTICE = /^oidc-provider (NOTICE|WARNING): /;
const COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/**
 * Runs `load` with oidc-provider's notices (written with `console.info`/`warn` as it loads and
 * is configured, such as its warning on Node 20) turned into lines of our log: the service's
 * stderr stays one JSON object per line. Anything else written to the console passes through.
 */
async function asLogLines<T>(logger: Logger, load: () => Promise<T>): Promise<T> {
  const { info, warn } = console;
  const capture =
    (write: (...data: unknown[]) => void) =>
    (...data: unknown[]) => {
      // On a terminal the notice comes wrapped in colour codes.
      const text = typeof data[0] === 'string' ? data[0].replaceAll(COLOUR, '') : '';
      const match = PROVIDER_NOTICE.exec(text);
      if (!match) return write(...data);
      const message = text.slice(match[0].length);
      logger.warn(
        { event: 'oidc_provider_notice', kind: match[1]?.toLowerCase() },
        `oidc-provider: ${message}`,
      );
    };
  console.info = capture(info);
  console.warn = capture(warn);
  try {
    return await load();
  } finally {
    console.info = info;
    console.warn = warn;
  }
}
