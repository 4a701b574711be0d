// A browser going through our OpenID Provider's authorization: it follows the redirects, fills
// in our sign-in form (with its CSRF field) when it is shown, and stops at the client's
// redirect URI, whose URL (with `code` or `error`) it returns. Shared by the OIDC e2e test and
// the bench, which mints its codes this way rather than forging them.
import { Browser } from './browser.js';

export interface Credentials {
  username: string;
  password: string;
}

/**
 * Follows `authorizationUrl` with `browser` (whose base is the instance to talk to: absolute
 * redirects are sent to it whatever their origin, so an issuer shared by several instances
 * works) until a redirect reaches `redirectUri`. Signs in with `credentials` when the form
 * appears; a browser already signed in (its cookies) gets the redirect without it.
 */
export async function authorize(
  browser: Browser,
  authorizationUrl: URL | string,
  redirectUri: string,
  credentials?: Credentials,
): Promise<URL> {
  let path = pathOf(authorizationUrl);
  let signedIn = false;
  for (let step = 0; step < 12; step++) {
    const page = await browser.get(path);
    const location = page.headers.get('location');
    if (location) {
      const target = new URL(location, browser.base);
      if (target.href.startsWith(redirectUri)) return target;
      path = pathOf(target);
      continue;
    }
    if (page.status !== 200 || !credentials || signedIn) {
      throw new Error(
        `authorization stopped at ${path}: ${page.status} ${page.body.slice(0, 300)}`,
      );
    }
    const action =
      /<form method="post" action="([^"]*)">(?:(?!<\/form>)[\s\S])*name="password"/.exec(
        page.body,
      )?.[1];
    const target = action ? pathOf(new URL(htmlText(action), new URL(path, browser.base))) : path;
    const answer = await browser.post(target, { ...hiddenFields(page.body), ...credentials });
    signedIn = true;
    const next = answer.headers.get('location');
    if (!next) throw new Error(`sign-in answered ${answer.status}: ${answer.body.slice(0, 300)}`);
    const after = new URL(next, browser.base);
    if (after.href.startsWith(redirectUri)) return after;
    path = pathOf(after);
  }
  throw new Error('authorization: too many redirects');
}

/** The form's hidden fields (the CSRF token among them), as the browser would send them. */
function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [, name, value] of html.matchAll(
    /<input type="hidden" name="([^"]+)" value="([^"]*)">/g,
  )) {
    fields[name!] = value!
      .replaceAll('&quot;', '"')
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&#39;', "'")
      .replaceAll('&amp;', '&');
  }
  if (!fields.csrf) Browser.csrfOf(html);
  return fields;
}

/** An attribute value as the page escaped it, back to its text. */
function htmlText(text: string): string {
  return text
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

function pathOf(url: URL | string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}
