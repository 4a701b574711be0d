// Brute-force limits, Redis, store failures and revocation.
import type { EnvironmentVariable } from './variable.js';

export const STORE_VARIABLES: readonly EnvironmentVariable[] = [
  {
    name: 'LOGIN_LIMITS',
    option: 'loginLimits.enabled',
    kind: 'boolean',
    description:
      'Brute-force protection on the token endpoint: failed logins counted per username and per client address, checked before any bind; over a limit, `429` with `Retry-After`.',
  },
  {
    name: 'LOGIN_MAX_FAILURES_PER_USER',
    option: 'loginLimits.perUsername.failures',
    kind: 'integer',
    description:
      'Failed logins allowed per username (case-insensitive) within `LOGIN_USER_WINDOW_SECONDS`; the next attempt is refused without asking the directory. A successful login clears the count.',
  },
  {
    name: 'LOGIN_USER_WINDOW_SECONDS',
    option: 'loginLimits.perUsername.windowSeconds',
    kind: 'integer',
    description: 'Seconds over which the failures of a username are counted.',
  },
  {
    name: 'LOGIN_USER_LOCKOUT_SECONDS',
    option: 'loginLimits.perUsername.lockoutSeconds',
    kind: 'integer',
    description:
      'Seconds a username stays locked once over its limit (the right password is refused too).',
  },
  {
    name: 'LOGIN_MAX_FAILURES_PER_ADDRESS',
    option: 'loginLimits.perAddress.failures',
    kind: 'integer',
    description:
      'Failed logins allowed per client address, whatever the usernames, within `LOGIN_ADDRESS_WINDOW_SECONDS`.',
  },
  {
    name: 'LOGIN_ADDRESS_WINDOW_SECONDS',
    option: 'loginLimits.perAddress.windowSeconds',
    kind: 'integer',
    description: 'Seconds over which the failures of an address are counted.',
  },
  {
    name: 'LOGIN_ADDRESS_LOCKOUT_SECONDS',
    option: 'loginLimits.perAddress.lockoutSeconds',
    kind: 'integer',
    description: 'Seconds an address stays locked once over its limit.',
  },
  {
    name: 'TRUSTED_PROXIES',
    option: 'trustedProxies',
    kind: 'list',
    description:
      'Comma-separated proxies whose `X-Forwarded-For` is believed for the client address, and whose `X-Forwarded-Proto`/`X-Forwarded-Host` (else RFC 7239 `Forwarded` `proto=`/`host=`) give the scheme and host of the URLs the service builds (`Location`, sign-in checks): addresses, CIDR ranges, `loopback`, `linklocal`, `uniquelocal`. Unset: none, the socket peer is the client and those headers are ignored.',
  },
  {
    name: 'REDIS_URL',
    option: 'redis.url',
    kind: 'string',
    description:
      '`redis://[:password@]host:port[/db]` (or `rediss://`): login counters and revocations shared by every instance through this Redis. Unset (and no sentinels or cluster): in memory, per process.',
  },
  {
    name: 'REDIS_URL_FILE',
    option: 'redis.url',
    kind: 'secretFile',
    description:
      'File holding `REDIS_URL` instead, for a URL with a password in it (a mounted secret): read at start-up, one trailing newline dropped. Setting both is an error; a warning names the file when other users may read it (`chmod 600`).',
  },
  {
    name: 'REDIS_SENTINELS',
    option: 'redis.sentinels.hosts',
    kind: 'list',
    description:
      'Comma-separated Sentinels as `host:port`, with `REDIS_SENTINEL_NAME`, instead of `REDIS_URL`.',
  },
  {
    name: 'REDIS_SENTINEL_NAME',
    option: 'redis.sentinels.name',
    kind: 'string',
    description: 'The name of the primary the Sentinels watch.',
  },
  {
    name: 'REDIS_CLUSTER_NODES',
    option: 'redis.clusterNodes',
    kind: 'list',
    description: 'Comma-separated Redis Cluster nodes as `host:port`, instead of `REDIS_URL`.',
  },
  {
    name: 'REDIS_KEY_PREFIX',
    option: 'redis.keyPrefix',
    kind: 'string',
    description: 'Prefix of every Redis key written.',
  },
  {
    name: 'STORE_FAILURE',
    option: 'storeFailure',
    kind: 'storeFailure',
    description:
      'When Redis cannot be reached: `closed` answers 503 (logins, and verifications with `TOKEN_REVOCATION`), so no limit or revocation is skipped silently; `open` logs and skips the store.',
  },
  {
    name: 'TOKEN_REVOCATION',
    option: 'revocation.enabled',
    kind: 'boolean',
    description:
      'Check every verification against the revocation store and serve `POST {mount}/revoke`. Off by default: verifying then costs no store call. Browser sessions (`LOGIN_PAGE`) are checked and revoked at sign-out whatever this says.',
  },
];
