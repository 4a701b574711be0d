import type { AdapterPayload } from 'oidc-provider';

/**
 * The models oidc-provider ties to a grant: `revokeByGrantId` deletes every one of them that
 * carries the grant's id. The Grant model itself is keyed by that id and deleted by the provider.
 */
export const GRANT_MEMBERS: ReadonlySet<string> = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

/**
 * Thrown by `consume` when another request consumed the same code or refresh token first (on
 * this instance or another). oidc-provider checks `consumed` before it consumes, so two requests
 * that read the model at the same moment would both pass that check; the store decides which one
 * wins and the other gets this. It has the shape oidc-provider's error handler answers with
 * (`message` as the error code, `expose`, `statusCode`), so the client gets the standard
 * `invalid_grant` without this module loading oidc-provider.
 */
export class AlreadyConsumedError extends Error {
  readonly error = 'invalid_grant';
  readonly error_description = 'grant request is invalid';
  readonly error_detail: string;
  readonly status = 400;
  readonly statusCode = 400;
  readonly expose = true;

  constructor(model: string) {
    super('invalid_grant');
    this.name = 'AlreadyConsumedError';
    this.error_detail = `${model} already consumed`;
  }
}

/** The secondary index a model has: a Session by its `uid`, a device flow model by `userCode`. */
export function indexesOf(
  model: string,
  payload: AdapterPayload,
): { kind: IndexKind; value: string }[] {
  const indexes: { kind: IndexKind; value: string }[] = [];
  if (model === 'Session' && typeof payload.uid === 'string') {
    indexes.push({ kind: 'uid', value: payload.uid });
  }
  if (typeof payload.userCode === 'string') {
    indexes.push({ kind: 'userCode', value: payload.userCode });
  }
  return indexes;
}

export type IndexKind = 'uid' | 'userCode';

/** The grant a payload belongs to, for the models that belong to one. */
export function grantOf(model: string, payload: AdapterPayload): string | undefined {
  return GRANT_MEMBERS.has(model) && typeof payload.grantId === 'string'
    ? payload.grantId
    : undefined;
}

/** Seconds since the epoch, as oidc-provider writes `consumed`. */
export const epochSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * The two index lookups every adapter answers the same way: the id the index points at, then
 * that model, kept only if it still has the value (an index may outlive a re-upsert that
 * changed it; the payload is the truth).
 */
export abstract class IndexLookups {
  abstract find(id: string): Promise<AdapterPayload | undefined>;

  /** The id of the model the index `kind`:`value` points at, if any. */
  protected abstract indexedId(kind: IndexKind, value: string): Promise<string | undefined>;

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.#findByIndex('uid', uid);
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.#findByIndex('userCode', userCode);
  }

  async #findByIndex(kind: IndexKind, value: string): Promise<AdapterPayload | undefined> {
    const id = await this.indexedId(kind, value);
    const payload = id === undefined ? undefined : await this.find(id);
    return payload?.[kind] === value ? payload : undefined;
  }
}
