import type { JobQueue } from '../email/jobs.js';
import { QUEUES } from '../email/jobs.js';
import type { Logger } from '../logger.js';
import { type OAuthConnectDeps, refreshExpiringConnections } from './connections.js';

/** Every five minutes: renew the tokens about to expire, so a dead authorisation shows before anyone needs it. */
export const OAUTH_REFRESH_CRON = '*/5 * * * *';

export async function startOAuthRefreshWorker(deps: OAuthConnectDeps & { jobs: JobQueue; logger: Logger }) {
  const { jobs, logger } = deps;
  await jobs.boss.work(QUEUES.oauthRefreshSweep, { pollingIntervalSeconds: Math.max(jobs.pollingIntervalSeconds, 5) }, async () => {
    const outcome = await refreshExpiringConnections(deps);
    if (outcome.refreshed || outcome.failed) logger.info('OAuth connections renewed', outcome);
  });
  // Idempotent: every instance may register it; pg-boss runs each occurrence once.
  await jobs.boss.schedule(QUEUES.oauthRefreshSweep, OAUTH_REFRESH_CRON, null, { tz: 'UTC' });
}
