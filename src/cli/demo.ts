import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface DemoOptions {
  host: string;
  port: number;
}

export interface RunningDemo {
  url: string;
  directoryUrl: string;
  close(): Promise<void>;
}

/**
 * `npm run demo`: the embedded directory with a few people in it, and flask-ldap-auth's hello
 * app on Express in front of it. Express and ldapjs are loaded here, on demand, so that the rest
 * of the CLI runs without them.
 */
export async function startDemo({ host, port }: DemoOptions): Promise<RunningDemo> {
  const { startTestDirectory, DEMO_LDIF } = await import('../testing/index.js');
  const { ldapTokenAuth } = await import('../adapters/express.js');
  const { default: express } = await import('express');

  const directory = await startTestDirectory({ ldif: DEMO_LDIF });
  const auth = ldapTokenAuth({
    secretKey: randomBytes(32),
    ldap: {
      url: directory.url,
      topDn: 'ou=people,dc=example,dc=org',
      serviceAccount: { username: 'search-bot', password: 'bot-secret' },
    },
  });

  const app = express();
  app.disable('x-powered-by');
  app.use('/auth', auth.router);
  app.get('/', auth.loginRequired(), (_req, res) => {
    res.send('hello, world');
  });
  app.get('/admin', auth.loginRequired({ groups: ['admins'] }), (req, res) => {
    res.send(`hello, ${req.user!.attributes.cn ?? req.user!.username} (admins)`);
  });
  app.get('/public', (_req, res) => {
    res.send('hello, world');
  });

  const server = await new Promise<import('node:http').Server>((resolve, reject) => {
    const listening = app.listen(port, host, (error?: Error) =>
      error ? reject(error) : resolve(listening),
    );
  });
  const bound = server.address() as AddressInfo;
  return {
    url: `http://${host}:${bound.port}`,
    directoryUrl: directory.url,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await auth.close();
      await directory.close();
    },
  };
}

/** The text the demo prints: who can log in, and the seed's httpie transcript to try. */
export function demoInstructions(
  demo: RunningDemo,
  users: readonly { username: string; password: string; name: string }[],
): string {
  const port = new URL(demo.url).port;
  const [first] = users;
  const login = first ? `${first.username}:${first.password}` : 'alice:wonderland';
  const name = first?.name ?? 'Alice Liddell';
  return [
    '',
    `ldap-token-auth demo: the seed's hello app at ${demo.url}`,
    `embedded directory at ${demo.directoryUrl} (in memory; users under ou=people,dc=example,dc=org)`,
    '',
    'Demo users:',
    ...users.map(
      (user) => `  ${user.username.padEnd(8)} password ${user.password.padEnd(12)} ${user.name}`,
    ),
    '',
    'Try it with httpie (the flask-ldap-auth walkthrough):',
    `  http GET :${port}/                                  # 401, and where to get a token`,
    `  http --auth ${login} POST :${port}/auth/request-token`,
    `  http --auth 'TOKEN:' GET :${port}/                  # paste the "token" value, colon included`,
    `  http --auth ${login} POST :${port}/auth/request-token token_duration==60`,
    `  http --auth '${name}:${first?.password ?? 'wonderland'}' POST :${port}/auth/request-token search_criteria==cn`,
    `  http --auth ${login} POST :${port}/auth/request-token authenticated_search==true`,
    `  http -A bearer --auth TOKEN GET :${port}/           # the same token as a Bearer token`,
    `  http -A bearer --auth TOKEN GET :${port}/admin      # 200 for alice (admins), 403 for bob`,
    '',
    'Press Ctrl+C to stop.',
    '',
  ].join('\n');
}
