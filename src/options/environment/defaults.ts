// A variable's default as a person would set it, taken from the schema's default for its option.
// A row states its own `default` only where the schema cannot: a default worked out at
// resolution (from the preset, the servers) or a setting of the service alone.
import { schemaDefaults } from '../schema/defaults.js';
import type { EnvironmentVariable } from './variable.js';

const SCHEMA_DEFAULTS = schemaDefaults();

/** The row with its `default` filled from the schema, unless it states its own. */
export function withSchemaDefault(variable: EnvironmentVariable): EnvironmentVariable {
  if (variable.default !== undefined || variable.service) return variable;
  // An empty list reads as no default ("none"), as an unset variable does.
  const text = environmentText(SCHEMA_DEFAULTS.get(variable.option));
  return text ? { ...variable, default: text } : variable;
}

/** A value written as the variable takes it: lists comma-separated, claims `name=a|b`. */
function environmentText(value: unknown): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'object' && value) {
    return Object.entries(value)
      .map(([claim, from]) => `${claim}=${[from].flat().join('|')}`)
      .join(',');
  }
  return String(value);
}
