// The provider's keys, all from the service's signing key: the key set it signs ID tokens with,
// and the keys of its signed cookies, derived so that every instance sharing the signing key
// shares them with no further setting.
import { hkdfSync } from 'node:crypto';
import { ConfigurationError } from '../errors.js';
import type { KeySet } from '../token/keys.js';

/** The JWS algorithm name oidc-provider and relying parties use for our key. */
export function idTokenAlgorithm(keys: KeySet): string {
  return keys.algorithm;
}

/**
 * The private key set oidc-provider signs with: our one signing key, its `kid` the one our own
 * JWKS publishes, so that `/oidc/jwks` and `/.well-known/jwks.json` name the same key.
 * @throws {ConfigurationError} with HS256: a relying party verifies ID tokens with a public key.
 */
export function providerJwks(keys: KeySet): { keys: Record<string, unknown>[] } {
  if (keys.algorithm === 'HS256' || keys.kid === undefined) {
    throw new ConfigurationError(
      'OpenID Connect (OIDC_ISSUER) needs an asymmetric signing algorithm (TOKEN_ALGORITHM RS256, ES256, EdDSA, ...) and its TOKEN_SIGNING_KEY_FILE: clients verify ID tokens with the public key, which HS256 does not have',
      'TOKEN_ALGORITHM',
    );
  }
  const jwk = keys.signingKey.export({ format: 'jwk' }) as Record<string, unknown>;
  return { keys: [{ ...jwk, kid: keys.kid, alg: keys.algorithm, use: 'sig' }] };
}

/** Keys for oidc-provider's signed cookies: HKDF-SHA256 of the private signing key. */
export function cookieKeys(keys: KeySet): string[] {
  const secret = keys.signingKey.export({ format: 'der', type: 'pkcs8' });
  const derived = hkdfSync('sha256', secret, 'ldap-token-auth', 'oidc-provider cookie keys', 32);
  return [Buffer.from(derived).toString('base64url')];
}
