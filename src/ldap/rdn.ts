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
    if (dn[index] === '#') return undefined;
    const bytes: number[] = [];
    // Where the value's unescaped trailing spaces start (spaces escaped as `\ ` are kept).
    let kept = 0;
    let end: string | undefined;
    while (index < dn.length) {
      const char = String.fromCodePoint(dn.codePointAt(index)!);
      if (char === ',' || char === '+') {
        end = char;
        index++;
        break;
      }
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
          return undefined;
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
    const decoded = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    try {
      parts.push({ attribute, value: decoded.decode(Uint8Array.from(bytes.slice(0, kept))) });
    } catch {
      return undefined;
    }
    if (end !== '+') return parts;
  }
}

/** The value of `dn`'s first RDN when its attribute is `attribute` (ignoring case), else `undefined`. */
export function rdnValue(dn: string, attribute: string): string | undefined {
  const wanted = attribute.toLowerCase();
  return firstRdn(dn)?.find((part) => part.attribute.toLowerCase() === wanted)?.value;
}
