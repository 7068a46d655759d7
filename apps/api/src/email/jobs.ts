import { CompiledQuery } from 'kysely';
import { PgBoss, type QueueOptions } from 'pg-boss';
import type { Database, Db, Transaction } from '@steward/db';
import type { Logger } from '../logger.js';

export const QUEUES = { invitationEmail: 'invitation-email', contactImport: 'contact-import', campaignSend: 'campaign-send', webhookDelivery: 'webhook-delivery', notificationDelivery: 'notification-delivery', apiKeyExpiryScan: 'api-key-expiry-scan', notificationCleanup: 'notification-cleanup', oauthRefreshSweep: 'oauth-refresh-sweep' } as const;

/** Queues whose jobs differ from the default shape (short, retried with backoff). */
const QUEUE_OPTIONS: Partial<Record<string, QueueOptions>> = {
  // An import runs for minutes: a worker that died is noticed by its missing heartbeat (the job is
  // then retried and resumes), not by a 15-minute expiry that a large file could outlast.
  [QUEUES.contactImport]: { expireInSeconds: 4 * 3600, heartbeatSeconds: 30 },
  // A send runs as long as its audience takes; it resumes from the recipients' states.
  [QUEUES.campaignSend]: { expireInSeconds: 12 * 3600, heartbeatSeconds: 30 },
  // One webhook attempt lasts at most WEBHOOK_TIMEOUT_SECONDS (≤ 60): a job still active after two
  // minutes belonged to a worker that died, and is retried (the attempt count guards against doubles).
  [QUEUES.webhookDelivery]: { expireInSeconds: 120 },
};

export interface JobQueueOptions {
  databaseUrl: string;
  logger: Logger;
  /** Seconds before the first retry; doubled each time (pg-boss backoff). */
  retryDelaySeconds?: number;
  retryLimit?: number;
  pollingIntervalSeconds?: number;
}

/** pg-boss's statements run on the caller's connection (a transaction), so a job commits with the change. */
const through = (trx: Transaction<Database> | Db) => ({
  executeSql: async (text: string, values: unknown[]) => {
    const result = await trx.executeQuery(CompiledQuery.raw(text, values));
    return { rows: result.rows as unknown[] };
  },
});

/** pg-boss on Steward's own database: durable jobs with retries and backoff, no extra service. */
export async function startJobQueue(options: JobQueueOptions) {
  const boss = new PgBoss({ connectionString: options.databaseUrl, max: 4, schema: 'pgboss' });
  boss.on('error', (error: Error) => options.logger.warn('Job queue error', { error: error.message }));
  await boss.start();
  for (const name of Object.values(QUEUES)) {
    await boss.createQueue(name, {
      retryLimit: options.retryLimit ?? 5,
      retryDelay: options.retryDelaySeconds ?? 10,
      retryBackoff: true,
      ...QUEUE_OPTIONS[name],
    });
  }
  return {
    boss,
    pollingIntervalSeconds: options.pollingIntervalSeconds ?? 1,
    /** Enqueues inside the caller's transaction: the job exists exactly when the change commits. */
    async enqueue(trx: Transaction<Database> | Db, queue: string, data: object, options: { startAfter?: Date | number } = {}) {
      await boss.send(queue, data, { ...options, db: through(trx) });
    },
    /** Several jobs of one queue in one statement, inside the caller's transaction. */
    async enqueueMany(trx: Transaction<Database> | Db, queue: string, data: object[]) {
      if (data.length > 0) await boss.insert(queue, data.map((d) => ({ data: d })), { db: through(trx) });
    },
    stop: () => boss.stop({ graceful: true, timeout: 5_000 }),
  };
}
export type JobQueue = Awaited<ReturnType<typeof startJobQueue>>;
