// The seed's hello app on Fastify with our adapter, imported by package name as a user would.
// Configured by the same environment variables as `ldap-token-auth serve`.
import Fastify from 'fastify';
import { fromEnv } from 'ldap-token-auth';
import { ldapTokenAuth } from 'ldap-token-auth/fastify';

const auth = ldapTokenAuth(fromEnv());
const app = Fastify();
await app.register(auth.plugin, { prefix: '/auth' });
const hello = async () => 'hello, world';
app.get('/', { preHandler: auth.loginRequired() }, hello);
app.get('/public', hello);
// The same route behind a preHandler that does nothing: what any check costs Fastify at least.
app.get('/noop', { preHandler: (_request, _reply, done) => done() }, hello);

await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.stdout.write(`READY ${process.env.PORT}\n`);
process.on('SIGTERM', () => {
  void app.close().then(() => auth.close());
});
