import { type ParseArgsConfig, parseArgs } from 'node:util';

/** Every command takes -h/--help, which prints its usage. */
export const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/** serve, check and token take --config <file>: the configuration file (else CONFIG_FILE). */
export const CONFIG_OPTION = { config: { type: 'string' } } as const;

/**
 * `argv` parsed by `config`, or undefined once its mistake was printed with the command's usage:
 * the caller then exits with 2 (bad usage), as every command does.
 */
export function parseCommandLine<const T extends Omit<ParseArgsConfig, 'args'>>(
  argv: string[],
  config: T,
  usage: string,
): ReturnType<typeof parseArgs<T & { args: string[] }>> | undefined {
  try {
    return parseArgs({ ...config, args: argv });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${usage}\n`);
    return undefined;
  }
}
