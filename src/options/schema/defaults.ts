// The defaults the schema fills in, read from the schema itself, by dotted option path: what
// docs/configuration.md and `--help` show, so that no default is written anywhere else.
import type { z } from 'zod';
import { optionsSchema } from './options.js';

interface SchemaNode {
  _zod: {
    def: {
      type: string;
      defaultValue?: unknown;
      innerType?: SchemaNode;
      shape?: Record<string, SchemaNode>;
    };
  };
}

/** Each option the schema defaults, and the value an absent one becomes. */
export function schemaDefaults(schema: z.ZodType = optionsSchema): ReadonlyMap<string, unknown> {
  const defaults = new Map<string, unknown>();
  collect(schema as unknown as SchemaNode, '', defaults);
  return defaults;
}

function collect(node: SchemaNode, path: string, defaults: Map<string, unknown>): void {
  const { type, defaultValue, innerType, shape } = node._zod.def;
  // A defaulted section (`prefault({})`) is filled from its members' own defaults.
  if (type === 'default') defaults.set(path, defaultValue);
  else if (innerType) collect(innerType, path, defaults);
  else if (shape) {
    for (const [key, child] of Object.entries(shape)) {
      collect(child, path ? `${path}.${key}` : key, defaults);
    }
  }
}

/** A default as it would be written in code: `'sub'`, `3600`, `['cn', 'mail']`. */
export function defaultText(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(defaultText).join(', ')}]`;
  if (value && typeof value === 'object') {
    const members = Object.entries(value).map(([key, member]) => `${key}: ${defaultText(member)}`);
    return `{ ${members.join(', ')} }`;
  }
  return String(value);
}
