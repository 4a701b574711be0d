/**
 * The only module that imports ldapjs (archived upstream, loosely typed): it narrows the
 * server API to what the embedded directory uses and hardens it against hostile input.
 */
import { Buffer } from 'node:buffer';
import type { EventEmitter } from 'node:events';
import type { Server as NetServer, Socket } from 'node:net';
import ldapjs from 'ldapjs';

/** The LDAP result codes the directory answers with (RFC 4511 appendix A). */
export const ResultCode = {
  success: 0,
  sizeLimitExceeded: 4,
  noSuchObject: 32,
  invalidDnSyntax: 34,
  invalidCredentials: 49,
  insufficientAccess: 50,
  unwillingToPerform: 53,
} as const;

export const SearchScope = { base: 0, one: 1, sub: 2 } as const;

export interface Filter {
  /** `strictAttrCase: false` matches attribute names whatever their case. */
  matches(entry: Readonly<Record<string, readonly string[]>>, strictAttrCase: boolean): boolean;
  toString(): string;
}

interface Request {
  /** The client's socket; ldapjs sets it on every request. */
  readonly connection: Socket;
}

export interface BindRequest extends Request {
  /** The DN exactly as the client sent it. */
  readonly dn: string;
  readonly credentials: string;
}

export interface SearchRequest extends Request {
  /** Already parsed by ldapjs; its `toString()` is ldapjs's own escaping of the DN. */
  readonly baseObject: { toString(): string };
  readonly scope: number;
  readonly filter: Filter;
  readonly attributes: readonly string[];
  readonly sizeLimit: number;
  readonly typesOnly: boolean;
}

export interface Response {
  /** Sent as the result's diagnostic message (ldapjs silently drops `errorMessage`). */
  diagnosticMessage: string;
  matchedDN: string;
  end(status?: number): void;
}

export interface SearchResponse extends Response {
  /** Sends one entry as given: no attribute filtering and the DN written verbatim. */
  sendEntry(dn: string, attributes: readonly { type: string; values: readonly string[] }[]): void;
}

type Next = () => void;
type Handler<Req, Res> = (req: Req, res: Res, next: Next) => void;

interface RawSearchResponse extends Response {
  createSearchEntry(entry: { objectName: unknown; attributes: unknown }): unknown;
  send(entry: unknown): void;
}

interface RawServer {
  readonly server: NetServer;
  bind(mount: string, handler: Handler<BindRequest, Response>): void;
  search(mount: string, handler: Handler<SearchRequest, RawSearchResponse>): void;
  add(mount: string, handler: Handler<unknown, Response>): void;
  del(mount: string, handler: Handler<unknown, Response>): void;
  modify(mount: string, handler: Handler<unknown, Response>): void;
  modifyDN(mount: string, handler: Handler<unknown, Response>): void;
  compare(mount: string, handler: Handler<unknown, Response>): void;
  on(event: 'error', listener: (error: Error) => void): void;
}

const BER_SEQUENCE = 0x30;

/** What ldapjs attaches to each socket it serves. */
interface LdapjsSocket extends Socket {
  parser?: EventEmitter & { buffer: Buffer | null; write(data: Buffer): boolean };
}

export interface LdapServerHandlers {
  bind: Handler<BindRequest, Response>;
  search: Handler<SearchRequest, SearchResponse>;
  /** Answers the operations the directory does not implement (add, modify, delete...). */
  unsupported: Handler<unknown, Response>;
  /** Sees every request a connection sends, before ldapjs routes it. */
  onRequest(request: { readonly type: string; readonly connection: Socket }): void;
}

interface FilterModule {
  parseBer(reader: unknown): Filter;
  parseString(text: string): Filter;
  [PATCHED]?: true;
}

const PATCHED = Symbol.for('ldap-token-auth.testing.keepDecodedFilters');

/**
 * ldapjs's SearchRequest turns the filter it decoded from BER back into a string and parses
 * that string again, and its string parser leaves `\XX` escapes undecoded: `(cn=Zoë)` or
 * `(uid=a\2a)` would then never match, and `(cn;lang-fr=x)` would drop the connection. Both
 * calls are made through the shared module object, one right after the other, so handing the
 * decoded filter through restores what the client sent.
 */
function keepDecodedFilters(filters: FilterModule): void {
  if (filters[PATCHED]) return;
  const { parseBer, parseString } = filters;
  let decoded: Filter | undefined;
  filters.parseBer = (reader) => {
    decoded = parseBer(reader);
    return decoded;
  };
  filters.parseString = (text) => {
    const filter = decoded;
    decoded = undefined;
    return filter && filter.toString() === text ? filter : parseString(text);
  };
  filters[PATCHED] = true;
}

