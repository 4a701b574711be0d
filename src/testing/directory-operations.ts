// What the embedded directory answers to the operations it serves, simple binds and searches,
// over its entries indexed by DN.
import { DnSyntaxError, formatDn, parseDn, type Rdn, rdnKey } from './dn.js';
import {
  type BindRequest,
  type Response,
  ResultCode,
  type SearchRequest,
  type SearchResponse,
  SearchScope,
} from './ldapjs-server.js';
import type { LdifEntry } from './ldif.js';
import { checkPassword } from './password.js';

/**
 * What a search from a connection not bound as an entry gets when `anonymousSearch` is off:
 * slapd's answer under `access to * by anonymous auth by users read`, which the slapd suite
 * shows is insufficientAccess (50), not an empty success.
 */
export function refuseAnonymousSearch(res: Response): number {
  res.diagnosticMessage = 'anonymous search is not allowed';
  return ResultCode.insufficientAccess;
}

export interface StoredEntry {
  /** The DN as slapd would return it: no stray spaces, minimal escaping, UTF-8 as is. */
  readonly dn: string;
  readonly path: readonly string[];
  /** Everything but `userPassword`: what searches may see and filters may test. */
  readonly visible: Readonly<Record<string, readonly string[]>>;
  readonly passwords: readonly string[];
}

const PASSWORD_ATTRIBUTE = 'userpassword';

/** The entries by the comparison keys of their DN's RDNs, joined with `,`. */
export type EntryIndex = Map<string, StoredEntry>;

/** The DNs of the entries whose parent is not in the directory: what the root DSE lists. */
export function namingContextsOf(index: EntryIndex): string[] {
  return [...index.values()]
    .filter((entry) => !index.has(key(entry.path.slice(1))))
    .map((entry) => entry.dn);
}

function key(path: readonly string[]): string {
  return path.join(',');
}

/** Parses the DN into the comparison keys of its RDNs, leftmost first; null if not a DN. */
function pathOf(dn: string): string[] | null {
  try {
    return parseDn(dn).map(rdnKey);
  } catch (error) {
    if (error instanceof DnSyntaxError) return null;
    throw error;
  }
}

export function indexEntries(entries: readonly LdifEntry[]): EntryIndex {
  const index = new Map<string, StoredEntry>();
  for (const entry of entries) {
    // The LDIF parser has already checked the syntax.
    const rdns: Rdn[] = parseDn(entry.dn);
    if (rdns.length === 0) throw new TypeError('the root DSE (empty DN) cannot be an entry');
    const path = rdns.map(rdnKey);
    if (index.has(key(path))) throw new TypeError(`the LDIF has the entry "${entry.dn}" twice`);

    const visible: Record<string, readonly string[]> = {};
    let passwords: readonly string[] = [];
    for (const [name, values] of Object.entries(entry.attributes)) {
      if (name.toLowerCase() === PASSWORD_ATTRIBUTE) passwords = values;
      else visible[name] = values;
    }
    index.set(key(path), { dn: formatDn(rdns), path, visible, passwords });
  }
  return index;
}

export interface BindOutcome {
  code: number;
  message?: string;
  /** Set on success: the DN the connection is now bound as (null for anonymous). */
  boundAs?: string | null;
}

// The answers follow slapd's bind.c for simple binds.
export function authenticate(index: EntryIndex, req: BindRequest): BindOutcome {
  const path = pathOf(req.dn);
  if (path === null) return { code: ResultCode.invalidDnSyntax, message: 'invalid DN' };
  if (path.length === 0) {
    return req.credentials === ''
      ? { code: ResultCode.success, boundAs: null }
      : { code: ResultCode.invalidCredentials };
  }
  if (req.credentials === '') {
    return {
      code: ResultCode.unwillingToPerform,
      message: 'unauthenticated bind (DN with no password) disallowed',
    };
  }
  const entry = index.get(key(path));
  if (entry?.passwords.some((stored) => checkPassword(stored, req.credentials))) {
    return { code: ResultCode.success, boundAs: entry.dn };
  }
  return { code: ResultCode.invalidCredentials };
}

export function search(
  index: EntryIndex,
  namingContexts: readonly string[],
  req: SearchRequest,
  res: SearchResponse,
): number {
  const base = pathOf(req.baseObject.toString());
  if (base === null) {
    res.diagnosticMessage = 'invalid DN';
    return ResultCode.invalidDnSyntax;
  }
  if (base.length === 0 && req.scope === SearchScope.base) {
    sendRootDse(namingContexts, req, res);
    return ResultCode.success;
  }
  if (!index.has(key(base))) {
    res.matchedDN = closestAncestor(index, base);
    return ResultCode.noSuchObject;
  }

  let sent = 0;
  for (const entry of index.values()) {
    if (!inScope(entry.path, base, req.scope) || !matches(req, entry.visible)) continue;
    if (req.sizeLimit > 0 && sent === req.sizeLimit) return ResultCode.sizeLimitExceeded;
    res.sendEntry(entry.dn, selectAttributes(entry.visible, {}, req));
    sent++;
  }
  return ResultCode.success;
}

function inScope(path: readonly string[], base: readonly string[], scope: number): boolean {
  const depth = path.length - base.length;
  if (depth < 0 || !base.every((rdn, i) => rdn === path[depth + i])) return false;
  if (scope === SearchScope.base) return depth === 0;
  if (scope === SearchScope.one) return depth === 1;
  return true;
}

function matches(req: SearchRequest, attributes: Readonly<Record<string, readonly string[]>>) {
  try {
    return req.filter.matches(attributes, false);
  } catch {
    // ldapjs cannot evaluate some filters (extensible match): RFC 4511 calls that Undefined,
    // which selects nothing.
    return false;
  }
}

function closestAncestor(index: EntryIndex, path: readonly string[]): string {
  for (let i = 1; i < path.length; i++) {
    const ancestor = index.get(key(path.slice(i)));
    if (ancestor) return ancestor.dn;
  }
  return '';
}

/**
 * RFC 4511 section 4.5.1.8: no list or `*` means every user attribute, operational ones
 * only by name or `+`; `1.1` names nothing; names compare case-insensitively.
 */
function selectAttributes(
  user: Readonly<Record<string, readonly string[]>>,
  operational: Readonly<Record<string, readonly string[]>>,
  req: SearchRequest,
): { type: string; values: readonly string[] }[] {
  const wanted = req.attributes.map((name) => name.toLowerCase());
  const allUser = wanted.length === 0 || wanted.includes('*');
  const allOperational = wanted.includes('+');
  const pick =
    (all: boolean) =>
    ([name]: [string, readonly string[]]) =>
      all || wanted.includes(name.toLowerCase());
  return [
    ...Object.entries(user).filter(pick(allUser)),
    ...Object.entries(operational).filter(pick(allOperational)),
  ].map(([type, values]) => ({ type, values: req.typesOnly ? [] : values }));
}

function sendRootDse(namingContexts: readonly string[], req: SearchRequest, res: SearchResponse) {
  const user = { objectClass: ['top'] };
  const operational = { namingContexts, supportedLDAPVersion: ['3'] };
  if (matches(req, { ...user, ...operational })) {
    res.sendEntry('', selectAttributes(user, operational, req));
  }
}
