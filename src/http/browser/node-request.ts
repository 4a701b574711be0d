// The browser sign-in's view of a node:http request: what the sign-in protocol reads of it, and
// the body of a form post, bounded. Shared by the service's sign-in routes and the OpenID
// Provider's sign-in form.
import type { IncomingMessage } from 'node:http';
import type { Auth } from '../../core/types.js';
import { type HttpAnswer, problem } from '../answers.js';
import { headerValue } from '../client-address.js';
import { originOf } from '../node-origin.js';
import type { BrowserRequest } from './sign-in.js';

/** Form posts larger than this are refused unread: the sign-in form is a few hundred bytes. */
const MAX_FORM_BYTES = 16 * 1024;

/** What the sign-in protocol reads of a request. */
export function browserRequest(auth: Auth, req: IncomingMessage, query: string): BrowserRequest {
  // Behind a trusted TLS proxy, the scheme and host the browser used, not the socket's.
  const { protocol, host } = originOf(auth, req);
  return {
    query,
    accept: req.headers.accept,
    cookie: req.headers.cookie,
    origin: req.headers.origin,
    referer: req.headers.referer,
    protocol,
    host,
    remoteAddress: req.socket.remoteAddress,
    forwardedFor: headerValue(req.headers['x-forwarded-for']),
  };
}

/** A form post's body, or the answer refusing it (not a form: 415; too large: 413). */
export async function readForm(req: IncomingMessage): Promise<string | HttpAnswer> {
  const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    return problem(
      415,
      'unsupported_media_type',
      'Send the form as application/x-www-form-urlencoded',
    );
  }
  const form = await readBody(req, MAX_FORM_BYTES);
  return form ?? problem(413, 'payload_too_large', 'The form is too large');
}

/** The body as UTF-8 text, or `undefined` once it passes `limit` bytes (the rest is not read). */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve(undefined);
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', () => resolve(undefined));
  });
}
