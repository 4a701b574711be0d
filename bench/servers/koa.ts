// The seed's hello app on Koa (@koa/router) with our adapter, imported by package name.
// Configured by the same environment variables as `ldap-token-auth serve`.
import Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import { fromEnv } from 'ldap-token-auth';
import { ldapTokenAuth } from 'ldap-token-auth/koa';

const auth = ldapTokenAuth(fromEnv());
const router = new Router();
const hello: Middleware = (ctx) => {
  ctx.body = 'hello, world';
};
router.get('/', auth.loginRequired(), hello);
router.get('/public', hello);
// The same route behind a middleware that does nothing: what any check costs Koa at least.
router.get('/noop', (_ctx, next) => next(), hello);
const app = new Koa();
app.use(auth.router.routes());
app.use(router.routes());

const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => {
  process.stdout.write(`READY ${process.env.PORT}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  server.closeIdleConnections();
  void auth.close();
});
