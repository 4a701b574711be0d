/**
 * Distinguished names for the embedded directory (RFC 4514), parsed the forgiving way slapd
 * parses them: spaces around `=`, `,` and `+` are ignored, escapes (`\,`, `\27`, `\c3\b3`)
 * are decoded, and names compare the way slapd compares the usual naming attributes
 * (`uid`, `cn`, `ou`, `dc`, `o`, `mail` all use case-ignoring matching rules).
 *
 * Written apart from the client's `ldap/rdn.ts` on purpose: this directory stands in for slapd
 * in the tests of that code, and a parser shared by both would hide its own mistakes.
 */

/** One `type=value` pair of an RDN, with the value unescaped. */
export interface Ava {
  readonly type: string;
  readonly value: string;
}

/** A relative distinguished name: usually one pair, several for multi-valued RDNs (`+`). */
export type Rdn = readonly Ava[];

/** A DN string that does not follow RFC 4514. */
export class DnSyntaxError extends Error {
  override readonly name = 'DnSyntaxError';
}

const ATTRIBUTE_TYPE = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)*)$/;
const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;
// ignoreBOM: a leading U+FEFF is part of the value, not a byte-order mark to drop.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/**
 * Parses a DN into its RDNs, leftmost (the entry's own name) first; `''` is the empty DN.
 * @throws {DnSyntaxError} when the string is not a DN.
 */
export function parseDn(input: string): Rdn[] {
  const rdns: Rdn[] = [];
  let pos = skipSpaces(input, 0);
  if (pos === input.length) return rdns;

  let rdn: Ava[] = [];
  for (;;) {
    const equals = input.indexOf('=', pos);
    if (equals === -1) throw new DnSyntaxError(`missing "=" after "${input.slice(pos)}"`);
    const type = input.slice(pos, equals).trim();
    if (!ATTRIBUTE_TYPE.test(type)) throw new DnSyntaxError(`invalid attribute type "${type}"`);

    const { value, end } = readValue(input, skipSpaces(input, equals + 1));
    rdn.push({ type, value });

    pos = skipSpaces(input, end);
    if (pos === input.length) break;
    if (input[pos] === ',') {
      rdns.push(rdn);
      rdn = [];
    }
    pos = skipSpaces(input, pos + 1);
    if (pos === input.length) throw new DnSyntaxError('DN ends with a separator');
  }
  rdns.push(rdn);
  return rdns;
}

/** Reads one attribute value up to an unescaped `,` or `+`; unescaped trailing spaces dropped. */
function readValue(input: string, start: number): { value: string; end: number } {
  if (input[start] === '#') {
    // The BER-encoded form is legal but nothing we serve uses it; refusing beats misreading.
    throw new DnSyntaxError('hex-encoded (#) attribute values are not supported');
  }
  const bytes: number[] = [];
  let keep = 0; // bytes up to the last character that was not an unescaped space
  let pos = start;
  while (pos < input.length) {
    const char = input[pos]!;
    if (char === ',' || char === '+') break;
    if (char === '\\') {
      const escaped = readEscape(input, pos);
      bytes.push(...escaped.bytes);
      pos = escaped.end;
      keep = bytes.length;
      continue;
    }
    const codePoint = input.codePointAt(pos)!;
    bytes.push(...encoder.encode(String.fromCodePoint(codePoint)));
    if (char !== ' ') keep = bytes.length;
    pos += codePoint > 0xffff ? 2 : 1;
  }
  try {
    return { value: utf8.decode(new Uint8Array(bytes.slice(0, keep))), end: pos };
  } catch {
    throw new DnSyntaxError('escaped bytes are not valid UTF-8');
  }
}

/** The bytes of the escape at `pos` (`\2c` or `\,`), and where the value goes on after it. */
function readEscape(input: string, pos: number): { bytes: readonly number[]; end: number } {
  const pair = input.slice(pos + 1, pos + 3);
  if (HEX_PAIR.test(pair)) return { bytes: [Number.parseInt(pair, 16)], end: pos + 3 };
  const escaped = input.codePointAt(pos + 1);
  if (escaped === undefined) throw new DnSyntaxError('DN ends with a lone "\\"');
  const char = String.fromCodePoint(escaped);
  return { bytes: [...encoder.encode(char)], end: pos + 1 + char.length };
}

function skipSpaces(input: string, pos: number): number {
  let next = pos;
  while (input[next] === ' ') next++;
  return next;
}

/**
 * Escapes an attribute value for use in a DN string (RFC 4514 section 2.4), leaving
 * non-ASCII characters as they are, as slapd does when it returns a DN.
 */
export function escapeDnValue(value: string): string {
  const last = value.length - 1;
  let escaped = '';
  for (let i = 0; i < value.length; i++) {
    const char = value[i]!;
    if ('\\"+,;<>'.includes(char)) escaped += `\\${char}`;
    else if (char === '\0') escaped += '\\00';
    else if ((i === 0 && (char === ' ' || char === '#')) || (i === last && char === ' ')) {
      escaped += `\\${char}`;
    } else escaped += char;
  }
  return escaped;
}

/** The DN written back without insignificant spaces and minimally escaped. */
export function formatDn(rdns: readonly Rdn[]): string {
  return rdns
    .map((rdn) => rdn.map((ava) => `${ava.type}=${escapeDnValue(ava.value)}`).join('+'))
    .join(',');
}

/**
 * A comparison key for one RDN: types and values case-folded, whitespace runs collapsed as
 * slapd's caseIgnoreMatch does, pairs of a multi-valued RDN in a fixed order.
 */
export function rdnKey(rdn: Rdn): string {
  return rdn
    .map((ava) => `${ava.type.toLowerCase()}=${escapeDnValue(foldValue(ava.value))}`)
    .sort()
    .join('+');
}

function foldValue(value: string): string {
  return value.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}
