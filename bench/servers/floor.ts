// The issuance floor of any Node HTTP token service: node:http plus the same two LDAP operations
// (search, bind) on persistent ldapts connections, and nothing else: no JWT, no parsing of the
// Authorization header, no pool bookkeeping. The gap between this and the bare LDAP loop is what
// HTTP itself costs on the shared core; the gap between this and us is what we cost.
import { createServer } from 'node:http';
import { Client, EqualityFilter } from 'ldapts';

const url = process.env.LDAP_AUTH_SERVER ?? '';
const base = process.env.LDAP_TOP_DN ?? '';
const size = Number(process.env.LDAP_POOL_SIZE ?? 8);
const searchers = Array.from({ length: size }, () => new Client({ url }));
const binders = Array.from({ length: size }, () => new Client({ url }));
const waiting: (() => void)[] = [];

async function take(clients: Client[]): Promise<Client> {
  while (clients.length === 0) await new Promise<void>((resolve) => waiting.push(resolve));
  return clients.pop()!;
}
function give(clients: Client[], client: Client): void {
  clients.push(client);
  waiting.shift()?.();
}

const server = createServer(async (_req, res) => {
  const searcher = await take(searchers);
  const { searchEntries } = await searcher.search(base, {
    scope: 'sub',
    filter: new EqualityFilter({ attribute: 'uid', value: 'alice' }),
    attributes: ['1.1'],
    sizeLimit: 2,
  });
  give(searchers, searcher);
  const binder = await take(binders);
  await binder.bind(searchEntries[0]!.dn, 'wonderland');
  give(binders, binder);
  res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"token":"-"}');
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => {
  server.close();
  server.closeIdleConnections();
  for (const client of [...searchers, ...binders]) void client.unbind();
});
