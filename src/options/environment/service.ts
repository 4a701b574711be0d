// The standalone service's own settings (`ldap-token-auth serve`), not options of createAuth;
// each is also a command-line flag.
import type { EnvironmentVariable } from './variable.js';

export const SERVICE_VARIABLES: readonly EnvironmentVariable[] = [
  {
    name: 'CONFIG_FILE',
    option: '--config',
    service: true,
    kind: 'string',
    description:
      'JSON or YAML file of createAuth\'s options, read by `serve`, `check` and `token`; every other variable that is set wins over the option it maps to. See "Configuration file" in docs/configuration.md.',
  },
  {
    name: 'HOST',
    option: '--host',
    service: true,
    kind: 'string',
    default: '127.0.0.1',
    description: 'Address the service listens on.',
  },
  {
    name: 'PORT',
    option: '--port',
    service: true,
    kind: 'integer',
    default: '5000',
    description: 'Port the service listens on.',
  },
  {
    name: 'WORKERS',
    option: '--workers',
    service: true,
    kind: 'integer',
    default: '1',
    description:
      'Processes sharing the port (node:cluster), 1 to 64. Above 1, every store is shared through Redis: without `REDIS_URL` the service refuses to start while `LOGIN_LIMITS`, `TOKEN_REVOCATION` or `LOGIN_PAGE` (its sessions) is on.',
  },
  {
    name: 'LOG_LEVEL',
    option: '--log-level',
    service: true,
    kind: 'string',
    default: 'info',
    description: 'Least severe log lines written: `debug`, `info`, `warn` or `error`.',
  },
  {
    name: 'SHUTDOWN_GRACE_MS',
    option: '--shutdown-grace-ms',
    service: true,
    kind: 'integer',
    default: '10000',
    description:
      'On SIGTERM or SIGINT, milliseconds requests in flight may take to finish before their connections are cut.',
  },
];
