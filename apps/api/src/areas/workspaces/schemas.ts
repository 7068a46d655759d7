import { z } from 'zod';

export const MAX_LOGO_BYTES = 512 * 1024;

export const slugSchema = z
  .string()
  .trim()
  .min(1, 'Enter a slug.')
  .max(63, 'A slug is at most 63 characters.')
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'A slug uses lowercase letters, digits and single hyphens (e.g. "paris-office").');

const timezones = new Set(Intl.supportedValuesOf('timeZone'));
export const timezoneSchema = z
  .string()
  .trim()
  .max(64)
  .refine((tz) => tz === 'UTC' || timezones.has(tz), 'Choose an IANA time zone such as Europe/Paris.');

export const languageSchema = z
  .string()
  .trim()
  .regex(/^[a-z]{2,3}(-[A-Z]{2})?$/, 'Use a language code such as "en" or "fr-CA".');

export const dateFormatSchema = z.enum(['DD/MM/YYYY', 'MM/DD/YYYY']);

export const createWorkspaceInput = z.object({
  name: z.string().trim().min(1, 'Enter a name.').max(100),
  slug: slugSchema,
  defaultLanguage: languageSchema.default('en'),
});

export const updateWorkspaceInput = z
  .object({
    name: z.string().trim().min(1, 'Enter a name.').max(100).optional(),
    slug: slugSchema.optional(),
    defaultLanguage: languageSchema.optional(),
    timezone: timezoneSchema.optional(),
    dateFormat: dateFormatSchema.optional(),
    /** The From name of the workspace's campaigns; null or empty: the server's. */
    emailSenderName: z
      .string()
      .trim()
      .max(100, 'A sender name is at most 100 characters.')
      .regex(/^[^\r\n<>";,]*$/, 'A sender name cannot hold line breaks or < > " ; ,')
      .nullable()
      .optional(),
  })
  .refine((fields) => Object.values(fields).some((v) => v !== undefined), 'Change at least one setting.');

export const setLogoInput = z.object({
  contentType: z.enum(['image/png', 'image/jpeg', 'image/svg+xml']),
  /** The file, base64-encoded. */
  data: z.base64().max(Math.ceil((MAX_LOGO_BYTES * 4) / 3) + 4, 'A logo can be at most 512 KB.'),
});

export const bySlugInput = z.object({ slug: z.string().trim().min(1).max(63) });

export const deleteWorkspaceInput = z.object({
  /** The workspace's slug, typed by the person to confirm. */
  confirmSlug: z.string().trim().max(63),
});

export const workspaceOutput = z.object({
  id: z.string(),
  organisationId: z.string(),
  kind: z.enum(['global', 'chapter']),
  name: z.string(),
  slug: z.string(),
  defaultLanguage: z.string(),
  timezone: z.string(),
  dateFormat: dateFormatSchema,
  logoContentType: z.enum(['image/png', 'image/jpeg', 'image/svg+xml']).nullable(),
  logoUpdatedAt: z.date().nullable(),
  createdAt: z.date(),
  emailSenderName: z.string().nullable(),
});
export const workspaceListOutput = z.array(workspaceOutput.extend({ contactCount: z.number(), memberCount: z.number() }));
export const deleteWorkspaceOutput = z.object({ workspaceId: z.string(), name: z.string(), slug: z.string(), movedContacts: z.number(), movedTo: z.string() });
