// The `browser` options as the service runs on them: cookie domain and allowed hosts in the form
// requests are compared in.
import type { z } from 'zod';
import { canonicalAllowedHost } from './allowed-hosts.js';
import type { browserSchema } from './schema/browser.js';

/** The `browser` section as the service runs on it. */
export interface ResolvedBrowserOptions {
  readonly enabled: boolean;
  readonly cookieName: string;
  readonly cookieSecure: boolean;
  readonly cookieDomain?: string;
  /** `[.]hostname[:port]`, the host name as `new URL` spells it (lower case, IPv6 compressed). */
  readonly allowedRedirectHosts: readonly string[];
  readonly loginUrl?: string;
  readonly title: string;
  /** 0: no re-checks. */
  readonly sessionRecheckSeconds: number;
  readonly sessionRecheckFailure: 'open' | 'closed';
}

/** Lower-cases the cookie domain and puts the allowed hosts in the form URLs are compared in. */
export function resolveBrowser(browser: z.infer<typeof browserSchema>): ResolvedBrowserOptions {
  return {
    ...browser,
    ...(browser.cookieDomain ? { cookieDomain: browser.cookieDomain.toLowerCase() } : {}),
    allowedRedirectHosts: browser.allowedRedirectHosts.map(canonicalAllowedHost),
  };
}
