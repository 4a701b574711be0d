// Our sign-in form inside oidc-provider's flow (`{issuer path}/oidc/interaction/:uid`): the
// browser sign-in page's look, CSRF checks, login limits, refusal reasons and required group,
// then the provider's own redirect back into the authorization. The password reaches only here.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { Auth } from '../core/types.js';
import type { HttpAnswer } from '../http/answers.js';
import { cookieValue, serializeCookie } from '../http/browser/cookies.js';
import {
  CSRF_FIELD,
  csrfCookieName,
  formFromThisSite,
  isCsrfToken,
  newCsrfToken,
} from '../http/browser/csrf.js';
import { HttpsRequirement } from '../http/browser/https-required.js';
import { AllowedHosts } from '../http/browser/redirects.js';
import type { BrowserRequest } from '../http/browser/sign-in.js';
import { failureOf } from '../http/browser/sign-in-failures.js';
import { loginPageCsp, renderLoginPage, renderNoticePage } from '../http/browser/sign-in-page.js';
import { clientAddressOf } from '../http/client-address.js';
import { reportUnexpected } from '../http/unexpected-errors.js';

const EXPIRED =
  'This sign-in has expired or was already used. Go back to the application and start again.';
const FORM_EXPIRED = 'This sign-in form has expired or came from another site. Please try again.';

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

/** The interaction routes of one provider. */
export class OidcInteractions {
  readonly #auth: Auth;
  readonly #provider: Provider;
  readonly #prefix: string;
  readonly #https: HttpsRequirement;
  readonly #allowed: AllowedHosts;
  readonly #csrfCookie: string;

  /** @param prefix the interaction URLs' path up to the uid: `{issuer path}/oidc/interaction/`. */
  constructor(auth: Auth, provider: Provider, prefix: string) {
    const browser = auth.options.browser;
    this.#auth = auth;
    this.#provider = provider;
    this.#prefix = prefix;
    this.#https = new HttpsRequirement(browser, auth.logger);
    this.#allowed = new AllowedHosts(browser.allowedRedirectHosts);
    this.#csrfCookie = csrfCookieName(browser.cookieName, browser.cookieSecure);
  }

