// The schema of the `oidc` options and of one OpenID Connect client, shared by `createAuth`'s
// `oidc.clients` and the clients file (src/oidc/clients.ts), so both refuse the same things.
import { z } from 'zod';
import { issuerProblem, OIDC_SCOPES } from '../oidc.js';

const redirectUri = z.string().refine((uri) => {
  if (uri.includes('#')) return false;
  try {
    return new URL(uri).protocol.length > 1;
  } catch {
    return false;
  }
}, 'must be an absolute URL without a fragment');

const scopes = z
  .string()
  .refine(
    (scope) => scope.split(' ').every((name) => (OIDC_SCOPES as readonly string[]).includes(name)),
    `must be space-separated scopes among ${OIDC_SCOPES.join(', ')}`,
  );

export const oidcClientSchema = z
  .strictObject({
    client_id: z.string().min(1).max(200),
    client_secret: z.string().min(1).optional(),
    redirect_uris: z.array(redirectUri).readonly().optional(),
    post_logout_redirect_uris: z.array(redirectUri).readonly().optional(),
    grant_types: z
      .array(z.enum(['authorization_code', 'refresh_token', 'client_credentials']))
      .min(1)
      .readonly()
      .default(['authorization_code', 'refresh_token']),
    response_types: z.array(z.literal('code')).min(1).readonly().default(['code']),
    token_endpoint_auth_method: z
      .enum(['client_secret_basic', 'client_secret_post', 'none'])
      .default('client_secret_basic'),
    scope: scopes.default(OIDC_SCOPES.join(' ')),
    allowed_groups: z.array(z.string().min(1)).readonly().optional(),
  })
  .superRefine((client, context) => {
    const complain = (field: string, message: string) =>
      context.addIssue({ code: 'custom', path: [field], message });
    const isPublic = client.token_endpoint_auth_method === 'none';
    if (isPublic && client.client_secret !== undefined) {
      complain(
        'client_secret',
        'must be absent on a public client (token_endpoint_auth_method none)',
      );
    }
    if (!isPublic && client.client_secret === undefined) {
      complain('client_secret', 'is required unless token_endpoint_auth_method is none');
    }
    if (isPublic && client.grant_types.includes('client_credentials')) {
      complain('grant_types', 'client_credentials needs a confidential client (with a secret)');
    }
    if (client.grant_types.includes('authorization_code') && !client.redirect_uris?.length) {
      complain('redirect_uris', 'is required for the authorization_code grant');
    }
  });

export const oidcClientsSchema = z
  .array(oidcClientSchema)
  .readonly()
  .superRefine((clients, context) => {
    const seen = new Set<string>();
    clients.forEach((client, index) => {
      if (seen.has(client.client_id)) {
        context.addIssue({
          code: 'custom',
          path: [index, 'client_id'],
          message: `duplicates another client's (${client.client_id})`,
        });
      }
      seen.add(client.client_id);
    });
  });

export const oidcSchema = z
  .strictObject({
    issuer: z
      .string()
      .superRefine((issuer, context) => {
        const problem = issuerProblem(issuer);
        if (problem) context.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    clientsFile: z.string().min(1).optional(),
    clients: oidcClientsSchema.optional(),
  })
  .prefault({});

export type ParsedOidcClient = z.output<typeof oidcClientSchema>;
