// Turns the schema's first complaint into the ConfigurationError createAuth throws: the option's
// dotted path and what is wrong with it, and for a key the schema does not know, the known key
// it was most likely meant to be.
import type { z } from 'zod';
import { ConfigurationError } from '../errors.js';

export function configurationErrorOf(
  issue: z.core.$ZodIssue,
  schema: z.ZodType,
): ConfigurationError {
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const path = [...issue.path, key].join('.');
    const closest = closestKey(key, keysAt(schema, issue.path));
    const known = closest === undefined ? '' : [...issue.path, closest].join('.');
    const detail =
      closest === undefined ? 'no such option' : `no such option; did you mean \`${known}\`?`;
    return new ConfigurationError(`Unknown option ${path}: ${detail}`, undefined, { path, detail });
  }
  const path = issue.path.join('.');
  return new ConfigurationError(`Invalid option ${path || '(root)'}: ${issue.message}`, undefined, {
    path,
    detail: issue.message,
  });
}

interface SchemaNode {
  _zod: { def: { innerType?: SchemaNode; shape?: Record<string, SchemaNode> } };
}

/** The keys of the object the schema expects at `path`: wrappers (default, optional) looked through. */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: SchemaNode | undefined = schema as unknown as SchemaNode;
  for (const key of [...path, undefined]) {
    while (node?._zod.def.innerType) node = node._zod.def.innerType;
    const shape: Record<string, SchemaNode> | undefined = node?._zod.def.shape;
    if (!shape) return [];
    if (key === undefined) return Object.keys(shape);
    node = shape[String(key)];
  }
  return [];
}

/**
 * The known key `given` most likely misspells: few edits apart (case ignored), or one name inside
 * the other (`serverUrl` for `url`). `undefined` when none is close.
 */
export function closestKey(given: string, known: readonly string[]): string | undefined {
  const typed = given.toLowerCase();
  let best: { key: string; distance: number } | undefined;
  for (const key of known) {
    const candidate = key.toLowerCase();
    const distance = editDistance(typed, candidate);
    const contained =
      Math.min(typed.length, candidate.length) >= 3 &&
      (typed.includes(candidate) || candidate.includes(typed));
    const near = distance <= Math.max(2, Math.floor(candidate.length / 3));
    if ((near || contained) && (!best || distance < best.distance)) best = { key, distance };
  }
  return best?.key;
}

/** Levenshtein distance: insertions, deletions and substitutions, one row at a time. */
function editDistance(from: string, to: string): number {
  let previous = Array.from({ length: to.length + 1 }, (_, index) => index);
  for (let row = 1; row <= from.length; row++) {
    const current = [row];
    for (let column = 1; column <= to.length; column++) {
      const substitution = previous[column - 1]! + (from[row - 1] === to[column - 1] ? 0 : 1);
      current.push(Math.min(previous[column]! + 1, current[column - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[to.length]!;
}
