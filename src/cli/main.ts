#!/usr/bin/env node
import cluster from 'node:cluster';
import { createRequire } from 'node:module';
import { createAuth } from '../core/create-auth.js';
import { ConfigurationError } from '../errors.js';
import { optionsFrom } from '../options/config-file.js';
import { ENVIRONMENT } from '../options/from-env.js';
import type { LogLevel } from '../server/log.js';
import { type Logger, silentLogger } from '../shared/logger.js';
import { storesInMemory } from '../stores/stores.js';
import { CONFIG_OPTION, HELP_OPTION, parseCommandLine } from './command-line.js';
import { terminalText } from './terminal-text.js';

/** The usage text, its options and variables listed from the ENVIRONMENT table. */
function usage(): string {
  const flags = ENVIRONMENT.filter((variable) => variable.service).map((variable) => [
    `  ${variable.option} <${variable.kind === 'integer' ? 'n' : 'value'}>`,
    `${variable.description} (env ${variable.name}${variable.default ? `, default ${variable.default}` : ''})`,
  ]);
  const settings = ENVIRONMENT.filter((variable) => !variable.service).map((variable) => [
    `  ${variable.name}`,
    `${variable.description}${variable.required ? ' Required.' : variable.default ? ` Default ${variable.default}.` : ''}`,
  ]);
  const column = (rows: string[][]) =>
    rows.map(([left = '', right = '']) => `${left.padEnd(30)} ${right.replaceAll('`', '')}`);
  return [
    'Usage: ldap-token-auth <command> [options]',
    '',
    'Commands:',
    '  serve     Run the token service against the directory configured in the environment',
    '  demo      Run an embedded demo directory and the hello app, for trying things out',
    '  check     Diagnose the configuration against the live directory (check --help)',
    '  token     Decode a token, or verify it with the configured keys (token --help)',
    '',
    'Options (each also read from its environment variable):',
    ...column(flags),
    `${'  -h, --help'.padEnd(30)} Show this help`,
    `${'  -v, --version'.padEnd(30)} Show the version`,
    '',
    'serve is configured by the environment, over the options of --config FILE (JSON or YAML,',
    "createAuth's option names; a variable that is set wins over its option):",
    ...column(settings),
    '',
    'Endpoints of serve: POST /auth/request-token, /auth/refresh, /auth/revoke, /auth/verify',
    '(forward auth), GET /auth/jwks.json and /.well-known/jwks.json, / and /public,',
    'with LOGIN_PAGE=true GET/POST /auth/login and POST /auth/logout (browser sign-in),',
    'GET /healthz, /readyz and /metrics. Logs: JSON lines on stderr.',
    '',
    'Exit codes: 0 stopped normally, 1 failed while running, 2 bad usage or configuration.',
    'check: 0 every step passed, 1 a step failed, 2 bad usage or configuration.',
    'token verify: 0 valid, 1 invalid, 2 bad usage or configuration.',
  ].join('\n');
}

interface ServeSettings {
  host: string;
  port: number;
  workers: number;
  logLevel: LogLevel;
  graceMs: number;
  /** The configuration file --config names; else CONFIG_FILE's, if set. */
  configFile: string | undefined;
}

async function main(argv: string[]): Promise<number> {
  // check and token have options of their own.
  if (argv[0] === 'check') {
    const { runCheckCommand } = await import('./check-command.js');
    return runCheckCommand(argv.slice(1));
  }
  if (argv[0] === 'token') {
    const { runTokenCommand } = await import('./token-command.js');
    return runTokenCommand(argv.slice(1));
  }
  const parsed = parseCommandLine(argv, SERVE_ARGUMENTS, usage());
  if (!parsed) return 2;
  const { values, positionals } = parsed;
  if (values.version) {
    const require = createRequire(import.meta.url);
    process.stdout.write(`${(require('../package.json') as { version: string }).version}\n`);
    return 0;
  }
  const [command] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${usage()}\n`);
    return command || values.help ? 0 : 2;
  }
  let settings: ServeSettings;
  try {
    settings = serveSettings(values);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  switch (command) {
    case 'serve':
      return runServe(settings);
    case 'demo':
      return runDemo(settings.host, settings.port);
    default:
      process.stderr.write(`Unknown command "${command}"\n\n${usage()}\n`);
      return 2;
  }
}

const SERVE_ARGUMENTS = {
  allowPositionals: true,
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    workers: { type: 'string' },
    'log-level': { type: 'string' },
    'shutdown-grace-ms': { type: 'string' },
    ...CONFIG_OPTION,
    version: { type: 'boolean', short: 'v' },
    ...HELP_OPTION,
  },
} as const;

/** The service's settings: the flag, else the environment variable (empty is unset), else the default. */
function serveSettings(values: Record<string, string | boolean | undefined>): ServeSettings {
  const read = (name: string) => {
    const variable = ENVIRONMENT.find((candidate) => candidate.name === name)!;
    const flag = values[variable.option.slice(2)];
    const raw = (typeof flag === 'string' ? flag : process.env[name])?.trim() || variable.default!;
    return { raw, label: `${variable.option} (${name})` };
  };
  const integer = (name: string, min: number, max: number) => {
    const { raw, label } = read(name);
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      throw new Error(`${label} must be a number from ${min} to ${max}, not "${raw}"`);
    }
    return value;
  };
  const level = read('LOG_LEVEL');
  if (!LOG_LEVELS.includes(level.raw as LogLevel)) {
    throw new Error(`${level.label} must be one of ${LOG_LEVELS.join(', ')}, not "${level.raw}"`);
  }
  return {
    host: read('HOST').raw,
    port: integer('PORT', 0, 65535),
    workers: integer('WORKERS', 1, 64),
    logLevel: level.raw as LogLevel,
    graceMs: integer('SHUTDOWN_GRACE_MS', 0, 3_600_000),
    configFile: typeof values.config === 'string' ? values.config : undefined,
  };
}

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** `logger`, less its warnings of one event. */
function withoutEvent(logger: Logger, event: string): Logger {
  return {
    debug: (fields, message) => logger.debug(fields, message),
    info: (fields, message) => logger.info(fields, message),
    warn: (fields, message) => {
      if (fields.event !== event) logger.warn(fields, message);
    },
    error: (fields, message) => logger.error(fields, message),
  };
}

async function runServe(settings: ServeSettings): Promise<number> {
  const [{ serviceLogger }, { auditEvents }, { ServiceMetrics, combineEvents }] = await Promise.all(
    [import('../server/log.js'), import('../server/audit.js'), import('../server/metrics.js')],
  );
  const logger = serviceLogger(settings.logLevel);
  const metrics = new ServiceMetrics();
  let auth: ReturnType<typeof createAuth>;
  try {
    auth = createAuth({
      // Workers read the same files and configuration: the primary has said what there is to
      // say about them (readable secret files, settings that do nothing).
      ...optionsFrom({
        file: settings.configFile,
        logger: cluster.isPrimary ? logger : silentLogger,
      }).options,
      logger: cluster.isWorker ? withoutEvent(logger, 'setting_ignored') : logger,
      events: combineEvents(metrics.events, auditEvents(logger)),
    });
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    process.stderr.write(`ldap-token-auth: ${terminalText(error.message)}\n`);
    return 2;
  }
  if (settings.workers > 1 && cluster.isPrimary) {
    // The configuration was checked above, so a bad one stops here rather than in every worker.
    await auth.close();
    const inMemory = storesInMemory(auth.options);
    if (inMemory.length > 0) {
      process.stderr.write(
        `ldap-token-auth: --workers ${settings.workers} needs REDIS_URL (or REDIS_SENTINELS, REDIS_CLUSTER_NODES) for ${inMemory.join(' and ')}: per-worker memory would split revocations and multiply limits; set REDIS_URL or run one worker\n`,
      );
      return 2;
    }
    const { superviseWorkers } = await import('../server/cluster.js');
    return superviseWorkers({
      workers: settings.workers,
      graceMs: settings.graceMs,
      logger,
      untilSignal,
    });
  }
  const { serve } = await import('../server/serve.js');
  // A port in use: the directory pool and the Redis client must close too, or they would keep
  // the process alive after the error.
  const service = await serve(
    auth,
    { host: settings.host, port: settings.port },
    { metrics },
  ).catch(async (error: unknown) => {
    await auth.close();
    throw error;
  });
  logger.info(
    { event: 'listening', url: service.url },
    `ldap-token-auth listening on ${service.url}`,
  );
  const signal = await untilSignal();
  logger.info({ event: 'stopping', signal }, 'Stopping: finishing requests in flight');
  await service.close(settings.graceMs);
  logger.info({ event: 'stopped' }, 'Stopped: requests finished, directory connections closed');
  await logger.close();
  return 0;
}

async function runDemo(host: string, port: number): Promise<number> {
  let demo: import('./demo.js').RunningDemo;
  const { startDemo, demoInstructions } = await import('./demo.js');
  try {
    demo = await startDemo({ host, port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND') {
      process.stderr.write('The demo needs express and ldapjs: npm install express ldapjs\n');
      return 1;
    }
    if (code === 'EADDRINUSE') {
      process.stderr.write(`Port ${port} is in use; choose another with --port\n`);
      return 1;
    }
    throw error;
  }
  const { DEMO_USERS } = await import('../testing/index.js');
  process.stdout.write(demoInstructions(demo, DEMO_USERS));
  await untilSignal();
  await demo.close();
  return 0;
}

function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `ldap-token-auth: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  )
  .finally(() => {
    // Node keeps a worker's IPC channel to the primary referenced (cluster listens for its
    // 'disconnect'), so a worker that is done, stopped or failed, would otherwise never exit.
    if (cluster.isWorker) cluster.worker?.disconnect();
  });
