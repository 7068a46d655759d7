import { orgProcedure } from '../../access/middleware.js';
import { router } from '../../trpc.js';

/**
 * Outside production with no MailerSend key, emails land in the development outbox; people who
 * can invite see their organisation's messages here (e.g. to open an invitation link).
 */
export const devOutboxRouter = router({
  list: orgProcedure('users.manageMembers').query(async ({ ctx }) => {
    const active = ctx.config.env !== 'production' && !ctx.config.mailersend.apiKey;
    if (!active) return { active, messages: [] };
    const messages = await ctx.db
      .selectFrom('dev_outbox')
      .select(['id', 'to_email as to', 'subject', 'text', 'created_at as createdAt'])
      .where('organisation_id', '=', ctx.org.id)
      .orderBy('created_at', 'desc')
      .limit(50)
      .execute();
    return { active, messages };
  }),
});
