// The schema of the `browser` options (sign-in page and cookies on the standalone service).
import { z } from 'zod';
import { parseAllowedHost } from '../allowed-hosts.js';
import { FAILURE_MODES } from './stores.js';

// RFC 6265 cookie-name (an RFC 7230 token).
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
// `host`, `host:port`, `[v6]:port`, or `.domain` (the domain and its subdomains).
const ALLOWED_HOST =
  /^(?:\.?[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\d{1,5})?|\[[0-9A-Fa-f:.]+\](?::\d{1,5})?)$/;
export const browserSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    cookieName: z
      .string()
      .regex(COOKIE_NAME, "must be a cookie name (letters, digits, !#$%&'*+-.^_`|~)")
      .refine(
        (name) => !/^__(host|secure)-/i.test(name),
        'must not start with __Host- or __Secure-',
      )
      .default('ldap_token_auth'),
    cookieSecure: z.boolean().default(true),
    cookieDomain: z.string().regex(HOST_NAME, 'must be a host name such as example.org').optional(),
    allowedRedirectHosts: z
      .array(
        z
          .string()
          .regex(ALLOWED_HOST, 'must be host, host:port or .domain')
          .refine((host) => parseAllowedHost(host) !== undefined, 'is not a valid host or port'),
      )
      .readonly()
      .default([]),
    loginUrl: z
      .string()
      .refine(
        (url) => /^\/(?![/\\])/.test(url) || /^https?:\/\/[^/?#\\@]+(?:[/?][^\\]*)?$/i.test(url),
        'must be a path such as /auth/login or an http(s):// URL',
      )
      .optional(),
    title: z.string().min(1).max(200).default('Sign in'),
    sessionRecheckSeconds: z.number().int().min(0).max(86_400).default(300),
    sessionRecheckFailure: z.enum(FAILURE_MODES).default('open'),
  })
  .prefault({});
