/**
 * `userPassword` checking as slapd does it out of the box: clear text, `{SHA}` and `{SSHA}`
 * (RFC 2307 style, base64 of a SHA-1 digest, salted digests with the salt appended).
 */
import { Buffer } from 'node:buffer';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const SHA1_LENGTH = 20;
const SCHEME = /^\{([A-Za-z0-9.-]+)\}(.*)$/s;

/** True when `password` matches one stored `userPassword` value. */
export function checkPassword(stored: string, password: string): boolean {
  const candidate = Buffer.from(password, 'utf8');
  const scheme = SCHEME.exec(stored);
  if (!scheme) return sameBytes(Buffer.from(stored, 'utf8'), candidate);

  const [, name = '', encoded = ''] = scheme;
  const decoded = Buffer.from(encoded, 'base64');
  switch (name.toUpperCase()) {
    case 'SHA':
      return sameBytes(decoded, sha1(candidate));
    case 'SSHA': {
      if (decoded.length <= SHA1_LENGTH) return false;
      const salt = decoded.subarray(SHA1_LENGTH);
      return sameBytes(decoded.subarray(0, SHA1_LENGTH), sha1(Buffer.concat([candidate, salt])));
    }
    default:
      // slapd without the matching module loaded never accepts a scheme it does not know.
      return false;
  }
}

/** A `{SSHA}` value for `password`, as `slappasswd` makes them (random 8-byte salt). */
export function hashSsha(password: string, salt: Buffer = randomBytes(8)): string {
  const digest = sha1(Buffer.concat([Buffer.from(password, 'utf8'), salt]));
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

function sha1(data: Buffer): Buffer {
  return createHash('sha1').update(data).digest();
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
