import type { Db } from '@steward/db';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Keyring } from '../secrets.js';
import { sendInvitationEmail } from '../areas/users/invitations.js';
import { type JobQueue, QUEUES } from './jobs.js';
import { startContactImportWorker } from '../areas/records/import/run-import.js';
import { startCampaignSendWorker } from '../areas/campaigns/sending.js';
import { startOrganisationPurgeWorker } from '../areas/organisations/purge.js';
import { startNotificationWorkers } from '../areas/notifications/delivery.js';
import { startWebhookDeliveryWorker } from '../areas/webhooks/delivery.js';
import { startOAuthRefreshWorker } from '../oauth-connect/refresh-worker.js';
import { useSuppressionKey } from '../areas/data-rights/suppression.js';

/** Starts the background workers of this process. Every instance may run them; pg-boss hands each job to one. */
export async function startWorkers(deps: { db: Db; config: Config; logger: Logger; jobs: JobQueue; keyring: Keyring }) {
  const { jobs, logger } = deps;
  useSuppressionKey(deps.config.suppressionKey);
  await jobs.boss.work<{ invitationId: string }, void, { includeMetadata: true; batchSize: number; pollingIntervalSeconds: number }>(
    QUEUES.invitationEmail,
    { includeMetadata: true, batchSize: 1, pollingIntervalSeconds: jobs.pollingIntervalSeconds },
    async ([job]) => {
      if (!job) return;
      const outcome = await sendInvitationEmail(deps, { invitationId: job.data.invitationId, retryCount: job.retryCount, retryLimit: job.retryLimit });
      logger.info('Invitation email job finished', { invitationId: job.data.invitationId, ...outcome });
    },
  );
  await startContactImportWorker(deps);
  await startCampaignSendWorker(deps);
  await startOrganisationPurgeWorker(deps);
  await startNotificationWorkers(deps);
  await startWebhookDeliveryWorker(deps);
  await startOAuthRefreshWorker(deps);
}
