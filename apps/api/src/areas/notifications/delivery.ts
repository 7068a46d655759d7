import { type Db, sql } from '@steward/db';
import { resolveWorkspaceAccess } from '../../access/roles.js';
import type { Config } from '../../config.js';
import { type JobQueue, QUEUES } from '../../email/jobs.js';
import { MailerError, sendEmail } from '../../email/mailer.js';
import type { Logger } from '../../logger.js';
import type { Keyring } from '../../secrets.js';
import { channelFor } from './notifications.js';
import { messageFor, notificationEmail } from './messages.js';

export interface NotificationDeps {
  db: Db;
  config: Config;
  keyring: Keyring;
  logger: Logger;
  jobs: JobQueue;
}

/** When the daily look for API keys about to expire runs (UTC), and how far ahead it looks. */
export const API_KEY_EXPIRY_SCAN_CRON = '0 7 * * *';
export const API_KEY_EXPIRY_WARNING_DAYS = 7;
/** Notifications are kept this long, read or not (a daily job deletes older ones). */
export const NOTIFICATION_RETENTION_DAYS = 180;
export const NOTIFICATION_CLEANUP_CRON = '30 3 * * *';
/** Delivery jobs a worker takes at once. */
const DELIVERY_BATCH = 20;

export type DeliveryOutcome = { skipped: string } | { channel: string; email: 'none' | 'sent' | 'failed' };

/**
 * The delivery job of one notification. Under a row lock it reads the recipient's preference as
 * it is now and records the channels (a retry finds them decided); the email goes after, once:
 * a retry sends only while it is still `pending` and the person still wants email. A recipient who can no longer see the place
 * (removed from the workspace or the organisation) gets nothing.
 */
export async function deliverNotification(deps: NotificationDeps, job: { notificationId: string; retryCount: number; retryLimit: number }): Promise<DeliveryOutcome> {
  const { db } = deps;
  type Decision = { skipped: string } | { channel: string; emailPending: boolean };
  const decided = await db.transaction().execute(async (trx): Promise<Decision> => {
    const n = await trx.selectFrom('notifications').selectAll().where('id', '=', job.notificationId).forUpdate().executeTakeFirst();
    if (!n) return { skipped: 'The notification no longer exists.' };
    if (n.state === 'skipped') return { skipped: 'Already skipped.' };
    if (n.state === 'pending') {
      const canSee = n.workspace_id
        ? (await resolveWorkspaceAccess(db, n.user_id, n.workspace_id))?.role != null
        : Boolean(await trx.selectFrom('memberships').select('user_id').where('organisation_id', '=', n.organisation_id).where('user_id', '=', n.user_id).executeTakeFirst());
      if (!canSee) {
        await trx.updateTable('notifications').set({ state: 'skipped', delivered_at: sql`now()` }).where('id', '=', n.id).execute();
        return { skipped: 'The recipient can no longer see where it happened.' };
      }
      const channel = await channelFor(trx, { userId: n.user_id, organisationId: n.organisation_id, workspaceId: n.workspace_id, event: n.event });
      const inApp = channel === 'in_app' || channel === 'both';
      const email = channel === 'email' || channel === 'both';
      await trx
        .updateTable('notifications')
        .set({ state: 'delivered', channel, in_app: inApp, email_state: email ? 'pending' : 'none', delivered_at: sql`now()` })
        .where('id', '=', n.id)
        .execute();
      return { channel, emailPending: email };
    }
    if (n.email_state !== 'pending') return { channel: n.channel ?? 'off', emailPending: false };
    // An email being retried: the person may have turned email off since, and that choice wins.
    const now = await channelFor(trx, { userId: n.user_id, organisationId: n.organisation_id, workspaceId: n.workspace_id, event: n.event });
    if (now === 'email' || now === 'both') return { channel: n.channel ?? now, emailPending: true };
    await trx.updateTable('notifications').set({ email_state: 'none', email_error: null }).where('id', '=', n.id).execute();
    return { channel: n.channel ?? now, emailPending: false };
  });
  if ('skipped' in decided) return decided;
  if (!decided.emailPending) return { channel: decided.channel, email: 'none' };
  return { channel: decided.channel, email: await emailNotification(deps, job) };
}

