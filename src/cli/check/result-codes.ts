import { ResultCodeError } from 'ldapts';

/**
 * RFC 4511 result names (Appendix A), for the codes a diagnosis is likely to meet. By number,
 * not by ldapts error class: the number is what a person looks up in the server's log and docs,
 * and some results (referral 10, other 80) have no class of their own in ldapts.
 */
const RESULT_NAMES: Readonly<Record<number, string>> = {
  1: 'operationsError',
  2: 'protocolError',
  3: 'timeLimitExceeded',
  4: 'sizeLimitExceeded',
  7: 'authMethodNotSupported',
  8: 'strongerAuthRequired',
  10: 'referral',
  11: 'adminLimitExceeded',
  13: 'confidentialityRequired',
  32: 'noSuchObject',
  34: 'invalidDNSyntax',
  48: 'inappropriateAuthentication',
  49: 'invalidCredentials',
  50: 'insufficientAccessRights',
  51: 'busy',
  52: 'unavailable',
  53: 'unwillingToPerform',
  80: 'other',
};

/**
 * What the directory answered, for a person: `noSuchObject (32)`, with the server's own
 * diagnostic message when it gave one (Active Directory's says why a bind failed: "data 52e").
 * Anything that is not an LDAP result is its message.
 */
export function resultText(error: unknown): string {
  if (!(error instanceof ResultCodeError)) {
    return error instanceof Error ? error.message : String(error);
  }
  // ldapts appends " Code: 0x.." to the server's message, which may be empty.
  const said = error.message.replace(/\s*Code: 0x[0-9a-f]+$/i, '').trim();
  const name = `${RESULT_NAMES[error.code] ?? 'result'} (${error.code})`;
  return said ? `${name}: ${said}` : name;
}
