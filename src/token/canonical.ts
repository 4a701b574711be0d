// A token is refused unless it is spelled the one way its bytes encode. Node's base64url decoder
// (which jose uses) is lenient: it ignores `=` padding, takes `+` and `/` for `-` and `_`, skips
// characters outside the alphabet and drops the unused low bits of the last character. So
// `<token>=` or a last character changed to its neighbour verifies as the same token, and anything
// keyed on the token's text (a deny-list, a cache, a log search) could be sidestepped.

/** base64url's alphabet (RFC 4648 section 5), without padding, as a compact JWS uses it. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** Three segments of the alphabet only: no `=`, `+`, `/`, white space or anything else. */
const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Whether `text` is the canonical unpadded base64url encoding of some bytes: only the alphabet,
 * a length that is not 1 more than a multiple of 4 (no whole byte fits in 6 bits), and zero bits
 * in the last character's unused low bits (RFC 4648 section 3.5: encoders set them to zero).
 */
export function isCanonicalBase64url(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    if (ALPHABET.indexOf(text[index]!) < 0) return false;
  }
  return hasCanonicalEnd(text, 0, text.length);
}

/**
 * Whether `token` is a compact JWS (three dot-separated segments) in which every segment is
 * canonical base64url (see {@link isCanonicalBase64url}). A few string operations: one regular
 * expression, then one character looked up per segment; nothing is decoded.
 */
export function isCanonicalCompactJws(token: string): boolean {
  if (!COMPACT.test(token)) return false;
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  return (
    hasCanonicalEnd(token, 0, first) &&
    hasCanonicalEnd(token, first + 1, second) &&
    hasCanonicalEnd(token, second + 1, token.length)
  );
}

/**
 * For the segment `text[start, end)` already known to be of the alphabet: whether its length
 * leaves no stray character and its last character's unused bits are zero. With 2 characters
 * in the last group (one byte) the low 4 bits are unused, with 3 (two bytes) the low 2.
 */
function hasCanonicalEnd(text: string, start: number, end: number): boolean {
  const rest = (end - start) % 4;
  if (rest === 0) return true;
  if (rest === 1) return false;
  const unusedBits = rest === 2 ? 0b1111 : 0b11;
  return (ALPHABET.indexOf(text[end - 1]!) & unusedBits) === 0;
}
