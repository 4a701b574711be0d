/**
 * `ldap-token-auth/testing`: an embedded, in-memory LDAP directory for demos and fast tests,
 * and the demo directory's content. Not for production: the real proof is against slapd.
 */
export {
  DEMO_LDIF,
  DEMO_SERVICE_ACCOUNT,
  DEMO_TOP_DN,
  DEMO_USERS,
  type DemoUser,
} from './demo-directory.js';
export {
  type DirectoryEntry,
  startTestDirectory,
  type TestDirectory,
  type TestDirectoryOptions,
  type TestDirectorySource,
  type TestDirectoryStats,
} from './directory.js';
export { LdifError } from './ldif.js';
