// A connection of the bind pool carries binds and nothing else: a user's password is checked on
// it, and no search (the user's, a group look-up, the root DSE read) ever runs there, where it
// would run with the rights of whoever bound last. Seen from the wire, connection by connection,
// through a proxy in front of a real slapd.
import assert from 'node:assert/strict';
import { createConnection, createServer, type Socket } from 'node:net';
import { after, before, it } from 'node:test';
import { createAuth } from '../../src/core/create-auth.js';
import { type SlapdServer, startSlapd } from '../helpers/slapd.js';

const TOP_DN = 'ou=people,dc=example,dc=org';
const BIND_REQUEST = 0x60;
const SEARCH_REQUEST = 0x63;

/** The protocolOp tag of each LDAPMessage in `bytes` (RFC 4511: SEQUENCE { messageID, op }). */
function operationTags(bytes: Buffer): number[] {
  const tags: number[] = [];
  const lengthAt = (at: number): { length: number; next: number } => {
    const first = bytes[at]!;
    if (first < 0x80) return { length: first, next: at + 1 };
    let length = 0;
    for (let i = 1; i <= (first & 0x7f); i++) length = length * 256 + bytes[at + i]!;
    return { length, next: at + 1 + (first & 0x7f) };
  };
  for (let at = 0; at < bytes.length; ) {
    const message = lengthAt(at + 1);
    const id = lengthAt(message.next + 1);
    tags.push(bytes[id.next + id.length]!);
    at = message.next + message.length;
  }
  return tags;
}

let slapd: SlapdServer;
before(async () => {
  slapd = await startSlapd({ anonymousSearch: false });
});
after(() => slapd?.stop());

it('no connection that checked a password ever carries a search, nor a reset to anonymous', async () => {
  const sent: Buffer[][] = [];
  const sockets = new Set<Socket>();
  const proxy = createServer((client) => {
    const chunks: Buffer[] = [];
    sent.push(chunks);
    const upstream = createConnection({ host: '127.0.0.1', port: slapd.port });
    sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => chunks.push(chunk));
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as { port: number };
  const auth = createAuth({
    secretKey: 'bind-connection-use-secret-0123456789abcdef',
    ldap: {
      url: `ldap://127.0.0.1:${port}`,
      topDn: TOP_DN,
      serviceAccount: { username: 'search-bot', password: 'bot-secret' },
      poolSize: 4,
      timeoutMs: 10_000,
      connectTimeoutMs: 10_000,
    },
    loginLimits: { enabled: false },
  });
  const logins = [
    { username: 'alice', password: 'wonderland' },
    { username: 'bob', password: 'can-we-fix-it' },
    { username: 'alice', password: 'not-her-password' },
    { username: 'nobody-by-that-name', password: 'whatever' },
  ];
  try {
    let next = 0;
    const worker = async () => {
      while (next < 200) {
        const login = logins[next++ % logins.length]!;
        // Refusals are part of the mix: only the wire is looked at.
        await auth.requestToken(login).catch(() => undefined);
      }
    };
    await Promise.all(Array.from({ length: 12 }, worker));
  } finally {
    await auth.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => proxy.close(resolve));
  }
  const connections = sent.map((chunks) => Buffer.concat(chunks));
  // A user's bind names the entry's DN; the searches name only the top DN as their base.
  const checkedPasswords = connections.filter((bytes) =>
    /uid=(alice|bob),/.test(bytes.toString('latin1')),
  );
  assert.ok(checkedPasswords.length > 0, 'no connection checked a password');
  for (const bytes of checkedPasswords) {
    const tags = operationTags(bytes);
    assert.ok(tags.includes(BIND_REQUEST));
    assert.ok(!tags.includes(SEARCH_REQUEST), 'a connection that checked a password searched');
  }
  // And the other way round: a search connection binds once, as the service account.
  for (const tags of connections.map(operationTags)) {
    const binds = tags.filter((tag) => tag === BIND_REQUEST).length;
    if (tags.includes(SEARCH_REQUEST)) assert.ok(binds <= 1, `${binds} binds, and searches`);
  }
  // The bind connections are reused as they are, never reset to anonymous: one bind per login
  // (wrong passwords and decoys included) and no other, though fewer connections than logins.
  const bindConnections = connections
    .map(operationTags)
    .filter((tags) => tags.includes(BIND_REQUEST) && !tags.includes(SEARCH_REQUEST));
  const userBinds = bindConnections.flat().filter((tag) => tag === BIND_REQUEST).length;
  assert.equal(userBinds, 200, 'binds on the connections that checked passwords');
  assert.ok(bindConnections.length <= 4, `${bindConnections.length} bind connections`);
});
