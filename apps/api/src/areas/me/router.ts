import { authedProcedure } from '../../trpc.js';
import { listMyOrganisations } from './me.js';

/** The signed-in person and the organisations they belong to (the console's switcher). */
export const meQuery = authedProcedure.query(async ({ ctx }) => ({
  user: ctx.user,
  organisations: await listMyOrganisations(ctx.db, ctx.user.id),
}));
