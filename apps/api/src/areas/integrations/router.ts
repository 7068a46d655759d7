import { z } from 'zod';
import { orgProcedure } from '../../access/middleware.js';
import { actorOf, router } from '../../trpc.js';
import { getIntegrations, revertMailerSend, saveMailerSend, sendMailerSendTestEmail } from './integrations.js';

export const saveMailerSendInput = z.object({
  apiKey: z.string().trim().min(8, 'That does not look like a MailerSend API key.').max(500).optional(),
  fromEmail: z.string().trim().toLowerCase().max(254).pipe(z.email('The From address must be an email address.')).optional(),
});

export const integrationsRouter = router({
  get: orgProcedure('integrations.manage').query(({ ctx }) => getIntegrations(ctx, ctx.org.id)),
  saveMailerSend: orgProcedure('integrations.manage')
    .input(saveMailerSendInput)
    .mutation(({ ctx, input }) => saveMailerSend(ctx, actorOf(ctx), ctx.org.id, input)),
  revertMailerSend: orgProcedure('integrations.manage')
    .input(z.object({ setting: z.enum(['apiKey', 'fromEmail', 'both']).default('both') }))
    .mutation(({ ctx, input }) => revertMailerSend(ctx, actorOf(ctx), ctx.org.id, input.setting)),
  sendTestEmail: orgProcedure('integrations.manage').mutation(({ ctx }) => sendMailerSendTestEmail(ctx, actorOf(ctx), ctx.org.id)),
});
