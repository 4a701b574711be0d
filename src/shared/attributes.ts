// What the library says about a user's directory attributes, in the terms every layer shares:
// the token layer carries them in a claim, the LDAP layer reads them, the core hands them on.

/** An entry's attribute values as read: one value as a string, several as an array. */
export type AttributeValues = Readonly<Record<string, string | readonly string[]>>;
