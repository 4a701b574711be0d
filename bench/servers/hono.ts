// The seed's hello app on Hono (@hono/node-server) with our adapter, imported by package name.
// Configured by the same environment variables as `ldap-token-auth serve`.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { fromEnv } from 'ldap-token-auth';
import { ldapTokenAuth } from 'ldap-token-auth/hono';

const auth = ldapTokenAuth(fromEnv());
const app = new Hono();
app.route('/', auth.routes);
app.get('/', auth.loginRequired(), (c) => c.text('hello, world'));
app.get('/public', (c) => c.text('hello, world'));
// The same route behind a middleware that does nothing: what any check costs Hono at least.
app.get(
  '/noop',
  (_c, next) => next(),
  (c) => c.text('hello, world'),
);

const server = serve(
  { fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' },
  () => process.stdout.write(`READY ${process.env.PORT}\n`),
);
process.on('SIGTERM', () => {
  server.close();
  void auth.close();
});
