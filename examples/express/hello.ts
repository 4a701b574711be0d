// flask-ldap-auth's hello app, on Express. Run it against your directory:
//   SECRET_KEY=... LDAP_AUTH_SERVER=ldaps://ldap.example.org LDAP_TOP_DN=ou=people,dc=example,dc=org \
//   npx tsx examples/express/hello.ts
import express from 'express';
import { fromEnv } from 'ldap-token-auth';
import { ldapTokenAuth } from 'ldap-token-auth/express';

const auth = ldapTokenAuth(fromEnv());

const app = express();
app.use('/auth', auth.router); // app.register_blueprint(token, url_prefix='/auth')

// In the handler, req.user is { username, dn, claims }: who presented the token.
app.get('/', auth.loginRequired(), (_req, res) => {
  res.send('hello, world');
});

const port = Number(process.env.PORT ?? 5000);
app.listen(port, '127.0.0.1', () => console.log(`Running on http://127.0.0.1:${port}/`));
