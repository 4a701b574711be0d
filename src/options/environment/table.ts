// Every environment variable the library and the service read: the one table that fromEnv,
// `ldap-token-auth --help` and docs/configuration.md are made from.
import { BROWSER_VARIABLES } from './browser.js';
import { withSchemaDefault } from './defaults.js';
import { DIRECTORY_VARIABLES } from './directory.js';
import { IDENTITY_VARIABLES } from './identity.js';
import { OIDC_VARIABLES } from './oidc.js';
import { SERVICE_VARIABLES } from './service.js';
import { STORE_VARIABLES } from './stores.js';
import { TOKEN_VARIABLES } from './tokens.js';
import type { EnvironmentVariable } from './variable.js';

export type { EnvironmentVariable } from './variable.js';

/**
 * Every variable `fromEnv` reads, section by section (one file each under src/options/environment/).
 * flask-ldap-auth's own names come first, unchanged. docs/configuration.md is written from this
 * table, in this order.
 */
export const ENVIRONMENT: readonly EnvironmentVariable[] = [
  ...DIRECTORY_VARIABLES,
  ...TOKEN_VARIABLES,
  ...STORE_VARIABLES,
  ...BROWSER_VARIABLES,
  ...IDENTITY_VARIABLES,
  ...OIDC_VARIABLES,
  ...SERVICE_VARIABLES,
].map(withSchemaDefault);
