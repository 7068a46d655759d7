import { CompiledQuery } from 'kysely';
import { PgBoss } from 'pg-boss';
import type { Database, Db, Transaction } from '@steward/db';
import type { Logger } from '../logger.js';

export const QUEUES = { invitationEmail: 'invitation-email' } as const;

export interface JobQueueOptions {
  databaseUrl: string;
  logger: Logger;
  /** Seconds before the first retry; doubled each time (pg-boss backoff). */
  retryDelaySeconds?: number;
  retryLimit?: number;
  pollingIntervalSeconds?: number;
}

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
    });
  }
  return {
    boss,
    pollingIntervalSeconds: options.pollingIntervalSeconds ?? 1,
    /** Enqueues inside the caller's transaction: the job exists exactly when the change commits. */
    async enqueue(trx: Transaction<Database> | Db, queue: string, data: object) {
      await boss.send(queue, data, {
        db: {
          executeSql: async (text: string, values: unknown[]) => {
            const result = await trx.executeQuery(CompiledQuery.raw(text, values));
            return { rows: result.rows as unknown[] };
          },
        },
      });
    },
    stop: () => boss.stop({ graceful: true, timeout: 5_000 }),
  };
}
export type JobQueue = Awaited<ReturnType<typeof startJobQueue>>;
