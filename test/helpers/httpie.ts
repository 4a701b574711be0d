// The real HTTP command-line clients of the e2e tests (httpie's `http`, and curl), with their
// output parsed into status, headers and body.
import { rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerExitCleanup, runCommand } from './process.js';

export interface HttpClientOptions {
  /** Added to the environment of the client. */
  env?: Record<string, string>;
  /** Text written to the client's stdin (httpie: pass your own args, since --ignore-stdin is set). */
  input?: string;
  /** Killed after this long; default 30 s. */
  timeoutMs?: number;
}

export interface HttpClientResult {
  exitCode: number | null;
  /** Set when the client was killed (e.g. by the timeout). */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Undefined when no response was printed (connection refused, timeout...). */
  status: number | undefined;
  statusText: string;
  /** Lower-cased names; repeated headers joined with ", " (see rawHeaders for Set-Cookie). */
  headers: Record<string, string>;
  /** Headers as received, in order, names as sent. */
  rawHeaders: Array<[name: string, value: string]>;
  body: string;
}

interface ParsedResponse {
  status: number | undefined;
  statusText: string;
  headers: Record<string, string>;
  rawHeaders: Array<[string, string]>;
  body: string;
}

const STATUS_LINE = /^HTTP\/[\d.]+ (\d{3})(?: (.*))?$/;

function splitHead(text: string): { head: string; rest: string } {
  const match = /\r?\n\r?\n/.exec(text);
  if (!match) return { head: text, rest: '' };
  return { head: text.slice(0, match.index), rest: text.slice(match.index + match[0].length) };
}

/**
 * Parses "status line, headers, blank line, body" as printed by `http --print=hb` or `curl -i`.
 * Interim 1xx responses are skipped; with `followRedirects`, so is every response followed by
 * another one (curl -L prints each hop), leaving the final response.
 */
export function parseHttpResponse(text: string, followRedirects = false): ParsedResponse {
  let remaining = text;
  for (;;) {
    const { head, rest } = splitHead(remaining);
    const [statusLine = '', ...headerLines] = head.split(/\r?\n/);
    const status = STATUS_LINE.exec(statusLine);
    if (!status)
      return { status: undefined, statusText: '', headers: {}, rawHeaders: [], body: text };
    const code = Number(status[1]);
    const another = /^HTTP\/[\d.]+ \d{3}/.test(rest);
    if (another && (code < 200 || followRedirects)) {
      remaining = rest;
      continue;
    }
    const rawHeaders: Array<[string, string]> = [];
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      rawHeaders.push([name, value]);
      const key = name.toLowerCase();
      headers[key] = key in headers ? `${headers[key]}, ${value}` : value;
    }
    return { status: code, statusText: status[2] ?? '', headers, rawHeaders, body: rest };
  }
}

// httpie 3.2 checks for updates over the internet on every run unless its config says not to;
// one config directory per test process keeps all traffic on loopback.
let httpieConfigDir: Promise<string> | undefined;

function configDir(): Promise<string> {
  httpieConfigDir ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ldap-token-auth-httpie-'));
    registerExitCleanup(() => rmSync(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'config.json'), '{"disable_update_warnings": true}\n');
    return dir;
  })();
  return httpieConfigDir;
}

/** A proxy from the environment must never see the tests' loopback requests. */
function loopbackEnv(extra: Record<string, string> | undefined): Record<string, string> {
  const existing = process.env.NO_PROXY ?? process.env.no_proxy;
  const noProxy = ['127.0.0.1', 'localhost', '::1', ...(existing ? [existing] : [])].join(',');
  return { NO_PROXY: noProxy, no_proxy: noProxy, ...extra };
}

/**
 * Runs `http --ignore-stdin --print=hb --pretty=none ...args`. httpie exits 0 on 4xx/5xx unless
 * `--check-status` is among `args`. Only the first response is parsed (add --all yourself and
 * read stdout to see redirects).
 */
export async function runHttpie(
  args: readonly string[],
  options: HttpClientOptions = {},
): Promise<HttpClientResult> {
  const env = loopbackEnv({ HTTPIE_CONFIG_DIR: await configDir(), ...options.env });
  const fixed = ['--print=hb', '--pretty=none'];
  if (options.input === undefined) fixed.unshift('--ignore-stdin');
  const result = await runCommand('http', [...fixed, ...args], {
    env,
    input: options.input,
    timeoutMs: options.timeoutMs,
  });
  return { ...result, ...parseHttpResponse(result.stdout) };
}

/**
 * Runs `curl -q -sS -i ...args` (-q: ignore any ~/.curlrc). With -L/--location the last response
 * is parsed. curl exits 0 on 4xx/5xx unless `--fail` is among `args`.
 */
export async function runCurl(
  args: readonly string[],
  options: HttpClientOptions = {},
): Promise<HttpClientResult> {
  const result = await runCommand('curl', ['-q', '-sS', '-i', ...args], {
    env: loopbackEnv(options.env),
    input: options.input,
    timeoutMs: options.timeoutMs,
  });
  const follow = args.some(
    (arg) => arg === '-L' || arg === '--location' || /^-[a-zA-Z]*L/.test(arg),
  );
  return { ...result, ...parseHttpResponse(result.stdout, follow) };
}
