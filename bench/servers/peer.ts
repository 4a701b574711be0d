// What a Node user picks today: Express 5, passport + passport-ldapauth to check the password,
// jsonwebtoken to issue the JWT, express-jwt to verify it (given the secret as a KeyObject, its
// fastest form). The same routes and answers as our hello app.
import { createSecretKey } from 'node:crypto';
import express from 'express';
import { expressjwt } from 'express-jwt';
import jwt from 'jsonwebtoken';
import passport from 'passport';
import LdapStrategy from 'passport-ldapauth';

const secret = process.env.SECRET_KEY ?? '';
const key = createSecretKey(Buffer.from(secret));

passport.use(
  new LdapStrategy({
    server: {
      url: process.env.LDAP_AUTH_SERVER ?? '',
      searchBase: process.env.LDAP_TOP_DN ?? '',
      searchFilter: '(uid={{username}})',
    },
    credentialsLookup: (req: express.Request) => {
      const [scheme, encoded] = (req.headers.authorization ?? '').split(' ');
      if (scheme !== 'Basic' || !encoded) return null;
      const [username, password] = Buffer.from(encoded, 'base64').toString().split(':');
      return { username, password };
    },
  } as unknown as LdapStrategy.Options),
);

const app = express();
app.disable('x-powered-by');
app.use(passport.initialize());
app.post(
  '/auth/request-token',
  passport.authenticate('ldapauth', { session: false }),
  (req, res) => {
    const user = req.user as unknown as { uid: string; dn: string };
    const token = jwt.sign({ sub: user.uid, dn: user.dn }, key, {
      algorithm: 'HS256',
      expiresIn: 3600,
    });
    res.json({ token: `${token}:`, access_token: token, token_type: 'Bearer', expires_in: 3600 });
  },
);
const hello: express.RequestHandler = (_req, res) => {
  res.send('hello, world');
};
app.get('/', expressjwt({ secret: key, algorithms: ['HS256'] }), hello);
app.get('/public', hello);

const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => {
  process.stdout.write(`READY ${process.env.PORT}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  server.closeIdleConnections();
});
