// npx tsx bench/revocation-propagation.ts [ROUNDS]
//
// How long a revocation takes to reach another instance through Redis: instance A (this
// process) revokes a token that instance B (a child process, its own event loop and its own
// connections) has verified; B verifies it again at every turn of its event loop until it is
// refused. Each round's figure runs from the call of revoke() at A to B's refusal, both read on
// the host's monotonic clock (hrtime), which every process shares. Prints median, p99 and max.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createAuth } from '../src/core/create-auth.js';
import type { Auth } from '../src/core/types.js';
import {
  conformanceOptions,
  startFixtureDirectory,
  USERS,
} from '../test/helpers/conformance-fixtures.js';
import { startRedis } from '../test/helpers/redis.js';

interface Setup {
  directoryUrl: string;
  redisUrl: string;
}

function instance({ directoryUrl, redisUrl }: Setup): Auth {
  return createAuth({
    ...conformanceOptions(directoryUrl).auth,
    redis: { url: redisUrl, keyPrefix: 'propagation:' },
    revocation: { enabled: true },
  });
}

/** B: verifies what it is sent, then waits for its refusal and says when it came. */
async function runB(setup: Setup): Promise<void> {
  const b = instance(setup);
  process.on('message', async (message: { token?: string; stop?: boolean }) => {
    if (message.stop) {
      await b.close();
      process.exit(0);
    }
    const token = message.token!;
    await b.verify(token);
    process.send!({ ready: true });
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      try {
        await b.verify(token);
      } catch {
        process.send!({ refusedAt: process.hrtime.bigint().toString() });
        return;
      }
    }
  });
  process.send!({ started: true });
}

async function runA(rounds: number): Promise<void> {
  const directory = await startFixtureDirectory();
  const redis = await startRedis();
  const setup = { directoryUrl: directory.url, redisUrl: redis.url };
  const a = instance(setup);
  const child = fork(fileURLToPath(import.meta.url), ['--b', JSON.stringify(setup)], {
    execArgv: ['--import', 'tsx'],
  });
  const next = () =>
    new Promise<Record<string, string | boolean>>((resolve) => child.once('message', resolve));
  await next();
  // Let both views subscribe and load before the first round.
  await a.verify((await a.requestToken(USERS.alice)).token);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const micros: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const { token } = await a.requestToken(USERS.alice);
    child.send({ token });
    await next();
    const refused = next();
    const started = process.hrtime.bigint();
    await a.revoke(token);
    const { refusedAt } = await refused;
    micros.push(Number(BigInt(refusedAt as string) - started) / 1000);
  }
  child.send({ stop: true });
  await a.close();
  await redis.stop();
  await directory.close();
  micros.sort((x, y) => x - y);
  const at = (q: number) => micros[Math.min(micros.length - 1, Math.floor(q * micros.length))]!;
  console.log(
    `${rounds} revocations, revoke() at A to refusal at B (µs): median ${at(0.5).toFixed(0)}, ` +
      `p99 ${at(0.99).toFixed(0)}, max ${micros.at(-1)!.toFixed(0)}`,
  );
}

const bIndex = process.argv.indexOf('--b');
if (bIndex >= 0) await runB(JSON.parse(process.argv[bIndex + 1]!) as Setup);
else await runA(Number(process.argv[2] ?? 100));
