import { randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { InvalidTokenError, TokenExpiredError } from '../errors.js';
import { isCanonicalCompactJws } from './canonical.js';
import { KeySet } from './keys.js';

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
  /** Not before, seconds since the epoch (the same as `iat`). */
  nbf?: number;
  /**
   * When the person last gave their password, seconds since the epoch (OpenID Connect's
   * `auth_time`): the `iat` of the login, carried over by every refresh.
   */
  auth_time?: number;
  /** Issuer and audience, when configured. */
  iss?: string;
  aud?: string | string[];
  /** The names of the holder's groups at login or last refresh (capped in number). */
  groups?: string[];
  /** The configured attributes of the holder's entry: one value a string, several an array. */
  attributes?: Record<string, string | string[]>;
  /** Claims copied from attributes (`user.claims`: `name`, `email` by default), and any other. */
  [claim: string]: unknown;
}

/** Claims checked beyond the signature and `exp`. */
export interface ClaimRules {
  /** Set as `iss` and required on verification. Default: none. */
  issuer?: string;
  /** Set as `aud` and required on verification. Default: none. */
  audience?: string;
  /** Seconds of clock difference tolerated on `exp` and `nbf`. Default 0. */
  clockToleranceSeconds?: number;
}

export interface SignedToken {
  token: string;
  claims: TokenClaims;
}

/**
 * Signs and verifies the library's JWTs with the configured {@link KeySet}: the algorithm is
 * pinned by the key set, and for asymmetric keys the `kid` chooses the verification key.
 *
 * jose 5 is used for its Node back-end: with a KeyObject it signs with node:crypto synchronously.
 * jose 6 signs through WebCrypto, which on Node 20 hops to the thread pool and costs about six
 * times as much per token (see the notes in docs/performance.md).
 */
export class TokenSigner {
  readonly #keys: KeySet;
  readonly #now: () => number;
  readonly #rules: ClaimRules;

  /** @param keys the key set, or an HS256 secret. */
  constructor(keys: KeySet | Uint8Array, now: () => number, rules: ClaimRules = {}) {
    this.#keys = keys instanceof KeySet ? keys : KeySet.fromSecret(keys);
    this.#now = now;
    this.#rules = rules;
  }

  /** The seconds of clock difference tolerated, for checks made outside jose. */
  get clockToleranceSeconds(): number {
    return this.#rules.clockToleranceSeconds ?? 0;
  }

  /**
   * @param authTime the login's time, for a refresh; default now (a login).
   * @param extra further claims (groups, attributes, mapped claims); the registered ones win.
   */
  async sign(
    subject: { username: string; dn: string },
    durationSeconds: number,
    authTime?: number,
    extra: Readonly<Record<string, unknown>> = {},
  ): Promise<SignedToken> {
    const iat = Math.floor(this.#now() / 1000);
    const { issuer, audience } = this.#rules;
    const claims: TokenClaims = {
      ...extra,
      sub: subject.username,
      dn: subject.dn,
      iat,
      nbf: iat,
      exp: iat + durationSeconds,
      jti: randomUUID(),
      auth_time: authTime ?? iat,
      ...(issuer === undefined ? {} : { iss: issuer }),
      ...(audience === undefined ? {} : { aud: audience }),
    };
    const keys = this.#keys;
    const token = await new SignJWT({ ...claims })
      .setProtectedHeader({
        alg: keys.algorithm,
        typ: 'JWT',
        ...(keys.kid ? { kid: keys.kid } : {}),
      })
      .sign(keys.signingKey);
    return { token, claims };
  }

  /**
   * @throws {TokenExpiredError} the token was valid and has expired.
   * @throws {InvalidTokenError} anything else wrong with it, including a token not spelled the
   * one way its bytes encode (padding, stray characters, non-zero unused bits: see canonical.ts).
   */
  async verify(token: string): Promise<TokenClaims> {
    if (!isCanonicalCompactJws(token)) throw new InvalidTokenError('The token is not valid');
    const keys = this.#keys;
    try {
      const { payload } = await jwtVerify(
        token,
        (header) => {
          const key = keys.verificationKey(header);
          if (!key) throw new InvalidTokenError('No key verifies this token');
          return key;
        },
        {
          algorithms: keys.acceptedAlgorithms,
          requiredClaims: ['sub', 'iat', 'exp', 'jti'],
          currentDate: new Date(this.#now()),
          issuer: this.#rules.issuer,
          audience: this.#rules.audience,
          clockTolerance: this.#rules.clockToleranceSeconds ?? 0,
        },
      );
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
