// What a login asks of the directory (Directory.authenticate), and what it gets back.
import type { UserQuery } from './find-user-entry.js';
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

/** The user search (the name, the attribute it is matched against, what to read), and more. */
export interface LoginAttempt extends UserQuery {
  password: string;
  /** Runs once the entry is found, before the bind; what it throws ends the attempt unbound. */
  beforeBind?: (entry: FoundEntry) => Promise<void>;
}
