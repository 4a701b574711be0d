// flask-ldap-auth's own names first, unchanged (SECRET_KEY among them), then how to reach
// and search the directory.
import type { EnvironmentVariable } from './variable.js';

export const DIRECTORY_VARIABLES: readonly EnvironmentVariable[] = [
  {
    name: 'SECRET_KEY',
    option: 'secretKey',
    kind: 'string',
    required: true,
    hs256Only: true,
    secret: true,
    description:
      'Key that signs tokens with HS256: at least 32 bytes (a shorter one is refused at start-up), random, e.g. `openssl rand -base64 48`. Required unless `TOKEN_ALGORITHM` is `EdDSA`, `ES256` or `RS256`, or `SECRET_KEY_FILE` is set.',
  },
  {
    name: 'SECRET_KEY_FILE',
    option: 'secretKey',
    kind: 'secretFile',
    description:
      'File holding `SECRET_KEY` instead (a mounted secret): read at start-up, one trailing newline dropped. Setting both is an error; a warning names the file when other users may read it (`chmod 600`).',
  },
  {
    name: 'LDAP_AUTH_SERVER',
    option: 'ldap.url',
    kind: 'string',
    required: true,
    description:
      'Directory URL, `ldap://host:port` or `ldaps://host:port`; several, separated by spaces, for failover (the first that answers is used).',
  },
  {
    name: 'LDAP_TOP_DN',
    option: 'ldap.topDn',
    kind: 'string',
    required: true,
    description: 'Base DN under which users are searched.',
  },
  {
    name: 'LDAP_USERNAME',
    option: 'ldap.serviceAccount.username',
    kind: 'string',
    description:
      'Service account for searches: a DN, or a bare name expanded to `<LDAP_SEARCH_CRITERIA>=<name>,<LDAP_TOP_DN>` (with `LDAP_PRESET=activedirectory`, `user@domain` and `DOMAIN\\user` are used as they are). Unset: anonymous search.',
  },
  {
    name: 'LDAP_PASSWORD',
    option: 'ldap.serviceAccount.password',
    kind: 'string',
    secret: true,
    description: "The service account's password.",
  },
  {
    name: 'LDAP_PASSWORD_FILE',
    option: 'ldap.serviceAccount.password',
    kind: 'secretFile',
    description:
      'File holding `LDAP_PASSWORD` instead (a mounted secret): read at start-up, one trailing newline dropped. Setting both is an error; a warning names the file when other users may read it (`chmod 600`).',
  },
  {
    name: 'LDAP_SEARCH_SCOPE',
    option: 'ldap.scope',
    kind: 'scope',
    description: 'Search scope under `LDAP_TOP_DN`: `base`, `one` or `sub`.',
  },
  {
    name: 'LDAP_SEARCH_CRITERIA',
    option: 'searchCriteria.default',
    kind: 'string',
    default: 'uid',
    description:
      "Attribute the username is matched against when the request names none. Default: the preset's, `uid` (`sAMAccountName` for `activedirectory`).",
  },
  {
    name: 'LDAP_ALLOWED_SEARCH_CRITERIA',
    option: 'searchCriteria.allowed',
    kind: 'list',
    default: 'uid,cn,mail',
    description:
      "Comma-separated attributes a client may name in `search_criteria`. Default: the preset's (`sAMAccountName,userPrincipalName,mail,cn` for `activedirectory`, `uid,mail,krbPrincipalName` for `freeipa`).",
  },
  {
    name: 'LDAP_TIMEOUT_MS',
    option: 'ldap.timeoutMs',
    kind: 'integer',
    description:
      'Milliseconds an LDAP operation (search, bind, StartTLS) may take before the directory counts as unavailable (503); a request waits at most this plus `LDAP_CONNECT_TIMEOUT_MS` for a free pooled connection.',
  },
  {
    name: 'LDAP_CONNECT_TIMEOUT_MS',
    option: 'ldap.connectTimeoutMs',
    kind: 'integer',
    description:
      'Milliseconds a connection to one directory server may take (TCP, and the TLS handshake of `ldaps://`) before the next server is tried.',
  },
  {
    name: 'LDAP_POOL_SIZE',
    option: 'ldap.poolSize',
    kind: 'integer',
    description: 'Directory connections kept for searches, and as many for password checks.',
  },
  {
    name: 'LDAP_IDLE_TIMEOUT_MS',
    option: 'ldap.idleTimeoutMs',
    kind: 'integer',
    description:
      'Milliseconds a pooled connection may stay unused before it is closed, ahead of servers and firewalls that drop idle ones (Active Directory: 900 s).',
  },
  {
    name: 'LDAP_STARTTLS',
    option: 'ldap.startTls',
    kind: 'boolean',
    description: 'Upgrade `ldap://` connections with StartTLS before anything else is sent.',
  },
  {
    name: 'LDAP_REQUIRE_TLS',
    option: 'ldap.requireTls',
    kind: 'boolean',
    default: 'true',
    description:
      'Refuse to start when a password would cross the network in clear text (an `ldap://` server without `LDAP_STARTTLS`). Default `true`, except when every server is on this machine (`localhost`, `127.0.0.0/8`, `::1`).',
  },
  {
    name: 'LDAP_TLS_CA_FILE',
    option: 'ldap.tls.ca',
    kind: 'file',
    description:
      "PEM file of the CA certificates to trust for `ldaps://` and StartTLS (e.g. a private CA), instead of Node's built-in list.",
  },
  {
    name: 'LDAP_TLS_CERT_FILE',
    option: 'ldap.tls.cert',
    kind: 'file',
    description: 'PEM file of a client certificate, for directories that ask for one.',
  },
  {
    name: 'LDAP_TLS_KEY_FILE',
    option: 'ldap.tls.key',
    kind: 'file',
    privateFile: true,
    description:
      "PEM file of the client certificate's private key; a warning names it when other users may read it (`chmod 600`).",
  },
  {
    name: 'LDAP_TLS_SERVERNAME',
    option: 'ldap.tls.servername',
    kind: 'string',
    description:
      "Name the directory's certificate must carry, when it is not the host in `LDAP_AUTH_SERVER`.",
  },
  {
    name: 'LDAP_TLS_REJECT_UNAUTHORIZED',
    option: 'ldap.tls.rejectUnauthorized',
    kind: 'boolean',
    description:
      '**Leave it on.** `false` accepts any certificate, so anyone on the network path can pose as the directory and read every password; for a test bench only (a warning is logged at start-up).',
  },
  {
    name: 'LDAP_PRESET',
    option: 'ldap.preset',
    kind: 'preset',
    description:
      'Defaults for a kind of directory: `openldap`, `activedirectory` (login as `sAMAccountName`, `DOMAIN\\user` or `user@domain`; people only) or `freeipa` (POSIX accounts only). See "Directories in production".',
  },
];
