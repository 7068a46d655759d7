import { z } from 'zod';
import { MAX_LOGO_BYTES } from '../workspaces/schemas.js';

const name = z.string().trim().min(1, 'Enter a name.').max(100, 'A name is at most 100 characters.');

export const createOrganisationInput = z.object({ name });

export const updateOrganisationInput = z
  .object({
    name: name.optional(),
    /** A new logo (base64), or null to remove it. */
    logo: z
      .object({
        contentType: z.enum(['image/png', 'image/jpeg', 'image/svg+xml']),
        data: z.base64().max(Math.ceil((MAX_LOGO_BYTES * 4) / 3) + 4, 'A logo can be at most 512 KB.'),
      })
      .nullable()
      .optional(),
  })
  .refine((fields) => fields.name !== undefined || fields.logo !== undefined, 'Change the name or the logo.');

export const updateBillingDetailsInput = z.object({
  billingEmail: z.email('Enter a valid billing email address.').max(254).nullable(),
  billingAddress: z.string().trim().max(500, 'A billing address is at most 500 characters.').nullable(),
  taxId: z
    .string()
    .trim()
    .max(32, 'A tax id is at most 32 characters.')
    .regex(/^[A-Za-z0-9 .\-/]*$/, 'A tax id holds letters, digits, spaces, dots, hyphens and slashes (e.g. "FR 12 345678901").')
    .nullable(),
});

export const deleteOrganisationInput = z.object({
  /** The organisation's name, typed by the admin to confirm. */
  confirmName: z.string().trim().max(100),
});

export const organisationOutput = z.object({
  id: z.string(),
  name: z.string(),
  logo: z.object({ contentType: z.string(), dataUrl: z.string() }).nullable(),
  billingEmail: z.string().nullable(),
  billingAddress: z.string().nullable(),
  taxId: z.string().nullable(),
  createdAt: z.string(),
  deletionScheduledUntil: z.string().nullable(),
});
