// Loads the keys tokens are signed and verified with, from resolved options, and refuses the
// ones that would make tokens forgeable (a short HS256 secret).
import { ConfigurationError } from '../errors.js';
import { KeySet, type SigningAlgorithm } from './keys.js';

/** The part of the resolved token options that names the keys. */
export interface SigningOptions {
  readonly algorithm: SigningAlgorithm;
  /** The private key (PEM or JWK text) of the asymmetric algorithms. */
  readonly signingKey?: string;
  /** Further public keys accepted (each PEM, JWK or JWKS text). */
  readonly verificationKeys: readonly string[];
}

/**
 * The shortest HS256 secret accepted, in bytes: RFC 7518 section 3.2 asks for a key at least as
 * long as the hash (256 bits), and a shorter one falls to an offline guess from any token.
 */
export const MIN_SECRET_BYTES = 32;

/**
 * The keys tokens are signed and verified with, loaded from the options.
 * @throws {ConfigurationError} a missing, unreadable or unfitting key.
 */
export function keySetOf(token: SigningOptions, secret: Uint8Array): KeySet {
  const { algorithm, signingKey, verificationKeys: extra } = token;
  if (algorithm === 'HS256') {
    if (secret.length === 0) {
      throw new ConfigurationError('Invalid option secretKey: required with HS256', undefined, {
        path: 'secretKey',
        detail: 'required with HS256',
      });
    }
    if (secret.length < MIN_SECRET_BYTES) {
      // Never the secret itself: only its length.
      const detail = `must be at least ${MIN_SECRET_BYTES} bytes, not ${secret.length}: anyone holding one token can guess a short key offline and forge others. Make one with \`openssl rand -base64 48\``;
      throw new ConfigurationError(`Invalid option secretKey: ${detail}`, undefined, {
        path: 'secretKey',
        detail,
      });
    }
    return KeySet.fromSecret(secret);
  }
  if (!signingKey) {
    throw new ConfigurationError(
      `Invalid option token.signingKey: required with ${algorithm}`,
      undefined,
      { path: 'token.signingKey', detail: `required with ${algorithm}` },
    );
  }
  // The private key alone first, so a failure is put on the option that caused it.
  const signing = withPath('token.signingKey', () => KeySet.fromPrivateKey(algorithm, signingKey));
  if (extra.length === 0) return signing;
  return withPath('token.verificationKeys', () =>
    KeySet.fromPrivateKey(algorithm, signingKey, extra),
  );
}

function withPath(path: string, load: () => KeySet): KeySet {
  try {
    return load();
  } catch (error) {
    const detail = (error as Error).message;
    throw new ConfigurationError(`Invalid option ${path}: ${detail}`, undefined, { path, detail });
  }
}