async function emailNotification(deps: NotificationDeps, job: { notificationId: string; retryCount: number; retryLimit: number }): Promise<'sent' | 'failed'> {
  const { db, config } = deps;
  const n = await db
    .selectFrom('notifications as n')
    .innerJoin('users as u', 'u.id', 'n.user_id')
    .innerJoin('organisations as o', 'o.id', 'n.organisation_id')
    .leftJoin('workspaces as w', 'w.id', 'n.workspace_id')
    .select(['n.id', 'n.event', 'n.payload', 'n.organisation_id', 'u.email', 'o.name as organisationName', 'w.name as workspaceName', 'w.slug as workspaceSlug'])
    .where('n.id', '=', job.notificationId)
    .executeTakeFirstOrThrow();
  const place = { organisationId: n.organisation_id, organisationName: n.organisationName, workspaceName: n.workspaceName, workspaceSlug: n.workspaceSlug };
  const email = notificationEmail(messageFor(n.event, n.payload, place), place, config.publicUrl);
  try {
    await sendEmail(deps, { organisationId: n.organisation_id, to: n.email, ...email });
    await db.updateTable('notifications').set({ email_state: 'sent', email_error: null }).where('id', '=', n.id).execute();
    return 'sent';
  } catch (error) {
    const message = error instanceof MailerError ? error.message : 'The email could not be sent.';
    const final = !(error instanceof MailerError && error.retryable) || job.retryCount >= job.retryLimit;
    await db.updateTable('notifications').set({ email_state: final ? 'failed' : 'pending', email_error: message }).where('id', '=', n.id).execute();
    if (final) return 'failed';
    throw error;
  }
}

/**
 * The daily look for API keys that expire within 7 days: one notification for the owner of each,
 * once per expiry date (the dedupe key holds it, so a later run, or a second instance running the
 * same schedule, adds nothing; a key whose expiry is moved is announced again). Rows and their
 * delivery jobs commit together.
 */
export async function notifyExpiringApiKeys(deps: Pick<NotificationDeps, 'db' | 'jobs'>): Promise<number> {
  return deps.db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ id: string }>`
      insert into notifications (organisation_id, workspace_id, user_id, event, payload, dedupe_key)
      select k.organisation_id, null, k.user_id, 'api_key.expiring',
             jsonb_build_object('apiKeyId', k.id, 'name', k.name, 'prefix', k.prefix, 'expiresAt', to_char(k.expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
             'api_key.expiring:' || k.id || ':' || extract(epoch from k.expires_at)::text
        from api_keys k
        join memberships m on m.organisation_id = k.organisation_id and m.user_id = k.user_id
       where k.revoked_at is null
         and k.expires_at > now()
         and k.expires_at <= now() + ${API_KEY_EXPIRY_WARNING_DAYS} * interval '1 day'
      on conflict (user_id, dedupe_key) where dedupe_key is not null do nothing
      returning id`.execute(trx);
    await deps.jobs.enqueueMany(trx, QUEUES.notificationDelivery, rows.map((r) => ({ notificationId: r.id })));
    return rows.length;
  });
}

/** Deletes notifications older than the retention period; returns how many went. */
export async function pruneNotifications(db: Db): Promise<number> {
  const result = await db
    .deleteFrom('notifications')
    .where('created_at', '<', sql<Date>`now() - ${NOTIFICATION_RETENTION_DAYS} * interval '1 day'`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Registers the delivery worker and the daily schedules (API keys expiring, old notifications) of this process. */
export async function startNotificationWorkers(deps: NotificationDeps) {
  const { jobs, logger } = deps;
  // Batches, fetched back to back while they come full: a burst (a busy inbox, many moves at once) is
  // delivered at the database's pace, not one job per polling interval. A failure fails the batch;
  // its retry finds the others delivered (the channels are decided once, an email sent once).
  await jobs.boss.work<{ notificationId: string }, void, { includeMetadata: true; batchSize: number; pollingIntervalSeconds: number; burstWhenBatchFull: boolean }>(
    QUEUES.notificationDelivery,
    { includeMetadata: true, batchSize: DELIVERY_BATCH, burstWhenBatchFull: true, pollingIntervalSeconds: jobs.pollingIntervalSeconds },
    async (batch) => {
      let failure: unknown = null;
      for (const job of batch) {
        try {
          const outcome = await deliverNotification(deps, { notificationId: job.data.notificationId, retryCount: job.retryCount, retryLimit: job.retryLimit });
          logger.debug('Notification delivered', { notificationId: job.data.notificationId, ...outcome });
        } catch (error) {
          logger.warn('Notification delivery failed', { notificationId: job.data.notificationId, attempt: job.retryCount + 1, error: (error as Error).message });
          failure ??= error;
        }
      }
      if (failure) throw failure;
    },
  );
  await jobs.boss.work(QUEUES.apiKeyExpiryScan, { pollingIntervalSeconds: Math.max(jobs.pollingIntervalSeconds, 5) }, async () => {
    const created = await notifyExpiringApiKeys(deps);
    logger.info('API key expiry notifications', { created });
  });
  await jobs.boss.work(QUEUES.notificationCleanup, { pollingIntervalSeconds: Math.max(jobs.pollingIntervalSeconds, 5) }, async () => {
    logger.info('Old notifications deleted', { deleted: await pruneNotifications(deps.db) });
  });
  // Idempotent: every instance may register them; pg-boss runs each occurrence once.
  await jobs.boss.schedule(QUEUES.apiKeyExpiryScan, API_KEY_EXPIRY_SCAN_CRON, null, { tz: 'UTC' });
  await jobs.boss.schedule(QUEUES.notificationCleanup, NOTIFICATION_CLEANUP_CRON, null, { tz: 'UTC' });
}
