// The OpenID Provider's rows: the token endpoint (authorization code exchange, refresh) and
// introspection, each against the same-core directory ceiling, on the standalone service with
// OIDC_ISSUER set. Codes are minted beforehand through the real flow (sign in once through our
// form, then one authorization per code on that provider session), never forged; each is single
// use, so the exchange row runs over a fixed number of them and the refresh row chains the
// rotated refresh tokens. Beside each rate, the server's CPU per request (/proc utime+stime),
// the figure that still means something when the machine is shared.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser } from '../../test/helpers/browser.js';
import { authorize } from '../../test/helpers/oidc-sign-in.js';
import { type Bench, basic, ISSUE_CONNECTIONS, USER, VERIFY_CONNECTIONS } from './context.js';
import { type BenchServer, startServer } from './servers.js';
import { ms, rps } from './table.js';
import type { LoadResult } from './wrk.js';

const CLIENT = { id: 'bench', secret: 'bench-client-secret', redirect: 'http://127.0.0.1:1/cb' };
const AUTHORIZATION = { Authorization: basic(CLIENT.id, CLIENT.secret) };
/**
 * Codes minted per second of measurement: the exchange runs until they are all used, seconds
 * at the rates one shared core reaches, and well within their 60 s lifetime counted from minting.
 */
const CODES_PER_SECOND = 250;

interface Tokens {
  access_token: string;
  refresh_token?: string;
}

/** One timed run of requests: its rate, latencies, failures and the server's CPU per request. */
interface Measured extends LoadResult {
  cpuMs: number;
}

export async function oidcRows(bench: Bench, ceiling: LoadResult): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-oidc-'));
  const key = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' });
  writeFileSync(join(dir, 'signing.pem'), key);
  writeFileSync(
    join(dir, 'clients.json'),
    JSON.stringify([
      { client_id: CLIENT.id, client_secret: CLIENT.secret, redirect_uris: [CLIENT.redirect] },
    ]),
  );
  const server = await startServer({
    ...bench.service,
    name: 'standalone service, OpenID Provider',
    env: {
      ...bench.env,
      TOKEN_ALGORITHM: 'EdDSA',
      TOKEN_SIGNING_KEY_FILE: join(dir, 'signing.pem'),
      // The issuer names the provider; requests go to the server's own port whatever it says.
      OIDC_ISSUER: 'http://127.0.0.1',
      OIDC_CLIENTS_FILE: join(dir, 'clients.json'),
      COOKIE_SECURE: 'false',
    },
    cpus: bench.serverCpus,
  });
  const restore = pinLoad(bench);
  try {
    const warmupCodes = Math.round(bench.warmup * CODES_PER_SECOND);
    const codes = await mintCodes(server, warmupCodes + bench.seconds * CODES_PER_SECOND);
    const issued: Tokens[] = [];
    await exchange(server, codes.slice(0, warmupCodes), issued);
    const exchanged = await exchange(server, codes.slice(warmupCodes), issued);
    const refreshed = await refresh(bench, server, issued);
    // The first grant's token: the refresh chains are the last grants.
    const introspected = await introspect(bench, server, issued[0]!.access_token);
    const row = (subject: string, measured: Measured, unit: string, note: string) =>
      bench.rows.push({
        group: 'OpenID Connect',
        subject,
        measured: `${rps(measured)} ${unit} (p50 ${ms(measured.p50)}, p99 ${ms(measured.p99)})`,
        reference: `${rps(ceiling)} raw search+bind`,
        ratio: measured.requestsPerSecond / ceiling.requestsPerSecond,
        errors: measured.errors,
        rss: server.rssMiB(),
        note: `${measured.cpuMs.toFixed(2)} ms server CPU per request; ${note}`,
      });
    row(
      'token endpoint: authorization code exchange',
      exchanged,
      'codes',
      `${exchanged.requests} codes minted through the sign-in flow; ID, access and refresh token signed, the account re-read`,
    );
    row(
      'token endpoint: refresh (rotating)',
      refreshed,
      'refreshes',
      'each response carries the next refresh token; the account re-read from the directory',
    );
    row('introspection (RFC 7662)', introspected, 'answers', 'an active access token, in memory');
  } finally {
    restore();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Takes `count` codes through 8 browsers, each signing alice in through the form for its first
 * code and taking the others on its own provider session (one session per browser, as people
 * have: concurrent authorizations on one session would race on its record).
 */
async function mintCodes(server: BenchServer, count: number): Promise<string[]> {
  const url = (index: number) => {
    const query = new URLSearchParams({
      client_id: CLIENT.id,
      redirect_uri: CLIENT.redirect,
      response_type: 'code',
      scope: 'openid profile email groups offline_access',
      prompt: 'consent',
      state: `s${index}`,
    });
    return `${server.url}/oidc/authorize?${query}`;
  };
  const codes: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: ISSUE_CONNECTIONS }, async () => {
      const browser = new Browser(server.url);
      let credentials: typeof USER | undefined = USER;
      while (next < count) {
        const callback = await authorize(browser, url(next++), CLIENT.redirect, credentials);
        credentials = undefined;
        const code = callback.searchParams.get('code');
        if (!code) throw new Error(`${server.name}: no code at ${callback}`);
        codes.push(code);
      }
    }),
  );
  return codes;
}

