// Value shapes several option sections share.
import { z } from 'zod';
import { isAttributeName } from '../../ldap/escape.js';

export const attributeName = z.string().refine(isAttributeName, 'must be an LDAP attribute name');

const pemPart = z.union([z.string().min(1), z.instanceof(Buffer)]);
/** One PEM text or buffer, or several (a chain, several CAs). */
export const pem = z.union([pemPart, z.array(pemPart).min(1).readonly()]);

export const seconds = z.number().int().positive();
export const milliseconds = z.number().int().positive();
