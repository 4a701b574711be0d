#!/usr/bin/env node
import cluster from 'node:cluster';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { createAuth } from './auth.js';
import { fromEnv } from './env.js';
import { ConfigurationError } from './errors.js';
import { jsonLogger } from './logger.js';

const USAGE = `Usage: ldap-token-auth <command> [options]

Commands:
  serve     Run the token service against the directory configured in the environment
  demo      Run an embedded demo directory and the hello app, for trying things out

Options:
  --host <address>   Address to listen on (env HOST, default 127.0.0.1)
  --port <number>    Port to listen on (env PORT, default 5000)
  --workers <n>      serve: run n processes sharing the port (node:cluster; env WORKERS, default 1)
  -h, --help         Show this help
  -v, --version      Show the version

serve reads SECRET_KEY, LDAP_AUTH_SERVER, LDAP_TOP_DN, LDAP_USERNAME, LDAP_PASSWORD and the
other variables listed in the README's configuration reference.

Exit codes: 0 stopped normally, 1 failed while running, 2 bad usage or configuration.`;

/** Shorter HMAC keys are legal but guessable offline from any token (RFC 7518, 3.2 asks for 256 bits). */
const RECOMMENDED_SECRET_BYTES = 32;

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    const require = createRequire(import.meta.url);
    process.stdout.write(`${(require('../package.json') as { version: string }).version}\n`);
    return 0;
  }
  const [command] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command || values.help ? 0 : 2;
  }
  const host = values.host ?? process.env.HOST ?? '127.0.0.1';
  const port = Number(values.port ?? process.env.PORT ?? 5000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(
      `The port must be a number from 0 to 65535, not "${values.port ?? process.env.PORT}"\n`,
    );
    return 2;
  }
  const workers = Number(values.workers ?? process.env.WORKERS ?? 1);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
    process.stderr.write(
      `--workers must be a number from 1 to 64, not "${values.workers ?? process.env.WORKERS}"\n`,
    );
    return 2;
  }
  switch (command) {
    case 'serve':
      return runServe(host, port, workers);
    case 'demo':
      return runDemo(host, port);
    default:
      process.stderr.write(`Unknown command "${command}"\n\n${USAGE}\n`);
      return 2;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      workers: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
}

async function runServe(host: string, port: number, workers: number): Promise<number> {
  const logger = jsonLogger();
  let auth: ReturnType<typeof createAuth>;
  try {
    auth = createAuth({ ...fromEnv(), logger });
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    process.stderr.write(`ldap-token-auth: ${error.message}\n`);
    return 2;
  }
  if (cluster.isPrimary && auth.options.secretKey.length < RECOMMENDED_SECRET_BYTES) {
    logger.warn(
      { event: 'weak_secret', bytes: auth.options.secretKey.length },
      `SECRET_KEY is shorter than ${RECOMMENDED_SECRET_BYTES} bytes; tokens signed with it can be forged by guessing the key`,
    );
  }
  if (workers > 1 && cluster.isPrimary) {
    // The configuration was checked above, so a bad one stops here rather than in every worker.
    await auth.close();
    const { superviseWorkers } = await import('./server/cluster.js');
    return superviseWorkers(workers, logger, untilSignal);
  }
  const { serve } = await import('./server/serve.js');
  const service = await serve(auth, { host, port });
  logger.info(
    { event: 'listening', url: service.url },
    `ldap-token-auth listening on ${service.url}`,
  );
  await untilSignal();
  logger.info({ event: 'stopping' }, 'Stopping: finishing requests in flight');
  await service.close();
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
  const { DEMO_USERS } = await import('./testing/index.js');
  process.stdout.write(demoInstructions(demo, DEMO_USERS));
  await untilSignal();
  await demo.close();
  return 0;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `ldap-token-auth: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
