import { isPlainHost } from './forwarded.js';

/**
 * The absolute URL of the token endpoint, for the `Location` header of a 401, built from the
 * request's own scheme and host as flask-ldap-auth's answers are (behind a trusted proxy, those
 * the client used: see `requestOrigin`). A host header that is not a
 * plain host name is not echoed: the path alone is returned instead.
 * @param path the endpoint's path, e.g. `/auth/request-token`.
 */
export function tokenEndpointUrl(
  path: string,
  request: { protocol?: string | undefined; host?: string | undefined },
): string {
  const { protocol, host } = request;
  if (!isPlainHost(host)) return path;
  const scheme = protocol === 'https' ? 'https' : 'http';
  return `${scheme}://${host}${path}`;
}

/** Joins a mount path and a route without doubling or dropping the slash between them. */
export function joinPath(mount: string, route: string): string {
  return `${mount.replace(/\/+$/, '')}/${route.replace(/^\/+/, '')}`;
}
