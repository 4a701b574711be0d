// A small browser for the OpenID Provider tests: cookies kept by name (expired ones dropped),
// redirects followed by hand up to the client's redirect URI, and our sign-in form filled in.
import assert from 'node:assert/strict';

const HTML = 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8';

export interface Page {
  status: number;
  headers: Headers;
  body: string;
  url: URL;
}

export class OidcBrowser {
  readonly jar = new Map<string, string>();

  async get(url: string): Promise<Page> {
    return this.#keep(url, await fetch(url, { headers: this.#headers(), redirect: 'manual' }));
  }

  async post(url: string, form: Record<string, string>): Promise<Page> {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        ...this.#headers(),
        origin: new URL(url).origin,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(form).toString(),
      redirect: 'manual',
    });
    return this.#keep(url, response);
  }

  /**
   * Follows an authorization request to the client's redirect URI (not fetched), signing in on
   * our form when it is shown. Fails when the form is shown and no credentials are given.
   */
  async authorize(start: URL, credentials?: { username: string; password: string }): Promise<URL> {
    let page = await this.get(start.href);
    for (let hops = 0; hops < 10; hops++) {
      if (page.status === 200 && /name="password"/.test(page.body)) {
        assert.ok(credentials, 'the sign-in form is shown');
        page = await this.#submit(page, credentials);
        continue;
      }
      const location = page.headers.get('location');
      assert.ok(location, `a redirect, not ${page.status}: ${page.body.slice(0, 300)}`);
      const next = new URL(location, page.url);
      if (next.host !== start.host) return next;
      page = await this.get(next.href);
    }
    assert.fail('too many redirects');
  }

  /** The form's answer to `credentials`, without following it. */
  async attempt(start: URL, credentials: { username: string; password: string }): Promise<Page> {
    let page = await this.get(start.href);
    while (page.status >= 300 && page.status < 400) {
      page = await this.get(new URL(page.headers.get('location')!, page.url).href);
    }
    return this.#submit(page, credentials);
  }

  #submit(page: Page, credentials: { username: string; password: string }): Promise<Page> {
    const action = /<form method="post" action="([^"]+)"/.exec(page.body)?.[1];
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1];
    assert.ok(action && csrf, 'a form with a CSRF field');
    return this.post(new URL(action.replaceAll('&amp;', '&'), page.url).href, {
      csrf,
      ...credentials,
    });
  }

  #headers(): Record<string, string> {
    const cookie = [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
    return { accept: HTML, ...(cookie ? { cookie } : {}) };
  }

  async #keep(url: string, response: Response): Promise<Page> {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      const expired = /Max-Age=0|expires=Thu, 01 Jan 1970/i.test(line);
      if (expired) this.jar.delete(name);
      else this.jar.set(name, pair.slice(at + 1));
    }
    return {
      status: response.status,
      headers: response.headers,
      body: await response.text(),
      url: new URL(url),
    };
  }
}
