// flask-ldap-auth's hello app, on Fastify. Run it against your directory:
//   SECRET_KEY=... LDAP_AUTH_SERVER=ldaps://ldap.example.org LDAP_TOP_DN=ou=people,dc=example,dc=org \
//   npx tsx examples/fastify/hello.ts
import Fastify from 'fastify';
import { fromEnv } from 'ldap-token-auth';
import { ldapTokenAuth } from 'ldap-token-auth/fastify';

const auth = ldapTokenAuth(fromEnv());

const app = Fastify({ logger: true });
await app.register(auth.plugin, { prefix: '/auth' }); // POST /auth/request-token

// In the handler, request.user is { username, dn, claims }: who presented the token.
app.get('/', { preHandler: auth.loginRequired() }, async (request) => {
  return `hello, ${request.user!.username}`;
});

app.addHook('onClose', () => auth.close());
await app.listen({ port: Number(process.env.PORT ?? 5000), host: '127.0.0.1' });
