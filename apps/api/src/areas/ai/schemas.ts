import { AI_PROVIDERS } from '@steward/db';
import { z } from 'zod';

export const aiProvider = z.enum(AI_PROVIDERS);

/** What an admin saves. The key is optional when the provider and base URL stay as they were (it is kept). */
export const saveAiSettingsInput = z.object({
  provider: aiProvider,
  model: z.string().trim().min(1, 'Name the model, e.g. gpt-4o-mini or claude-sonnet-4-5.').max(200),
  /** Where the provider's API is; for OpenAI and Anthropic optional (their own), for a compatible server required. */
  baseUrl: z
    .string()
    .trim()
    .max(500)
    .pipe(z.url({ protocol: /^https?$/, error: 'The base URL must be an http:// or https:// address.' }))
    .transform((url) => url.replace(/\/+$/, ''))
    .nullish(),
  apiKey: z.string().trim().min(8, 'That does not look like an API key.').max(500).optional(),
});

/** The settings as anyone may see them: the key only as its last four characters. */
export const aiSettingsView = z.object({
  provider: aiProvider,
  model: z.string(),
  baseUrl: z.string().nullable(),
  apiKey: z.object({ mask: z.string().nullable() }),
  updatedAt: z.date(),
});

export const organisationAiOutput = z.object({ settings: aiSettingsView.nullable() });

export const workspaceAiOutput = z.object({
  /** This workspace's own settings, if it overrides the organisation's. */
  override: aiSettingsView.nullable(),
  /** The organisation's, which apply when there is no override. */
  organisation: aiSettingsView.nullable(),
  inForce: z.enum(['workspace', 'organisation', 'none']),
});

export const aiTestOutput = z.union([
  z.object({ ok: z.literal(true), message: z.string() }),
  z.object({ ok: z.literal(false), failure: z.enum(['not_configured', 'bad_key', 'unknown_model', 'unreachable', 'refused']), message: z.string() }),
]);