  /** Whether `path` is one of ours. */
  matches(path: string): boolean {
    return path.startsWith(this.#prefix) && path.length > this.#prefix.length;
  }

  /**
   * GET shows the form (or, for a consent prompt, grants at once: our clients are first-party);
   * POST signs in. `request.form` is the POST's body. Never rejects.
   */
  async answer(
    req: IncomingMessage,
    res: ServerResponse,
    request: BrowserRequest,
  ): Promise<HttpAnswer> {
    const insecure = this.#https.refusal(request);
    if (insecure) return insecure;
    let interaction: Interaction;
    try {
      interaction = await this.#provider.interactionDetails(req, res);
    } catch {
      return notice(400, EXPIRED);
    }
    try {
      if (interaction.prompt.name !== 'login') return await this.#consent(req, res, interaction);
      if (req.method === 'POST') return await this.#signIn(req, res, request, interaction);
      return this.#page(request, interaction, 200, {});
    } catch (error) {
      reportUnexpected(this.#auth, error);
      return notice(500, 'Signing in is not possible right now. Try again in a moment.');
    }
  }

  async #signIn(
    req: IncomingMessage,
    res: ServerResponse,
    request: BrowserRequest,
    interaction: Interaction,
  ): Promise<HttpAnswer> {
    const form = new URLSearchParams(request.form ?? '');
    const username = form.get('username') ?? '';
    const password = form.get('password') ?? '';
    const fromThisSite = formFromThisSite(request, form.get(CSRF_FIELD) ?? undefined, {
      allowed: this.#allowed,
      cookieName: this.#csrfCookie,
      logger: this.#auth.logger,
    });
    if (!fromThisSite) {
      return this.#page(request, interaction, 403, { username, message: FORM_EXPIRED }, true);
    }
    if (!username || !password) {
      const message = 'Enter your username and password.';
      return this.#page(request, interaction, 400, { username, message });
    }
    let subject: string;
    try {
      const address = clientAddressOf(this.#auth, request);
      const issued = await this.#auth.requestToken({ username, password }, {}, { address });
      subject = issued.user.username;
    } catch (error) {
      reportUnexpected(this.#auth, error);
      const failure = failureOf(error, this.#auth.options.passwordPolicy.revealReason);
      const page = { username, message: failure.message };
      return this.#page(request, interaction, failure.status, page, false, failure.headers);
    }
    const login = { accountId: subject, amr: ['pwd'], remember: true };
    const to = await this.#provider.interactionResult(
      req,
      res,
      { login },
      {
        mergeWithLastSubmission: false,
      },
    );
    return seeOther(to);
  }

  /** A consent prompt (`prompt=consent`, or scopes not yet granted): granted, first-party. */
  async #consent(
    req: IncomingMessage,
    res: ServerResponse,
    interaction: Interaction,
  ): Promise<HttpAnswer> {
    const { Grant } = this.#provider;
    const accountId = interaction.session?.accountId;
    const clientId = String(interaction.params.client_id);
    if (!accountId) return notice(400, EXPIRED);
    const existing = interaction.grantId ? await Grant.find(interaction.grantId) : undefined;
    const grant = existing ?? new Grant({ accountId, clientId });
    const details = interaction.prompt.details;
    const scopes = details.missingOIDCScope;
    if (Array.isArray(scopes)) grant.addOIDCScope(scopes.map(String));
    const claims = details.missingOIDCClaims;
    if (Array.isArray(claims)) grant.addOIDCClaims(claims.map(String));
    const grantId = await grant.save();
    const to = await this.#provider.interactionResult(
      req,
      res,
      { consent: { grantId } },
      {
        mergeWithLastSubmission: true,
      },
    );
    return seeOther(to);
  }

  /** The sign-in page, with a CSRF token: the browser's own when it has one, else a new one. */
  #page(
    request: BrowserRequest,
    interaction: Interaction,
    status: number,
    page: { username?: string; message?: string },
    renewCsrf = false,
    extraHeaders: Record<string, string> = {},
  ): HttpAnswer {
    const browser = this.#auth.options.browser;
    const current = cookieValue(request.cookie, this.#csrfCookie);
    const csrf = !renewCsrf && isCsrfToken(current) ? current : newCsrfToken();
    const action = `${this.#prefix}${interaction.uid}`;
    const headers: Record<string, string> = {
      'Content-Type': 'text/html; charset=utf-8',
      // The form's answer redirects, through the provider, to the client: allowed as a target.
      'Content-Security-Policy': loginPageCsp(redirectTarget(interaction.params.redirect_uri)),
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'same-origin',
      'X-Frame-Options': 'DENY',
      'X-Content-Type-Options': 'nosniff',
      ...extraHeaders,
    };
    if (csrf !== current) {
      headers['Set-Cookie'] = serializeCookie(this.#csrfCookie, csrf, {
        path: '/',
        secure: browser.cookieSecure,
        httpOnly: true,
        sameSite: 'Strict',
      });
    }
    const body = renderLoginPage({
      ...page,
      title: browser.title,
      loginAction: action,
      logoutAction: action,
      csrf,
    });
    return { status, headers, body };
  }
}

/** The CSP source of a redirect URI: its origin, or its scheme for an app's own scheme. */
function redirectTarget(redirectUri: unknown): string | undefined {
  if (typeof redirectUri !== 'string') return undefined;
  try {
    const url = new URL(redirectUri);
    return url.origin === 'null' ? url.protocol : url.origin;
  } catch {
    return undefined;
  }
}

function seeOther(location: string): HttpAnswer {
  return { status: 303, headers: { Location: location, 'Cache-Control': 'no-store' }, body: '' };
}

function notice(status: number, message: string): HttpAnswer {
  return {
    status,
    headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' },
    body: renderNoticePage('Sign in', message),
  };
}
