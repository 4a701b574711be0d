// flask-ldap-auth's hello app, on Koa with @koa/router. Run it against your directory:
//   SECRET_KEY=... LDAP_AUTH_SERVER=ldaps://ldap.example.org LDAP_TOP_DN=ou=people,dc=example,dc=org \
//   npx tsx examples/koa/hello.ts
import Router from '@koa/router';
import Koa from 'koa';
import { fromEnv } from 'ldap-token-auth';
import { ldapTokenAuth } from 'ldap-token-auth/koa';

const auth = ldapTokenAuth(fromEnv()); // { prefix: '/auth' } by default

const router = new Router();
// ctx.state.user is { username, dn, claims }: who presented the token.
router.get('/', auth.loginRequired(), (ctx) => {
  ctx.body = `hello, ${ctx.state.user!.username}`;
});

const app = new Koa();
app.use(auth.router.routes()); // POST /auth/request-token
app.use(router.routes());

const port = Number(process.env.PORT ?? 5000);
app.listen(port, '127.0.0.1', () => console.log(`Running on http://127.0.0.1:${port}/`));
