/** The directory `npm run demo` serves: two people, an admins group and a service account. */

/** A person of the demo directory, with the password that logs them in. */
export interface DemoUser {
  readonly username: string;
  readonly password: string;
  readonly name: string;
}

/** Where the demo's people live (`LDAP_TOP_DN`). */
export const DEMO_TOP_DN = 'ou=people,dc=example,dc=org';

/** The account for `authenticated_search=true` (`LDAP_USERNAME` / `LDAP_PASSWORD`). */
export const DEMO_SERVICE_ACCOUNT: Readonly<{ dn: string; password: string }> = Object.freeze({
  dn: 'uid=search-bot,ou=people,dc=example,dc=org',
  password: 'bot-secret',
});

/** The people who can log in to the demo. */
export const DEMO_USERS: readonly DemoUser[] = Object.freeze([
  Object.freeze({ username: 'alice', password: 'wonderland', name: 'Alice Liddell' }),
  Object.freeze({ username: 'bob', password: 'builder', name: 'Bob Builder' }),
]);

/**
 * The demo directory as LDIF. Bob's password is stored as `{SSHA}` (salt `demosalt`) to show
 * that hashed passwords work; the others are in clear text. Alice's `memberOf` is stored as
 * slapd's memberof overlay would keep it, for the default group strategy.
 */
export const DEMO_LDIF = `version: 1

dn: dc=example,dc=org
objectClass: top
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ou=people,dc=example,dc=org
objectClass: organizationalUnit
ou: people

dn: ou=groups,dc=example,dc=org
objectClass: organizationalUnit
ou: groups

dn: uid=alice,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: alice
cn: Alice Liddell
sn: Liddell
givenName: Alice
displayName: Alice Liddell
mail: alice@example.org
memberOf: cn=admins,ou=groups,dc=example,dc=org
userPassword: wonderland

dn: uid=bob,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: bob
cn: Bob Builder
sn: Builder
givenName: Bob
displayName: Bob Builder
mail: bob@example.org
userPassword: {SSHA}3h4TskB5ieWUwsNflpDyIAqGadhkZW1vc2FsdA==

dn: uid=search-bot,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: search-bot
cn: Search Bot
sn: Bot
userPassword: bot-secret

dn: cn=admins,ou=groups,dc=example,dc=org
objectClass: groupOfNames
cn: admins
member: uid=alice,ou=people,dc=example,dc=org
`;
