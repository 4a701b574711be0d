// Token lifetimes, signing keys and claims.
import type { EnvironmentVariable } from './variable.js';

export const TOKEN_VARIABLES: readonly EnvironmentVariable[] = [
  {
    name: 'TOKEN_DEFAULT_DURATION',
    option: 'token.defaultDuration',
    kind: 'integer',
    description: 'Token lifetime in seconds when the request has no `token_duration`.',
  },
  {
    name: 'TOKEN_MAX_DURATION',
    option: 'token.maxDuration',
    kind: 'integer',
    description:
      "Longest `token_duration` a client may ask for, in seconds (larger is a `400`). A token is also cut at its session's end (`TOKEN_MAX_SESSION_SECONDS`), so the longest token is the smaller of the two.",
  },
  {
    name: 'TOKEN_VERIFY_CACHE_SIZE',
    option: 'token.verifyCacheSize',
    kind: 'integer',
    description:
      'Verified tokens remembered so a repeated token skips the signature check (expiry is checked every time); 0 turns it off.',
  },
  {
    name: 'TOKEN_ALGORITHM',
    option: 'token.algorithm',
    kind: 'algorithm',
    description:
      '`HS256` (signed with `SECRET_KEY`, which every verifier must then hold), or `EdDSA`, `ES256`, `RS256` (signed with `TOKEN_SIGNING_KEY_FILE`; the public keys are served as a JWKS).',
  },
  {
    name: 'TOKEN_SIGNING_KEY_FILE',
    option: 'token.signingKey',
    kind: 'file',
    privateFile: true,
    description:
      'PEM or JWK file of the private key for `EdDSA` (Ed25519), `ES256` (P-256) or `RS256` (RSA, 2048 bits or more); its `kid` is its RFC 7638 thumbprint. A warning names it when other users may read it (`chmod 600`).',
  },
  {
    name: 'TOKEN_VERIFICATION_KEYS_FILE',
    option: 'token.verificationKeys',
    kind: 'file',
    description:
      'PEM, JWK or JWKS file of further public keys still accepted (and published), e.g. the previous signing key during a rotation. A token whose key is in neither file is refused.',
  },
  {
    name: 'TOKEN_ISSUER',
    option: 'token.issuer',
    kind: 'string',
    description: 'Set as the `iss` claim and required on verification. Unset: none.',
  },
  {
    name: 'TOKEN_AUDIENCE',
    option: 'token.audience',
    kind: 'string',
    description: 'Set as the `aud` claim and required on verification. Unset: none.',
  },
  {
    name: 'TOKEN_MAX_SESSION_SECONDS',
    option: 'token.maxSessionSeconds',
    kind: 'integer',
    description:
      'Longest a login lasts, in seconds from the password check (the `auth_time` claim): no token, issued or refreshed, outlives it, and a later `POST {mount}/refresh` is refused with a 401 that says to sign in again. 12 hours by default: a working day with margin, so that a leaked token is not access for ever. See "Sessions".',
  },
  {
    name: 'TOKEN_CLOCK_SKEW_SECONDS',
    option: 'token.clockToleranceSeconds',
    kind: 'integer',
    description:
      'Seconds of clock difference tolerated on `exp` and `nbf` when verifying. 0: a token expires exactly when it says.',
  },
];
