// The sign-in page: one small HTML document, no script, no external resource. Its only style is
// inline, allowed by its SHA-256 in the Content-Security-Policy, so the policy can forbid
// everything else.
import { createHash } from 'node:crypto';
import { CSRF_FIELD } from './csrf.js';

export interface LoginPageModel {
  title: string;
  /** Where the form posts: `{mount}/login`. */
  loginAction: string;
  /** Where the sign-out form posts: `{mount}/logout`. */
  logoutAction: string;
  /** The double-submit token, repeated in a hidden field. */
  csrf: string;
  /** The return URL, already checked; carried in a hidden field. */
  rd?: string | undefined;
  /** The username typed before, kept when the page comes back with a message. */
  username?: string | undefined;
  /** Why the last attempt failed, announced to screen readers (`role="alert"`). */
  message?: string | undefined;
  /** Set when the browser already has a valid session: the page offers to sign out instead. */
  signedInAs?: string | undefined;
}

const STYLE = `
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #f4f5f7; --card: #fff; --line: #8a929c;
  --accent: #0b57d0; --accent-fg: #fff; --error-bg: #fdecea; --error-fg: #8c1d18; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6e8eb; --bg: #14171a; --card: #1f2428; --line: #77808a; --accent: #8ab4f8;
    --accent-fg: #0b1b33; --error-bg: #3b1512; --error-fg: #ffb4ab; } }
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center;
  padding: 1rem; background: var(--bg); color: var(--fg);
  font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
main { width: 100%; max-width: 24rem; background: var(--card); border-radius: .75rem;
  padding: 2rem 1.5rem; box-shadow: 0 1px 3px rgb(0 0 0 / .12), 0 8px 24px rgb(0 0 0 / .06); }
h1 { margin: 0 0 1.5rem; font-size: 1.5rem; font-weight: 600; }
label { display: block; margin: 1rem 0 .25rem; font-weight: 500; }
input { width: 100%; padding: .625rem .75rem; font: inherit; color: inherit; background: transparent;
  border: 1px solid var(--line); border-radius: .375rem; }
input:focus-visible, button:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
button { width: 100%; margin-top: 1.5rem; padding: .7rem 1rem; font: inherit; font-weight: 600;
  color: var(--accent-fg); background: var(--accent); border: 0; border-radius: .375rem;
  cursor: pointer; }
[role="alert"] { margin: 0 0 1rem; padding: .75rem 1rem; border-radius: .375rem;
  background: var(--error-bg); color: var(--error-fg); }
p.who { margin: 0; overflow-wrap: anywhere; }
`;

/** The style's hash, for the `style-src` of the Content-Security-Policy. */
const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

/**
 * The page's Content-Security-Policy: nothing may load or run but its own inline style; forms may
 * post only to this service, and be redirected from there to `redirectOrigin` (the return URL's
 * origin: browsers apply `form-action` to a form's redirects too).
 */
export function loginPageCsp(redirectOrigin?: string): string {
  const formAction = redirectOrigin ? `'self' ${redirectOrigin}` : "'self'";
  return [
    "default-src 'none'",
    `style-src ${STYLE_HASH}`,
    `form-action ${formAction}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** The headers of a sign-in page: its CSP, never cached, framed or sniffed. */
export function signInPageHeaders(
  csp: string,
  extraHeaders: Record<string, string> = {},
): Record<string, string> {
  return {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': csp,
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'same-origin',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    ...extraHeaders,
  };
}

/** The page itself. Every value from outside is escaped. */
export function renderLoginPage(page: LoginPageModel): string {
  const hidden = [
    field(CSRF_FIELD, page.csrf),
    page.rd === undefined ? '' : field('rd', page.rd),
  ].join('');
  const alert = page.message ? `<p role="alert">${escapeHtml(page.message)}</p>` : '';
  const body = page.signedInAs
    ? `<h1>${escapeHtml(page.title)}</h1>
<p class="who">You are signed in as <strong>${escapeHtml(page.signedInAs)}</strong>.</p>
<form method="post" action="${escapeHtml(page.logoutAction)}">${hidden}
<button type="submit">Sign out</button>
</form>`
    : `<h1>${escapeHtml(page.title)}</h1>
${alert}<form method="post" action="${escapeHtml(page.loginAction)}">${hidden}
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required${page.username ? ` value="${escapeHtml(page.username)}"` : ' autofocus'}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${page.username ? ' autofocus' : ''}>
<button type="submit">Sign in</button>
</form>`;
  return htmlDocument(page.title, body);
}

/** A page with a title and a message only, no form: why sign-in cannot work here. */
export function renderNoticePage(title: string, message: string): string {
  return htmlDocument(
    title,
    `<h1>${escapeHtml(title)}</h1>\n<p role="alert">${escapeHtml(message)}</p>`,
  );
}

function htmlDocument(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

function field(name: string, value: string): string {
  return `\n<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
}

/** Text for HTML content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!,
  );
}
