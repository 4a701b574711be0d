/** The two kinds of credentials the protocol understands. */
export type Authorization =
  | { scheme: 'basic'; username: string; password: string }
  | { scheme: 'bearer'; token: string };

/** Longer headers are refused unread; no real credentials come near this size. */
const MAX_HEADER_LENGTH = 8192;

// RFC 7235 token68 as used by Basic (RFC 7617): base64, padding optional in practice.
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
// RFC 6750 b64token.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

// ignoreBOM: a leading U+FEFF is part of the username, not a marker to strip.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Parses an `Authorization` header value. Returns `undefined` for anything that is not a
 * well-formed Basic (RFC 7617) or Bearer (RFC 6750) credential; never throws.
 */
export function parseAuthorization(header: string | undefined): Authorization | undefined {
  if (!header || header.length > MAX_HEADER_LENGTH) return undefined;
  const value = header.trim();
  const space = value.indexOf(' ');
  if (space < 0) return undefined;
  const scheme = value.slice(0, space).toLowerCase();
  const credentials = value.slice(space + 1).trimStart();
  if (scheme === 'basic') return parseBasic(credentials);
  if (scheme === 'bearer' && B64TOKEN.test(credentials)) {
    return { scheme: 'bearer', token: credentials };
  }
  return undefined;
}

function parseBasic(encoded: string): Authorization | undefined {
  if (!BASE64.test(encoded) || encoded.length % 4 === 1) return undefined;
  let decoded: string;
  try {
    decoded = utf8.decode(Buffer.from(encoded, 'base64'));
  } catch {
    return undefined; // not UTF-8: RFC 7617 lets us insist on it
  }
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return {
    scheme: 'basic',
    username: decoded.slice(0, colon),
    password: decoded.slice(colon + 1),
  };
}

/**
 * The token a request presents on a protected route: flask-ldap-auth's `Basic <token>:` (the token
 * as the username, the password ignored), or `Bearer <token>`.
 */
export function presentedToken(authorization: Authorization | undefined): string | undefined {
  if (!authorization) return undefined;
  if (authorization.scheme === 'bearer') return authorization.token;
  return authorization.username || undefined;
}

// About a megabyte at most with tokens of 500-odd characters; past this many clients, a repeat
// may be decoded again, which costs a microsecond and changes no answer.
const SEEN_BASIC_HEADERS = 1024;
// Keyed by a number mixed from the header's last characters (the base64 of the signature's end):
// a number is hashed for nothing, where a string key, even a 32-character slice, is first made
// and then hashed on every request. Two headers with the same key share a slot (the newer stays);
// a hit still compares the whole header.
const SEEN_KEY_LENGTH = 16;
const seenBasicHeaders = new Map<number, { header: string; token: string }>();

function seenKeyOf(header: string): number {
  let key = header.length;
  for (let index = Math.max(0, header.length - SEEN_KEY_LENGTH); index < header.length; index++) {
    key = (Math.imul(key, 31) + header.charCodeAt(index)) | 0;
  }
  return key & 0x3fffffff; // V8's small integers: no heap number per look-up
}

/**
 * {@link presentedToken} of {@link parseAuthorization}, the seed's `Basic <token>:` read once per
 * distinct header: decoding is deterministic, so a header that decoded to a token before decodes
 * to the same token again, and a client reusing its header skips the base64 check and decoding
 * (about a microsecond for a token of 500-odd characters, most of what a known token costs). Only
 * headers whose password is empty are remembered, so no password is kept; a header never seen
 * whole before goes through the parser.
 */
export function presentedTokenOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const key = seenKeyOf(header);
  const seen = seenBasicHeaders.get(key);
  if (seen !== undefined && seen.header === header) return seen.token;
  const authorization = parseAuthorization(header);
  const token = presentedToken(authorization);
  if (token && authorization?.scheme === 'basic' && authorization.password === '') {
    // Oldest first out: a bound on memory that a flood of distinct headers cannot raise.
    if (seenBasicHeaders.size >= SEEN_BASIC_HEADERS && !seenBasicHeaders.has(key)) {
      seenBasicHeaders.delete(seenBasicHeaders.keys().next().value!);
    }
    seenBasicHeaders.set(key, { header, token });
  }
  return token;
}

/**
 * The `Authorization` header from Node's raw header list (`req.rawHeaders`), the first one as Node
 * itself keeps. Node builds `req.headers` lazily, and building it costs more than verifying a
 * known token: on the protected route's hot path, servers on `node:http` read this instead.
 */
export function authorizationFromRaw(rawHeaders: readonly string[]): string | undefined {
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = rawHeaders[index]!;
    // The two usual spellings compare without making a lower-cased copy of the name.
    if (
      name.length === 13 &&
      (name === 'Authorization' ||
        name === 'authorization' ||
        name.toLowerCase() === 'authorization')
    ) {
      return rawHeaders[index + 1];
    }
  }
  return undefined;
}
