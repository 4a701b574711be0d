import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import type { JWK } from 'jose';
import { ConfigurationError } from '../errors.js';

/** The algorithms tokens can be signed with. HS256 shares one secret; the others publish a JWKS. */
export type SigningAlgorithm = 'HS256' | 'EdDSA' | 'ES256' | 'RS256';

export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ['HS256', 'EdDSA', 'ES256', 'RS256'];

/** A public key as published in the JWKS: what other services verify our tokens with. */
export interface PublicJwk extends JWK {
  kid: string;
  alg: SigningAlgorithm;
  use: 'sig';
}

interface VerificationKey {
  key: KeyObject;
  algorithm: SigningAlgorithm;
}

/**
 * The keys tokens are signed and verified with: one signing key, and for asymmetric algorithms
 * every public key still accepted, by `kid`. Rotation is adding the new key as the signing key
 * and keeping the old public key in `verificationKeys` until the tokens it signed have expired;
 * a token whose `kid` is no longer listed is refused.
 *
 * Keys are loaded with node:crypto at construction, synchronously, so that a bad key file stops
 * the service at start-up rather than at the first login.
 */
export class KeySet {
  readonly algorithm: SigningAlgorithm;
  readonly signingKey: KeyObject;
  /** The signing key's id (RFC 7638 thumbprint unless given); `undefined` for HS256. */
  readonly kid: string | undefined;
  readonly #verification: ReadonlyMap<string, VerificationKey>;

  private constructor(
    algorithm: SigningAlgorithm,
    signingKey: KeyObject,
    kid: string | undefined,
    verification: Map<string, VerificationKey>,
  ) {
    this.algorithm = algorithm;
    this.signingKey = signingKey;
    this.kid = kid;
    this.#verification = verification;
  }

  /** HS256 with a shared secret (flask-ldap-auth's SECRET_KEY). */
  static fromSecret(secret: Uint8Array): KeySet {
    return new KeySet('HS256', createSecretKey(secret), undefined, new Map());
  }

  /**
   * An asymmetric key set.
   * @param signingKey the private key, as PEM (PKCS#8, or PKCS#1/SEC1) or a JWK (JSON text).
   * @param verificationKeys further public keys (PEM, a JWK, or a JWKS as JSON text) still
   *   accepted, e.g. the previous signing key during a rotation.
   * @throws {ConfigurationError} unreadable key, or a key that does not fit the algorithm.
   */
  static fromPrivateKey(
    algorithm: Exclude<SigningAlgorithm, 'HS256'>,
    signingKey: string,
    verificationKeys: readonly string[] = [],
  ): KeySet {
    const privateKey = readKey(signingKey, 'private');
    checkFits(privateKey, algorithm, 'the signing key');
    const publicKey = createPublicKey(privateKey);
    const kid = jwkOf(publicKey).kid ?? thumbprint(publicKey);
    const verification = new Map<string, VerificationKey>([[kid, { key: publicKey, algorithm }]]);
    for (const text of verificationKeys) {
      for (const { key, kid: given } of readPublicKeys(text)) {
        const keyAlgorithm = algorithmOf(key);
        verification.set(given ?? thumbprint(key), { key, algorithm: keyAlgorithm });
      }
    }
    return new KeySet(algorithm, privateKey, kid, verification);
  }

