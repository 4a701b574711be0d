// A tiny browser for the sign-in tests: real HTTP with fetch, cookies kept by name, `Origin` on
// form posts, redirects never followed.
import assert from 'node:assert/strict';

/** What a navigating browser sends as `Accept`. */
export const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

/** A tiny browser: keeps cookies by name, sends Origin on posts, never follows redirects. */
export class Browser {
  readonly jar = new Map<string, string>();
  constructor(readonly base: string) {}

  get cookie(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async get(path: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET') {
    return this.#keep(
      await fetch(`${this.base}${path}`, {
        method,
        headers: { accept: HTML, cookie: this.cookie, ...headers },
        redirect: 'manual',
      }),
    );
  }

  async post(path: string, form: Record<string, string>, headers: Record<string, string> = {}) {
    return this.#keep(
      await fetch(`${this.base}${path}`, {
        method: 'POST',
        headers: {
          accept: HTML,
          cookie: this.cookie,
          origin: this.base,
          'content-type': 'application/x-www-form-urlencoded',
          ...headers,
        },
        body: new URLSearchParams(form).toString(),
        redirect: 'manual',
      }),
    );
  }

  /** The hidden CSRF field of the last page. */
  static csrfOf(body: string): string {
    const match = /name="csrf" value="([^"]+)"/.exec(body);
    assert.ok(match, 'the page has a csrf field');
    return match[1]!;
  }

  async #keep(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, value] = pair!.split('=') as [string, string];
      if (/Max-Age=0/.test(line)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return { status: response.status, headers: response.headers, body: await response.text() };
  }
}
