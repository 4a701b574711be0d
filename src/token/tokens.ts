import { createSecretKey, type KeyObject, randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { InvalidTokenError, TokenExpiredError } from '../errors.js';

/** The one algorithm tokens are signed and verified with; any other `alg` is refused. */
const ALGORITHM = 'HS256';

/** What a token says about its holder. */
export interface TokenClaims {
  /** The username the token was issued to. */
  sub: string;
  /** The user's directory entry. */
  dn: string;
  /** Issued at, seconds since the epoch. */
  iat: number;
  /** Expires at, seconds since the epoch. */
  exp: number;
  /** The token's unique id, for revocation. */
  jti: string;
}

export interface SignedToken {
  token: string;
  claims: TokenClaims;
}

/**
 * Signs and verifies the library's JWTs. The key becomes a KeyObject once, at construction, so
 * that jose's Node back-end (node:crypto, a synchronous HMAC) uses it as it is on every call.
 * jose 5 is kept for that back-end: jose 6 signs through WebCrypto, which on Node 20 hops to the
 * thread pool and costs about six times as much per token (see the README's Performance notes).
 */
export class TokenSigner {
  readonly #key: KeyObject;
  readonly #now: () => number;

  constructor(secret: Uint8Array, now: () => number) {
    this.#key = createSecretKey(secret);
    this.#now = now;
  }

  async sign(
    subject: { username: string; dn: string },
    durationSeconds: number,
  ): Promise<SignedToken> {
    const iat = Math.floor(this.#now() / 1000);
    const claims: TokenClaims = {
      sub: subject.username,
      dn: subject.dn,
      iat,
      exp: iat + durationSeconds,
      jti: randomUUID(),
    };
    const token = await new SignJWT({ dn: claims.dn })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setSubject(claims.sub)
      .setIssuedAt(claims.iat)
      .setExpirationTime(claims.exp)
      .setJti(claims.jti)
      .sign(this.#key);
    return { token, claims };
  }

  /**
   * @throws {TokenExpiredError} the token was valid and has expired.
   * @throws {InvalidTokenError} anything else wrong with it.
   */
  async verify(token: string): Promise<TokenClaims> {
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        algorithms: [ALGORITHM],
        requiredClaims: ['sub', 'iat', 'exp', 'jti'],
        currentDate: new Date(this.#now()),
      });
      if (typeof payload.dn !== 'string') throw new InvalidTokenError('The token has no dn claim');
      return payload as unknown as TokenClaims;
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      if (error instanceof joseErrors.JWTExpired) {
        throw new TokenExpiredError('The token has expired', { cause: error });
      }
      // Never echo the token or jose's detail back: "invalid" is all a caller needs to know.
      throw new InvalidTokenError('The token is not valid', { cause: error });
    }
  }
}