async function exchange(server: BenchServer, codes: string[], issued: Tokens[]) {
  let next = 0;
  return measure(server, ISSUE_CONNECTIONS, undefined, async () => {
    const code = codes[next++];
    if (code === undefined) return undefined;
    const body = { grant_type: 'authorization_code', code, redirect_uri: CLIENT.redirect };
    const tokens = await post(server, '/oidc/token', body);
    if (tokens) issued.push(tokens);
    return tokens !== undefined;
  });
}

/** One chain of refresh tokens per connection, each rotated token used for the next request. */
async function refresh(bench: Bench, server: BenchServer, issued: Tokens[]) {
  const chains = issued.filter((tokens) => tokens.refresh_token).slice(-ISSUE_CONNECTIONS);
  if (chains.length < ISSUE_CONNECTIONS) throw new Error(`${server.name}: no refresh tokens`);
  const step = async (chain: Tokens) => {
    const body = { grant_type: 'refresh_token', refresh_token: chain.refresh_token! };
    const tokens = await post(server, '/oidc/token', body);
    if (tokens?.refresh_token) chain.refresh_token = tokens.refresh_token;
    return tokens !== undefined;
  };
  // Each loop keeps to its own chain: two requests with one refresh token would be a reuse.
  const run = (seconds: number) =>
    measure(server, ISSUE_CONNECTIONS, seconds, (loop) => step(chains[loop]!));
  if (bench.warmup > 0) await run(bench.warmup);
  return run(bench.seconds);
}

async function introspect(bench: Bench, server: BenchServer, token: string) {
  const run = (seconds: number) =>
    measure(server, VERIFY_CONNECTIONS, seconds, async () => {
      const answer = await postForm(server, '/oidc/introspect', { token });
      return (
        answer.status === 200 && ((await answer.json()) as { active?: boolean }).active === true
      );
    });
  if (bench.warmup > 0) await run(bench.warmup);
  return run(bench.seconds);
}

async function post(server: BenchServer, path: string, form: Record<string, string>) {
  const answer = await postForm(server, path, form);
  return answer.status === 200 ? ((await answer.json()) as Tokens) : undefined;
}

function postForm(server: BenchServer, path: string, form: Record<string, string>) {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { ...AUTHORIZATION, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
}

/**
 * Runs `request` on `connections` concurrent loops, for `seconds` or until it has nothing left
 * to send (`undefined`: no more codes), and reads the server's CPU time around the run. A
 * request (given its loop's index) answers whether it succeeded.
 */
async function measure(
  server: BenchServer,
  connections: number,
  seconds: number | undefined,
  request: (loop: number) => Promise<boolean | undefined>,
): Promise<Measured> {
  const latencies: number[] = [];
  let errors = 0;
  let done = false;
  const cpuBefore = cpuMsOf(server.pid);
  const started = performance.now();
  const deadline = seconds === undefined ? Infinity : started + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async (_, loop) => {
      while (!done && performance.now() < deadline) {
        const sent = performance.now();
        const ok = await request(loop).catch(() => false);
        if (ok === undefined) {
          done = true;
          break;
        }
        latencies.push(performance.now() - sent);
        if (!ok) errors++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((x, y) => x - y);
  const at = (share: number) => latencies[Math.floor(share * (latencies.length - 1))] ?? 0;
  return {
    requests: latencies.length,
    requestsPerSecond: latencies.length / elapsed,
    p50: at(0.5),
    p99: at(0.99),
    errors,
    cpuMs: (cpuMsOf(server.pid) - cpuBefore) / Math.max(1, latencies.length),
  };
}

/** User plus system CPU time of a process, in ms (fields 14 and 15 of /proc/PID/stat). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticksPerSecond = 100;
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

/** The requests come from this process: pin it beside wrk's CPU for the run, then let it go. */
function pinLoad(bench: Bench): () => void {
  if (!bench.loadCpus) return () => {};
  const all = `0-${availableParallelism() - 1}`;
  execFileSync('taskset', ['-a', '-cp', bench.loadCpus, String(process.pid)], { stdio: 'ignore' });
  return () =>
    execFileSync('taskset', ['-a', '-cp', all, String(process.pid)], { stdio: 'ignore' });
}
