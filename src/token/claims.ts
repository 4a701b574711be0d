import type { AttributeValues } from '../shared/attributes.js';

/**
 * The top-level claims copied from an entry's attributes: each claim takes the value of the first
 * of its attributes the entry has (a string, or an array for several values); a claim none of
 * whose attributes is present is left out.
 */
export function mappedClaims(
  values: ReadonlyMap<string, readonly string[]>,
  mapping: Readonly<Record<string, readonly string[]>>,
): Record<string, string | string[]> {
  const claims: Record<string, string | string[]> = {};
  for (const [claim, attributes] of Object.entries(mapping)) {
    for (const attribute of attributes) {
      const found = values.get(attribute.toLowerCase());
      if (!found || found.length === 0) continue;
      claims[claim] = found.length === 1 ? found[0]! : [...found];
      break;
    }
  }
  return claims;
}

/** The `attributes` claim read back defensively: anything but strings and string arrays is dropped. */
export function attributesOf(claim: unknown): AttributeValues {
  if (!claim || typeof claim !== 'object' || Array.isArray(claim)) return Object.freeze({});
  const attributes: Record<string, string | readonly string[]> = {};
  for (const [name, value] of Object.entries(claim)) {
    if (typeof value === 'string') attributes[name] = value;
    else if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
      attributes[name] = Object.freeze([...value]);
    }
  }
  return Object.freeze(attributes);
}

/** The `groups` claim read back: the strings of an array, nothing for anything else. */
export function groupsOfClaim(claim: unknown): readonly string[] {
  return Object.freeze(
    Array.isArray(claim) ? claim.filter((group): group is string => typeof group === 'string') : [],
  );
}
