// Options as plain objects addressed by dotted paths (`ldap.serviceAccount.password`), as the
// ENVIRONMENT table and the schema's errors name them.

/** The value at a dotted path of plain objects, or undefined. */
export function valueAt(
  options: Readonly<Record<string, unknown>> | undefined,
  path: string,
): unknown {
  let node: unknown = options;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** `base` with every value of `over` put in: objects merged key by key, the rest replaced. */
export function mergeOver(base: Readonly<Record<string, unknown>>, over: Record<string, unknown>) {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const under = merged[key];
    merged[key] = isPlainObject(under) && isPlainObject(value) ? mergeOver(under, value) : value;
  }
  return merged;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
