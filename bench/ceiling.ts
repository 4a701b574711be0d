// The LDAP ceiling for token issuance: a bare ldapts search+bind loop, with persistent
// connections and nothing else, at a given concurrency for a given time. Prints one JSON line.
import { Client, EqualityFilter } from 'ldapts';

const [
  url = '',
  base = '',
  username = '',
  password = '',
  concurrencyText = '8',
  secondsText = '5',
] = process.argv.slice(2);
const concurrency = Number(concurrencyText);
const deadline = performance.now() + Number(secondsText) * 1000;
const latencies: number[] = [];
let errors = 0;

async function loop(): Promise<void> {
  const searcher = new Client({ url });
  const binder = new Client({ url });
  try {
    while (performance.now() < deadline) {
      const started = performance.now();
      try {
        const { searchEntries } = await searcher.search(base, {
          scope: 'sub',
          filter: new EqualityFilter({ attribute: 'uid', value: username }),
          attributes: ['1.1'],
          sizeLimit: 2,
        });
        await binder.bind(searchEntries[0]!.dn, password);
        latencies.push(performance.now() - started);
      } catch {
        errors++;
      }
    }
  } finally {
    await Promise.allSettled([searcher.unbind(), binder.unbind()]);
  }
}

const started = performance.now();
await Promise.all(Array.from({ length: concurrency }, loop));
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const percentile = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
process.stdout.write(
  `${JSON.stringify({ requestsPerSecond: latencies.length / seconds, p50: percentile(0.5), p99: percentile(0.99), errors })}\n`,
);
