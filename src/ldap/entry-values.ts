// Attribute values of a directory entry, as the library hands them on: text, with the few binary
// attributes people ask for (Active Directory's GUIDs and SIDs) in their usual text forms.

import type { AttributeValues } from '../shared/attributes.js';

/** Password attributes: never read, whatever the configuration says. Lower case. */
const PASSWORD_ATTRIBUTES = new Set(
  [
    'userPassword',
    'authPassword',
    'unicodePwd',
    'dBCSPwd',
    'ntPwdHistory',
    'lmPwdHistory',
    'supplementalCredentials',
    'sambaNTPassword',
    'sambaLMPassword',
    'sambaPasswordHistory',
    'krbPrincipalKey',
    'ipaNTHash',
    'userPKCS12',
    'msDS-ManagedPassword',
    'ms-Mcs-AdmPwd',
    'msLAPS-Password',
    'msLAPS-EncryptedPassword',
  ].map((name) => name.toLowerCase()),
);

/**
 * Binary attributes with no text form worth a token's room (photos, certificates, revocation
 * lists): refused at start-up rather than base64-encoded into every token. Lower case.
 */
const REFUSED_BINARY_ATTRIBUTES = new Set(
  [
    'jpegPhoto',
    'photo',
    'thumbnailPhoto',
    'thumbnailLogo',
    'audio',
    'userCertificate',
    'cACertificate',
    'userSMIMECertificate',
    'crossCertificatePair',
    'certificateRevocationList',
    'authorityRevocationList',
    'deltaRevocationList',
    'msDS-KeyCredentialLink',
    'nTSecurityDescriptor',
    'logonHours',
    'tokenGroups',
  ].map((name) => name.toLowerCase()),
);

/** Binary attributes read as buffers and written in a text form. Lower case. */
const FORMATTED: ReadonlyMap<string, (value: Buffer) => string> = new Map([
  ['objectguid', formatGuid],
  ['ms-ds-consistencyguid', formatGuid],
  ['msexchmailboxguid', formatGuid],
  ['objectsid', formatSid],
  ['sidhistory', formatSid],
]);

/**
 * Why `attribute` may not be read into a token, or `undefined` when it may. Names carrying
 * options (`userCertificate;binary`) never pass the attribute-name check before this one.
 */
export function refusedAttribute(attribute: string): string | undefined {
  const name = attribute.toLowerCase();
  if (PASSWORD_ATTRIBUTES.has(name))
    return `${attribute} is a password attribute and is never read`;
  if (REFUSED_BINARY_ATTRIBUTES.has(name)) {
    return `${attribute} is binary (a photo, certificate or descriptor) and does not belong in a token`;
  }
  return undefined;
}

/** The attributes among `names` that must be asked for as buffers (ldapts decodes the rest as UTF-8). */
export function bufferAttributes(names: readonly string[]): string[] {
  return names.filter((name) => FORMATTED.has(name.toLowerCase()));
}

/**
 * The values of one entry, keyed by the lower-cased attribute name, each as a list of strings:
 * GUIDs and SIDs in their text forms, anything else as ldapts decoded it (UTF-8).
 */
export function entryValues(entry: Readonly<Record<string, unknown>>): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const [attribute, raw] of Object.entries(entry)) {
    if (attribute === 'dn') continue;
    const name = attribute.toLowerCase();
    const format = FORMATTED.get(name);
    const list = (Array.isArray(raw) ? raw : [raw]).map((value: unknown) =>
      Buffer.isBuffer(value) ? (format ? format(value) : value.toString('utf8')) : String(value),
    );
    values.set(name, [...(values.get(name) ?? []), ...list]);
  }
  return values;
}

/**
 * The configured `attributes` picked out of an entry's values, under the configured spelling:
 * one value as a string, several as an array; absent attributes are left out.
 */
export function pickAttributes(
  values: ReadonlyMap<string, readonly string[]>,
  attributes: readonly string[],
): AttributeValues {
  const picked: Record<string, string | readonly string[]> = {};
  for (const attribute of attributes) {
    const found = values.get(attribute.toLowerCase());
    if (!found || found.length === 0) continue;
    picked[attribute] = found.length === 1 ? found[0]! : [...found];
  }
  return picked;
}

/**
 * A GUID in the text form Windows shows (`{...}` without the braces): the first three fields are
 * stored little-endian (MS-DTYP 2.3.4.2).
 */
export function formatGuid(bytes: Buffer): string {
  if (bytes.length !== 16) return bytes.toString('base64');
  const hex = (start: number, end: number, reverse = false) => {
    const part = [...bytes.subarray(start, end)];
    return (reverse ? part.reverse() : part)
      .map((byte) => byte.toString(16).padStart(2, '0'))
      .join('');
  };
  return [hex(0, 4, true), hex(4, 6, true), hex(6, 8, true), hex(8, 10), hex(10, 16)].join('-');
}

/** A security identifier in its string form `S-1-5-21-...` (MS-DTYP 2.4.2.2). */
export function formatSid(bytes: Buffer): string {
  if (bytes.length < 8) return bytes.toString('base64');
  const revision = bytes[0]!;
  const count = bytes[1]!;
  if (bytes.length !== 8 + 4 * count) return bytes.toString('base64');
  const authority = bytes.readUIntBE(2, 6);
  const parts = [`S-${revision}-${authority}`];
  for (let index = 0; index < count; index++) parts.push(String(bytes.readUInt32LE(8 + 4 * index)));
  return parts.join('-');
}

/**
 * The `attributes` of a search: those named, GUIDs and SIDs as buffers so they can be formatted;
 * none at all as "1.1" (RFC 4511, 4.5.1.8), since an empty list would mean every attribute.
 */
export function attributeRequest(attributes: readonly string[]): {
  attributes: string[];
  explicitBufferAttributes?: string[];
} {
  if (attributes.length === 0) return { attributes: ['1.1'] };
  const buffers = bufferAttributes(attributes);
  return {
    attributes: [...attributes],
    ...(buffers.length > 0 ? { explicitBufferAttributes: buffers } : {}),
  };
}
