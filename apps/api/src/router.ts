import { meQuery } from './areas/me/router.js';
import { router } from './trpc.js';

export const appRouter = router({
  me: meQuery,
});

export type AppRouter = typeof appRouter;
