import {
  decodeJwt,
  decodeProtectedHeader,
  type JWTPayload,
  type ProtectedHeaderParameters,
} from 'jose';

/** A token's two readable parts, taken apart without checking its signature. */
export interface DecodedToken {
  header: ProtectedHeaderParameters;
  claims: JWTPayload & Record<string, unknown>;
}

/**
 * Takes a token apart, accepting it as the token endpoint hands it out too (flask-ldap-auth's
 * `token` ends with a colon, for pasting as a Basic username) or with `Bearer ` in front.
 * Nothing is verified: for reading only.
 * @throws {TypeError} when it is not a compact JWS with a JSON payload.
 */
export function decodeToken(text: string): DecodedToken {
  const token = text
    .trim()
    .replace(/^Bearer\s+/i, '')
    .replace(/:$/, '');
  try {
    return {
      header: decodeProtectedHeader(token),
      claims: decodeJwt(token) as DecodedToken['claims'],
    };
  } catch (error) {
    throw new TypeError(`not a JWT: ${(error as Error).message}`);
  }
}

/** "expires in 59 minutes", "expired 3 minutes ago": how far `exp` (seconds) is from `now` (ms). */
export function expiryInWords(exp: number, now: number): string {
  const seconds = Math.round(exp - now / 1000);
  if (seconds === 0) return 'expires now';
  const span = duration(Math.abs(seconds));
  return seconds > 0 ? `expires in ${span}` : `expired ${span} ago`;
}

/** A span of seconds in the largest unit that keeps two or more of it: 90 s, 59 minutes, 36 hours. */
export function duration(seconds: number): string {
  const units: [number, string][] = [
    [86_400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of units) {
    if (seconds >= 2 * size) return plural(Math.floor(seconds / size), name);
  }
  return plural(Math.floor(seconds), 'second');
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}
