import { meQuery } from './areas/me/router.js';
import { invitationsRouter, usersRouter } from './areas/users/router.js';
import { router } from './trpc.js';

export const appRouter = router({
  me: meQuery,
  users: usersRouter,
  invitations: invitationsRouter,
});

export type AppRouter = typeof appRouter;
