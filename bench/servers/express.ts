// The seed's hello app on Express with our adapter, imported by package name as a user would.
// Configured by the same environment variables as `ldap-token-auth serve`.
import express from 'express';
import { fromEnv } from 'ldap-token-auth';
import { ldapTokenAuth } from 'ldap-token-auth/express';

const auth = ldapTokenAuth(fromEnv());
const app = express();
app.disable('x-powered-by');
app.use('/auth', auth.router);
const hello: express.RequestHandler = (_req, res) => {
  res.send('hello, world');
};
app.get('/', auth.loginRequired(), hello);
app.get('/public', hello);
// The same route behind a middleware that does nothing: what any check costs Express at least.
const noop: express.RequestHandler = (_req, _res, next) => next();
app.get('/noop', noop, hello);

const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => {
  process.stdout.write(`READY ${process.env.PORT}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  server.closeIdleConnections();
  void auth.close();
});
