export { createAuth } from './core/create-auth.js';
export type {
  Auth,
  AuthenticatedUser,
  Credentials,
  IssuedToken,
  RequestContext,
  TokenRequestParams,
} from './core/types.js';
export type { AccountStateReason, ErrorCode } from './errors.js';
export {
  ACCOUNT_STATE_REASONS,
  ConfigurationError,
  DirectoryUnavailableError,
  ForbiddenError,
  InvalidCredentialsError,
  InvalidParameterError,
  InvalidTokenError,
  LdapTokenAuthError,
  MissingCredentialsError,
  RateLimitedError,
  SessionExpiredError,
  StoreUnavailableError,
  TokenExpiredError,
} from './errors.js';
export type { HttpAnswer } from './http/answers.js';
export { errorAnswer, tokenAnswer, unauthorizedAnswer } from './http/answers.js';
export type { Authorization } from './http/authorization.js';
export { parseAuthorization, presentedToken } from './http/authorization.js';
export type { Authentication } from './http/guard.js';
export { authenticateRequest } from './http/guard.js';
export { parseTokenRequestParams } from './http/params.js';
export type { TokenRequest } from './http/protocol.js';
export { handleTokenRequest } from './http/protocol.js';
export type { Requirements } from './http/requirements.js';
export { escapeDnValue } from './ldap/escape.js';
export type { EnvironmentVariable, FromEnvOptions } from './options/from-env.js';
export { ENVIRONMENT, fromEnv } from './options/from-env.js';
export type {
  AuthOptions,
  BrowserOptions,
  GroupOptions,
  LdapOptions,
  LoginLimitOptions,
  LoginLimitRule,
  PasswordPolicyControlUse,
  PasswordPolicyOptions,
  ResolvedOptions,
  RevealReason,
  SearchCriteriaOptions,
  TokenOptions,
  UserOptions,
} from './options/resolve.js';
export type { AttributeValues } from './shared/attributes.js';
export type {
  AuthEvents,
  LdapOperationEvent,
  PoolStats,
  TokenRequestEvent,
} from './shared/events.js';
export type { Logger } from './shared/logger.js';
export type { PublicJwk, SigningAlgorithm } from './token/keys.js';
export type { TokenClaims } from './token/tokens.js';
