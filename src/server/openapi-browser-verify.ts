// `{mount}/verify` in the OpenAPI document as browser sign-in changes it: the session cookie,
// the redirect to the sign-in page, and `?browser=401` for nginx.
import { joinPath } from '../http/location.js';
import { type BrowserDocumentSettings, literal } from './openapi-browser-components.js';
import { type Json, json, type PathItem, ref, TOKEN_AUTH } from './openapi-components.js';

/**
 * `{mount}/verify` as browser sign-in changes it: the session cookie is read when there is no
 * `Authorization`, and a browser without a valid session is sent to the sign-in page.
 */
export function verifyWithSignIn(
  item: PathItem,
  mount: string,
  settings: BrowserDocumentSettings,
): PathItem {
  const get = item.get ?? {};
  const signIn = signInLocation(settings.loginUrl ?? joinPath(mount, 'login'));
  return {
    ...item,
    get: {
      ...get,
      description:
        'With browser sign-in on (`browser.enabled`, LOGIN_PAGE=true): the session cookie ' +
        'counts when there is no `Authorization` header, and a browser (its `Accept` names ' +
        '`text/html`) without a valid session is sent to the sign-in page with `rd` = the URL ' +
        'it asked for (`X-Original-URL`, else `X-Forwarded-Proto`/`-Host`/`-Uri`). API ' +
        'clients, and 403 and 503, are unchanged. A session used SESSION_RECHECK_SECONDS after ' +
        'its token was signed asks the directory again: the 200 then carries `Set-Cookie` with ' +
        'the renewed session (the groups of now), a refusal ends the session (the 302 or 401 ' +
        'clears the cookie), and with SESSION_RECHECK_FAILURE=closed a directory that cannot ' +
        'answer is a 503.',
      security: [...TOKEN_AUTH, { sessionCookie: [] }],
      parameters: [
        ...((get.parameters as unknown[] | undefined) ?? []),
        {
          name: 'browser',
          in: 'query',
          description:
            '`401`: a browser without a session gets the 401 (with the sign-in URL in ' +
            "`Location`) instead of a 302, for nginx's `auth_request`, which takes any status " +
            'but 2xx, 401 and 403 as an error.',
          schema: { type: 'string', enum: ['401'] },
        },
      ],
      responses: {
        ...(get.responses as Json),
        '302': {
          description: 'A browser without a valid session: to the sign-in page',
          headers: {
            Location: signIn,
            'Cache-Control': ref('headers', 'Cache-Control'),
          },
        },
        '401': {
          description:
            "No valid token or session: the seed's 401, with `WWW-Authenticate` and `Location` " +
            '= the token endpoint. For a browser with `?browser=401`: the same body, `Location` ' +
            '= the sign-in page, and no `WWW-Authenticate` (no Basic prompt).',
          headers: {
            'WWW-Authenticate': {
              description: 'The challenge, except for a browser sent to the sign-in page',
              schema: { type: 'string', const: 'Basic realm="Authentication Required"' },
            },
            Location: {
              required: true,
              description: 'The token endpoint, or for a browser the sign-in page',
              schema: {
                type: 'string',
                anyOf: [{ pattern: 'request-token$' }, { pattern: signIn.schema.pattern }],
              },
            },
          },
          content: json('Problem'),
        },
      },
    },
  };
}

/** `Location` of a browser sent to sign in: LOGIN_URL (default `{mount}/login`), `rd` added. */
function signInLocation(loginUrl: string) {
  return {
    required: true,
    description: 'The sign-in page (LOGIN_URL), with `rd` = the URL the browser asked for',
    schema: { type: 'string', pattern: `^${literal(loginUrl)}([?&]rd=[^&#]+)?$` },
  };
}
