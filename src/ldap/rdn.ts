/** One attribute-value assertion of a relative distinguished name: `cn=admins`. */
export interface RdnPart {
  attribute: string;
  value: string;
}

const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;

/**
 * The first RDN of a DN (RFC 4514), unescaped: `cn=Ops\, EMEA,ou=groups,...` gives
 * `[{ attribute: 'cn', value: 'Ops, EMEA' }]`; a multi-valued RDN (`cn=a+uid=b`) gives each part.
 * `undefined` when the DN does not parse, or the value is in the `#hex` BER form: the caller
 * then has no name from the DN and must look elsewhere.
 */
export function firstRdn(dn: string): RdnPart[] | undefined {
  const parts: RdnPart[] = [];
  let index = 0;
  for (;;) {
    const equals = dn.indexOf('=', index);
    if (equals < 0) return undefined;
    const attribute = dn.slice(index, equals).trim();
    if (!/^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)$/.test(attribute)) return undefined;
    index = equals + 1;
    const read = readDnValue(dn, index);
    if ('problem' in read) return undefined;
    parts.push({ attribute, value: read.value });
    // Past the `+` of a multi-valued RDN; a `,` or the end of the DN ends the first RDN.
    if (dn[read.end] !== '+') return parts;
    index = read.end + 1;
  }
}

/** An attribute value read from a DN, and where it ended; or why it could not be read. */
export type DnValueRead = { value: string; end: number } | { problem: DnValueProblem };

export type DnValueProblem = 'hex-form' | 'lone-backslash' | 'invalid-utf8';

/**
 * Reads the attribute value starting at `start` up to an unescaped `,` or `+` (or the end), at
 * `end`: escapes (`\,`, `\27`, `\c3\b3`) decoded, unescaped trailing spaces dropped. The `#hex`
 * BER form is not read: nothing here needs it, and refusing beats misreading.
 */
export function readDnValue(dn: string, start: number): DnValueRead {
  if (dn[start] === '#') return { problem: 'hex-form' };
  const bytes: number[] = [];
  // Where the value's unescaped trailing spaces start (spaces escaped as `\ ` are kept).
  let kept = 0;
  let index = start;
  while (index < dn.length) {
    const char = String.fromCodePoint(dn.codePointAt(index)!);
    if (char === ',' || char === '+') break;
    if (char === '\\') {
      const next = dn.slice(index + 1, index + 3);
      if (HEX_PAIR.test(next)) {
        bytes.push(Number.parseInt(next, 16));
        index += 3;
      } else if (index + 1 < dn.length) {
        const escaped = String.fromCodePoint(dn.codePointAt(index + 1)!);
        bytes.push(...Buffer.from(escaped, 'utf8'));
        index += 1 + escaped.length;
      } else {
        return { problem: 'lone-backslash' };
      }
      kept = bytes.length;
      continue;
    }
    bytes.push(...Buffer.from(char, 'utf8'));
    if (char !== ' ') kept = bytes.length;
    // A code point outside the BMP is two UTF-16 units.
    index += char.length;
  }
  // ignoreBOM: a leading U+FEFF is part of the value, not a byte-order mark to drop.
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  try {
    return { value: decoder.decode(Uint8Array.from(bytes.slice(0, kept))), end: index };
  } catch {
    return { problem: 'invalid-utf8' };
  }
}

/** The value of `dn`'s first RDN when its attribute is `attribute` (ignoring case), else `undefined`. */
export function rdnValue(dn: string, attribute: string): string | undefined {
  const wanted = attribute.toLowerCase();
  return firstRdn(dn)?.find((part) => part.attribute.toLowerCase() === wanted)?.value;
}
