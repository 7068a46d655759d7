import { z } from 'zod';
import { orgProcedure } from '../../access/middleware.js';
import { actorOf, router } from '../../trpc.js';
import { getIntegrations, revertMailerSend, saveMailerSend, sendMailerSendTestEmail } from './integrations.js';

export const saveMailerSendInput = z.object({
  apiKey: z.string().trim().min(8, 'That does not look like a MailerSend API key.').max(500).optional(),
  fromEmail: z.string().trim().toLowerCase().max(254).pipe(z.email('The From address must be an email address.')).optional(),
  /** The signing secret MailerSend shows for the organisation's webhook (unsubscribes, spam complaints). */
  webhookSecret: z.string().trim().min(16, 'That does not look like a MailerSend webhook signing secret.').max(500).optional(),
});

const settingSource = z.enum(['saved', 'environment', 'unset']);
export const integrationsOutput = z.object({
  mailersend: z.object({
    apiKey: z.object({ source: settingSource, mask: z.string().nullable() }),
    fromEmail: z.object({ source: settingSource, value: z.string() }),
    webhookSecret: z.object({ saved: z.boolean() }),
    webhookUrl: z.string(),
  }),
});
export const testEmailOutput = z.union([
  z.object({ ok: z.literal(true), via: z.enum(['mailersend', 'dev_outbox']), message: z.string() }),
  z.object({ ok: z.literal(false), failure: z.string(), message: z.string() }),
]);

export const integrationsRouter = router({
  get: orgProcedure('integrations.manage')
    .meta({ openapi: { method: 'GET', path: '/organisations/{organisationId}/integrations', tags: ['integrations'], summary: 'Integration settings (secrets masked)' } })
    .output(integrationsOutput)
    .query(({ ctx }) => getIntegrations(ctx, ctx.org.id)),
  saveMailerSend: orgProcedure('integrations.manage')
    .meta({ openapi: { method: 'PUT', path: '/organisations/{organisationId}/integrations/mailersend', tags: ['integrations'], summary: 'Save the MailerSend API key, From address and/or webhook signing secret' } })
    .input(saveMailerSendInput)
    .output(integrationsOutput)
    .mutation(({ ctx, input }) => saveMailerSend(ctx, actorOf(ctx), ctx.org.id, input)),
  revertMailerSend: orgProcedure('integrations.manage')
    .meta({ openapi: { method: 'DELETE', path: '/organisations/{organisationId}/integrations/mailersend', tags: ['integrations'], summary: 'Revert MailerSend settings to the environment' } })
    .input(z.object({ setting: z.enum(['apiKey', 'fromEmail', 'both', 'webhookSecret']).default('both') }))
    .output(integrationsOutput)
    .mutation(({ ctx, input }) => revertMailerSend(ctx, actorOf(ctx), ctx.org.id, input.setting)),
  sendTestEmail: orgProcedure('integrations.manage')
    .meta({ openapi: { method: 'POST', path: '/organisations/{organisationId}/integrations/mailersend/test', tags: ['integrations'], summary: 'Send a test email to yourself' } })
    .output(testEmailOutput)
    .mutation(({ ctx }) => sendMailerSendTestEmail(ctx, actorOf(ctx), ctx.org.id)),
});
