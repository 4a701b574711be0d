// The documented option interfaces (types.ts, what users' editors show) are checked here against
// the schema's input types at compile time: an option added, removed or retyped on one side only
// fails `tsc`.
import type { z } from 'zod';
import type * as Documented from '../types.js';
import type { browserSchema } from './browser.js';
import type { groupsSchema, userSchema } from './identity.js';
import type { ldapSchema, passwordPolicySchema, searchCriteriaSchema } from './ldap.js';
import type { loginLimitsSchema } from './limits.js';
import type { oidcClientSchema, oidcSchema } from './oidc.js';
import type { optionsSchema } from './options.js';
import type { tokenSchema } from './token.js';

/** `true` when each type is assignable to the other and both have the same keys. */
type Same<A, B> = [A] extends [B]
  ? [B] extends [A]
    ? [keyof A] extends [keyof B]
      ? [keyof B] extends [keyof A]
        ? true
        : false
      : false
    : false
  : false;
type Holds<T extends true> = T;

type Input<T extends z.ZodType> = NonNullable<z.input<T>>;

export type DocumentedTypesMatchTheSchema = [
  Holds<Same<Documented.AuthOptions, z.input<typeof optionsSchema>>>,
  Holds<Same<Documented.LdapOptions, Input<typeof ldapSchema>>>,
  Holds<
    Same<
      NonNullable<Documented.LdapOptions['serviceAccount']>,
      NonNullable<Input<typeof ldapSchema>['serviceAccount']>
    >
  >,
  Holds<Same<Documented.LdapTlsOptions, NonNullable<Input<typeof ldapSchema>['tls']>>>,
  Holds<Same<Documented.TokenOptions, Input<typeof tokenSchema>>>,
  Holds<Same<Documented.SearchCriteriaOptions, Input<typeof searchCriteriaSchema>>>,
  Holds<Same<Documented.LoginLimitOptions, Input<typeof loginLimitsSchema>>>,
  Holds<
    Same<Documented.LoginLimitRule, NonNullable<Input<typeof loginLimitsSchema>['perUsername']>>
  >,
  Holds<Same<Documented.UserOptions, Input<typeof userSchema>>>,
  Holds<Same<Documented.GroupOptions, Input<typeof groupsSchema>>>,
  Holds<Same<Documented.BrowserOptions, Input<typeof browserSchema>>>,
  Holds<
    Same<
      NonNullable<Documented.AuthOptions['redis']>,
      NonNullable<Input<typeof optionsSchema>['redis']>
    >
  >,
  Holds<
    Same<
      NonNullable<Documented.AuthOptions['revocation']>,
      NonNullable<Input<typeof optionsSchema>['revocation']>
    >
  >,
  Holds<Same<Documented.PasswordPolicyOptions, Input<typeof passwordPolicySchema>>>,
  Holds<Same<Documented.OidcOptions, Input<typeof oidcSchema>>>,
  Holds<Same<Documented.OidcClient, Input<typeof oidcClientSchema>>>,
];
