// flask-ldap-auth's hello app, on Hono with @hono/node-server. Run it against your directory:
//   SECRET_KEY=... LDAP_AUTH_SERVER=ldaps://ldap.example.org LDAP_TOP_DN=ou=people,dc=example,dc=org \
//   npx tsx examples/hono/hello.ts
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { fromEnv } from 'ldap-token-auth';
import { ldapTokenAuth } from 'ldap-token-auth/hono';

const auth = ldapTokenAuth(fromEnv()); // { prefix: '/auth' } by default

const app = new Hono();
app.route('/', auth.routes); // POST /auth/request-token

// c.get('user') is { username, dn, claims }, typed through Hono's ContextVariableMap.
app.get('/', auth.loginRequired(), (c) => c.text(`hello, ${c.get('user').username}`));

const port = Number(process.env.PORT ?? 5000);
serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () =>
  console.log(`Running on http://127.0.0.1:${port}/`),
);
