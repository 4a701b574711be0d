import { AndFilter, EqualityFilter, type Filter } from 'ldapts';

/**
 * Escapes one attribute value for use inside a distinguished name (RFC 4514, section 2.4).
 *
 * Written here rather than taken from ldapts because ldapts's RDN escaping follows RFC 2253's
 * quoting for leading and trailing spaces and leaves NUL unescaped, which OpenLDAP rejects.
 */
export function escapeDnValue(value: string): string {
  let escaped = '';
  for (let index = 0; index < value.length; index++) {
    const char = value[index]!;
    if (char === '\0') {
      escaped += '\\00';
    } else if ('"+,;<>\\='.includes(char)) {
      escaped += `\\${char}`;
    } else if ((char === ' ' || char === '#') && index === 0) {
      escaped += `\\${char}`;
    } else if (char === ' ' && index === value.length - 1) {
      escaped += '\\ ';
    } else {
      escaped += char;
    }
  }
  return escaped;
}

/**
 * The filter that finds a user: `(<attribute>=<username>)`, or with the preset's conditions
 * `(&(objectCategory=person)(objectClass=user)(<attribute>=<username>))`. It is built as filter
 * objects, not parsed from a string, so the username is always an assertion value and can never
 * become filter syntax; its string form escapes the value as RFC 4515 requires.
 */
export function userFilter(
  attribute: string,
  username: string,
  conditions: readonly { attribute: string; value: string }[] = [],
): Filter {
  const match = new EqualityFilter({ attribute, value: username });
  if (conditions.length === 0) return match;
  return new AndFilter({
    filters: [...conditions.map((condition) => new EqualityFilter(condition)), match],
  });
}

/** Attribute descriptions we accept as search criteria: a name (RFC 4512 `descr`) or an OID. */
const ATTRIBUTE_NAME = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)$/;

export function isAttributeName(value: string): boolean {
  return ATTRIBUTE_NAME.test(value);
}