  /** The algorithms a token may be signed with to be accepted. */
  get acceptedAlgorithms(): SigningAlgorithm[] {
    if (this.algorithm === 'HS256') return ['HS256'];
    return [...new Set([...this.#verification.values()].map((entry) => entry.algorithm))];
  }

  /**
   * The key that verifies a token with this header, or `undefined` when none does: an unknown or
   * missing `kid`, or an `alg` that is not the key's own.
   */
  verificationKey(header: { alg?: string; kid?: string }): KeyObject | undefined {
    if (this.algorithm === 'HS256') return header.alg === 'HS256' ? this.signingKey : undefined;
    const entry = header.kid === undefined ? undefined : this.#verification.get(header.kid);
    return entry && entry.algorithm === header.alg ? entry.key : undefined;
  }

  /** The public keys as a JWK Set (RFC 7517); empty for HS256, whose key must stay secret. */
  jwks(): { keys: PublicJwk[] } {
    return {
      keys: [...this.#verification].map(([kid, { key, algorithm }]) => ({
        ...(publicMembers(jwkOf(key)) as JWK),
        kid,
        alg: algorithm,
        use: 'sig',
      })),
    };
  }
}

function readKey(text: string, kind: 'private' | 'public'): KeyObject {
  const create = kind === 'private' ? createPrivateKey : createPublicKey;
  try {
    const trimmed = text.trim();
    if (trimmed.startsWith('{')) {
      return create({ key: JSON.parse(trimmed) as JsonWebKey, format: 'jwk' });
    }
    return create(trimmed);
  } catch (error) {
    throw new ConfigurationError(
      `The ${kind} key cannot be read as PEM or JWK: ${(error as Error).message}`,
    );
  }
}

/** One PEM or JWK, or every key of a JWKS, with the `kid` each JWK gives. */
function readPublicKeys(text: string): { key: KeyObject; kid?: string }[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    const parsed = JSON.parse(trimmed) as JsonWebKey & { keys?: (JsonWebKey & { kid?: string })[] };
    const jwks = parsed.keys ?? [parsed as JsonWebKey & { kid?: string }];
    return jwks.map((jwk) => ({ key: readKey(JSON.stringify(jwk), 'public'), kid: jwk.kid }));
  }
  return [{ key: readKey(trimmed, 'public') }];
}

function algorithmOf(key: KeyObject): Exclude<SigningAlgorithm, 'HS256'> {
  switch (key.asymmetricKeyType) {
    case 'ed25519':
      return 'EdDSA';
    case 'ec':
      return 'ES256';
    case 'rsa':
      return 'RS256';
    default:
      throw new ConfigurationError(`Keys of type ${key.asymmetricKeyType} are not supported`);
  }
}

function checkFits(key: KeyObject, algorithm: SigningAlgorithm, name: string): void {
  const details = key.asymmetricKeyDetails;
  const fits =
    (algorithm === 'EdDSA' && key.asymmetricKeyType === 'ed25519') ||
    (algorithm === 'ES256' &&
      key.asymmetricKeyType === 'ec' &&
      details?.namedCurve === 'prime256v1') ||
    (algorithm === 'RS256' &&
      key.asymmetricKeyType === 'rsa' &&
      (details?.modulusLength ?? 0) >= 2048);
  if (!fits) {
    throw new ConfigurationError(
      `${name} (${key.asymmetricKeyType}) does not fit ${algorithm}: EdDSA needs Ed25519, ` +
        'ES256 a P-256 key, RS256 an RSA key of at least 2048 bits',
    );
  }
}

function jwkOf(key: KeyObject): JsonWebKey & { kid?: string } {
  return key.export({ format: 'jwk' });
}

/** Only the members a public JWK may carry; never `d` or the RSA private factors. */
function publicMembers(jwk: JsonWebKey): JsonWebKey {
  const { kty, crv, x, y, n, e } = jwk;
  return Object.fromEntries(
    Object.entries({ kty, crv, x, y, n, e }).filter(([, value]) => value !== undefined),
  );
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url) of a public key: its stable `kid`. */
export function thumbprint(key: KeyObject): string {
  const jwk = jwkOf(key.type === 'private' ? createPublicKey(key) : key);
  const required: Record<string, readonly string[]> = {
    EC: ['crv', 'kty', 'x', 'y'],
    OKP: ['crv', 'kty', 'x'],
    RSA: ['e', 'kty', 'n'],
  };
  const members = required[jwk.kty ?? ''] ?? [];
  // Members in lexicographic order, no white space (RFC 7638, 3.3).
  const canonical = `{${members.map((name) => `"${name}":"${(jwk as Record<string, string>)[name]}"`).join(',')}}`;
  return createHash('sha256').update(canonical).digest('base64url');
}