interface BerReaderLike {
  readonly buffer: Buffer;
  readonly offset: number;
}

interface MessageModule {
  parse(reader: BerReaderLike): unknown;
  [PATCHED]?: true;
}

/** Offset just past the TLV (short or long length form) that starts at `start`. */
function endOfTlv(bytes: Buffer, start: number): number {
  const first = bytes[start + 1];
  if (first === undefined) throw new RangeError('truncated BER');
  if (first < 0x80) return start + 2 + first;
  const count = first & 0x7f;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + (bytes[start + 2 + i] ?? 0);
  return start + 2 + count + length;
}

function berLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/**
 * ldapjs throws on some valid request controls, notably the password-policy request control,
 * which has no value (draft-behera 6.1) while @ldapjs/controls insists on one; the whole message
 * is then lost and the connection dropped. The embedded directory implements no control, so a
 * message whose controls ldapjs cannot parse is parsed again without them, as a server ignores a
 * non-critical control it does not know.
 */
function tolerateUnparsableControls(messages: MessageModule): void {
  if (messages[PATCHED]) return;
  const parse = messages.parse.bind(messages);
  messages.parse = (reader) => {
    const bytes = reader.buffer.subarray(reader.offset);
    try {
      return parse(reader);
    } catch (error) {
      // LDAPMessage ::= SEQUENCE { messageID, protocolOp, controls [0] OPTIONAL }
      const lengthByte = bytes[1];
      if (bytes[0] !== BER_SEQUENCE || lengthByte === undefined) throw error;
      const contentStart = lengthByte < 0x80 ? 2 : 2 + (lengthByte & 0x7f);
      const opEnd = endOfTlv(bytes, endOfTlv(bytes, contentStart));
      // Without controls, the failure is elsewhere.
      if (bytes[opEnd] !== 0xa0) throw error;
      const content = bytes.subarray(contentStart, opEnd);
      const stripped = Buffer.concat([
        Buffer.from([BER_SEQUENCE]),
        berLength(content.length),
        content,
      ]);
      const Reader = reader.constructor as new (buffer: Buffer) => BerReaderLike;
      return parse(new Reader(stripped));
    }
  };
  messages[PATCHED] = true;
}

/**
 * An ldapjs server with the handlers mounted at the root; listening is left to the caller
 * through the returned `net.Server`.
 */
export function createLdapServer(handlers: LdapServerHandlers): NetServer {
  keepDecodedFilters((ldapjs as unknown as { filters: FilterModule }).filters);
  tolerateUnparsableControls((ldapjs as unknown as { LDAPMessage: MessageModule }).LDAPMessage);
  const raw = ldapjs.createServer() as unknown as RawServer;
  // ldapjs emits parser errors (garbage on a socket) as 'error' on the server: without a
  // listener they would be thrown and take the process down. The connection is already gone.
  raw.on('error', () => {});

  raw.bind('', handlers.bind);
  raw.search('', (req, res, next) => handlers.search(req, wrapSearchResponse(res), next));
  for (const mount of ['add', 'del', 'modify', 'modifyDN', 'compare'] as const) {
    raw[mount]('', handlers.unsupported);
  }

  // Registered after ldapjs's own listener, so the socket already has its parser.
  raw.server.on('connection', (socket: LdapjsSocket) => {
    const parser = socket.parser;
    if (!parser) return socket.destroy(new Error('ldapjs no longer attaches a parser to sockets'));
    const write = parser.write.bind(parser);
    // A request ldapjs cannot digest may throw from inside its 'data' listener, which
    // would be an uncaught exception: drop that one connection instead.
    parser.write = (data) => {
      // Bytes that cannot start an LDAPMessage (a SEQUENCE) leave ldapjs waiting forever;
      // slapd hangs up, and so do we.
      if (parser.buffer === null && data[0] !== BER_SEQUENCE) {
        socket.destroy();
        return false;
      }
      try {
        return write(data);
      } catch {
        socket.destroy();
        return false;
      }
    };
    parser.prependListener('message', (request: { type: string }) =>
      handlers.onRequest({ type: request.type, connection: socket }),
    );
  });
  return raw.server;
}

function wrapSearchResponse(res: RawSearchResponse): SearchResponse {
  return Object.assign(res, {
    sendEntry(dn: string, attributes: readonly { type: string; values: readonly string[] }[]) {
      // A SearchResultEntry skips ldapjs's own attribute filtering, and a DN-tagged object
      // stops it re-escaping the DN (it writes `\c3\b3` where slapd returns UTF-8 as is).
      const objectName = { [Symbol.toStringTag]: 'LdapDn', toString: () => dn };
      res.send(res.createSearchEntry({ objectName, attributes }));
    },
  });
}
