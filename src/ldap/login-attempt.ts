// What a login asks of the directory (Directory.authenticate), and what it gets back.
import type { FoundEntry } from './groups.js';

/** A person the directory vouched for. */
export interface DirectoryUser {
  /** The name the person typed. */
  username: string;
  /** The entry's distinguished name, as the directory spells it. */
  dn: string;
  /** The attributes asked for, as the entry has them, keyed by lower-cased name. */
  values: ReadonlyMap<string, readonly string[]>;
}

export interface LoginAttempt {
  username: string;
  password: string;
  /** The attribute the username is matched against. */
  criteria: string;
  /** Attributes read from the entry with the search that finds it. Default: none. */
  attributes?: readonly string[];
  /** Runs once the entry is found, before the bind; what it throws ends the attempt unbound. */
  beforeBind?: (entry: FoundEntry) => Promise<void>;
}
