// `check`'s last step: a token signed with the configured keys and verified again, as the
// service would issue and verify one.
import type { ResolvedOptions } from '../../options/resolve.js';
import { keySetOf } from '../../token/signing-keys.js';
import { TokenSigner } from '../../token/tokens.js';
import { failed, passed, type StepResult } from './steps.js';

export async function checkTokenRoundTrip(
  options: ResolvedOptions,
  subject: { username: string; dn: string },
): Promise<StepResult> {
  const title = 'token round-trip';
  const { algorithm, issuer, audience, clockToleranceSeconds } = options.token;
  try {
    const keys = keySetOf(options.token, options.secretKey);
    const signer = new TokenSigner(keys, Date.now, { issuer, audience, clockToleranceSeconds });
    const { token } = await signer.sign(subject, options.token.defaultDuration);
    const claims = await signer.verify(token);
    if (claims.sub !== subject.username) throw new Error('the verified token names someone else');
    return passed(
      'token',
      title,
      `${algorithm} token issued for ${subject.username} and verified${keys.kid ? ` (kid ${keys.kid})` : ''}`,
      {
        algorithm,
        ...(keys.kid ? { kid: keys.kid } : {}),
        lifetimeSeconds: options.token.defaultDuration,
      },
    );
  } catch (error) {
    return failed(
      'token',
      title,
      `a token could not be issued and verified: ${(error as Error).message}`,
      algorithm === 'HS256'
        ? 'check SECRET_KEY'
        : 'check TOKEN_SIGNING_KEY_FILE (the private key) and TOKEN_VERIFICATION_KEYS_FILE',
      algorithm === 'HS256'
        ? ['SECRET_KEY']
        : ['TOKEN_ALGORITHM', 'TOKEN_SIGNING_KEY_FILE', 'TOKEN_VERIFICATION_KEYS_FILE'],
      { algorithm },
    );
  }
}
