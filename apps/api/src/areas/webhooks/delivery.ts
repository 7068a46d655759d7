import http from 'node:http';
import https from 'node:https';
import { CompiledQuery } from 'kysely';
import { type Database, type Db, sql, type Transaction } from '@steward/db';
import type { Config } from '../../config.js';
import { type JobQueue, QUEUES } from '../../email/jobs.js';
import type { Logger } from '../../logger.js';
import { type Keyring, openSecret } from '../../secrets.js';
import { emitNotification } from '../notifications/notifications.js';
import { signatureHeader, SIGNATURE_HEADER } from './signing.js';
import { BlockedTargetError, guardedLookup, isPrivateAddress } from './target-url.js';

/**
 * Delivering webhook events. The outbox rows written with each change (emit.ts) are relayed into
 * pg-boss jobs, one per delivery; a job makes one attempt. A failed attempt is written to the log
 * and, in the same transaction, the next attempt is queued to start after an exponential backoff
 * (WEBHOOK_RETRY_DELAY_SECONDS doubling up to WEBHOOK_RETRY_DELAY_MAX_SECONDS, ±10 % jitter), until
 * WEBHOOK_RETRY_LIMIT retries are used. Each job names the attempt it makes; an attempt already
 * recorded is never made again, so a job that a dead worker left behind (pg-boss retries it after
 * its expiry) does not deliver twice what was delivered and recorded. Delivery is at least once: a
 * worker dying between the receiver's 2xx and the record of it means a second delivery of the same
 * event id, which receivers recognise by `Steward-Event-Id`.
 */

export interface WebhookDeliveryDeps {
  db: Db;
  config: Config;
  logger: Logger;
  jobs: JobQueue;
  keyring: Keyring;
}

export const secretContext = (organisationId: string, subscriptionId: string) => `${organisationId}/webhooks/${subscriptionId}`;

const EXCERPT_LENGTH = 500;

export interface WebhookRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
}

export type WebhookResponse = { ok: boolean; status: number | null; excerpt: string | null; error: string | null; durationMs: number };

/**
 * POSTs one delivery. No redirects are followed (a 3xx is a failure), the whole exchange is bounded
 * by the timeout, at most 500 characters of the answer are kept, and with the SSRF guard on, only
 * public addresses are connected to (target-url.ts).
 */
export function postWebhook(request: WebhookRequest, options: { timeoutMs: number; allowPrivateTargets: boolean }): Promise<WebhookResponse> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<WebhookResponse, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      resolve({ ...result, durationMs: elapsed() });
    };
    const url = new URL(request.url);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!options.allowPrivateTargets && isPrivateAddress(host) && /^[\d.:a-f]+$/i.test(host)) {
      return finish({ ok: false, status: null, excerpt: null, error: `${host} is a private or local address, which Steward does not call.` });
    }
    const client = url.protocol === 'https:' ? https : http;
    const outgoing = client.request(
      url,
      {
        method: 'POST',
        headers: { ...request.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(request.body), 'user-agent': 'Steward-Webhooks/1.0' },
        signal: AbortSignal.timeout(options.timeoutMs),
        ...(options.allowPrivateTargets ? {} : { lookup: guardedLookup }),
      },
      (response) => {
        const status = response.statusCode ?? 0;
        let excerpt = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          excerpt += chunk;
          if (excerpt.length >= EXCERPT_LENGTH) response.destroy();
        });
        const done = () => {
          const ok = status >= 200 && status < 300;
          const error = ok ? null : status >= 300 && status < 400 ? `The receiver answered a redirect (HTTP ${status}), which is not followed: use the final URL.` : `The receiver answered HTTP ${status}.`;
          finish({ ok, status, excerpt: excerpt.slice(0, EXCERPT_LENGTH) || null, error });
        };
        response.on('end', done);
        response.on('close', done);
        response.on('error', done);
      },
    );
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      const message =
        error instanceof BlockedTargetError || error.code === 'EBLOCKED'
          ? error.message
          : error.name === 'AbortError' || error.name === 'TimeoutError'
            ? `The receiver did not answer within ${Math.round(options.timeoutMs / 1000)} s.`
            : error.code === 'ECONNREFUSED'
              ? 'The receiver refused the connection.'
              : error.code === 'ENOTFOUND'
                ? `${url.hostname} could not be found (DNS).`
                : `The receiver could not be reached (${error.code ?? error.message}).`;
      finish({ ok: false, status: null, excerpt: null, error: message });
    });
    outgoing.end(request.body);
  });
}

/** The body receivers get: the same envelope for every event type. */
export function deliveryBody(event: { id: string; type: string; created_at: Date; organisation_id: string; workspace_id: string; data: unknown }): string {
  return JSON.stringify({ id: event.id, type: event.type, createdAt: event.created_at.toISOString(), organisationId: event.organisation_id, workspaceId: event.workspace_id, data: event.data });
}

export function deliveryHeaders(secret: string, body: string, ids: { eventId: string; eventType: string; deliveryId: string; attempt: number }): Record<string, string> {
  return {
    [SIGNATURE_HEADER]: signatureHeader(secret, Math.floor(Date.now() / 1000), body),
    'Steward-Event-Id': ids.eventId,
    'Steward-Event-Type': ids.eventType,
    'Steward-Delivery-Id': ids.deliveryId,
    'Steward-Delivery-Attempt': String(ids.attempt),
  };
}

/** Seconds to wait after failed attempt `attempt` (1-based): doubling from the first delay, capped, ±10 %. */
export function retryDelaySeconds(config: Config['webhooks'], attempt: number, random = Math.random()): number {
  const base = Math.min(config.retryDelayMaxSeconds, config.retryDelaySeconds * 2 ** (attempt - 1));
  return base * (0.9 + 0.2 * random);
}

export type AttemptOutcome = 'delivered' | 'retrying' | 'failed' | 'skipped';

/** Makes attempt `attempt` of a delivery and records it; see the module comment. */
export async function runDeliveryAttempt(deps: WebhookDeliveryDeps, deliveryId: string, attempt: number): Promise<AttemptOutcome> {
  const { db, config } = deps;
  const row = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_subscriptions as s', 's.id', 'd.subscription_id')
    .innerJoin('webhook_events as e', 'e.id', 'd.event_id')
    .select(['d.state', 'd.attempts', 'd.is_test', 's.id as subscription_id', 's.url', 's.enabled', 's.secret_ciphertext', 's.secret_key_version'])
    .select(['e.id', 'e.type', 'e.created_at', 'e.organisation_id', 'e.workspace_id', 'e.data'])
    .where('d.id', '=', deliveryId)
    .executeTakeFirst();
  if (!row || row.state !== 'pending' || row.attempts !== attempt - 1) return 'skipped';
  if (!row.enabled && !row.is_test) {
    await db
      .updateTable('webhook_deliveries')
      .set({ state: 'cancelled', last_error: 'Not sent: the webhook was turned off before this attempt.' })
      .where('id', '=', deliveryId)
      .where('state', '=', 'pending')
      .execute();
    return 'skipped';
  }
  const secret = openSecret(deps.keyring, { ciphertext: row.secret_ciphertext, keyVersion: row.secret_key_version }, secretContext(row.organisation_id, row.subscription_id));
  const body = deliveryBody(row);
  const startedAt = new Date();
  const response = await postWebhook(
    { url: row.url, body, headers: deliveryHeaders(secret, body, { eventId: row.id, eventType: row.type, deliveryId, attempt }) },
    { timeoutMs: config.webhooks.timeoutSeconds * 1000, allowPrivateTargets: config.webhooks.allowPrivateTargets },
  );

  // A test event gets one attempt; so does a delivery resent by hand after its attempts ran out.
  const maxAttempts = row.is_test ? 1 : Math.max(config.webhooks.retryLimit + 1, attempt);
  return db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom('webhook_deliveries').select(['state', 'attempts']).where('id', '=', deliveryId).forUpdate().executeTakeFirst();
    if (!current || current.state !== 'pending' || current.attempts !== attempt - 1) return 'skipped';
    await trx
      .insertInto('webhook_delivery_attempts')
      .values({ delivery_id: deliveryId, attempt, started_at: startedAt, duration_ms: response.durationMs, response_status: response.status, response_excerpt: response.excerpt, error: response.error })
      .execute();
    const common = { attempts: attempt, last_status: response.status, last_error: response.error };
    if (response.ok) {
      await trx.updateTable('webhook_deliveries').set({ ...common, state: 'delivered', delivered_at: sql<Date>`now()`, next_attempt_at: null }).where('id', '=', deliveryId).execute();
      await trx.updateTable('webhook_subscriptions').set({ consecutive_failures: 0, last_success_at: sql<Date>`now()` }).where('id', '=', row.subscription_id).execute();
      return 'delivered';
    }
    if (attempt < maxAttempts) {
      const next = new Date(Date.now() + retryDelaySeconds(config.webhooks, attempt) * 1000);
      await trx.updateTable('webhook_deliveries').set({ ...common, next_attempt_at: next }).where('id', '=', deliveryId).execute();
      await deps.jobs.enqueue(trx, QUEUES.webhookDelivery, { deliveryId, attempt: attempt + 1 }, { startAfter: next });
      return 'retrying';
    }
    await trx.updateTable('webhook_deliveries').set({ ...common, state: 'failed', next_attempt_at: null }).where('id', '=', deliveryId).execute();
    if (!row.is_test) await countFailedDelivery(trx, deps, row.subscription_id, response.error);
    return 'failed';
  });
}

/**
 * A delivery used up its attempts: one more failure in a row for its subscription, which is turned
 * off at WEBHOOK_DISABLE_AFTER_FAILED_DELIVERIES. The console shows why and since when.
 */
async function countFailedDelivery(trx: Transaction<Database>, deps: WebhookDeliveryDeps, subscriptionId: string, lastError: string | null) {
  const threshold = deps.config.webhooks.disableAfterFailedDeliveries;
  const updated = await trx
    .updateTable('webhook_subscriptions')
    .set((eb) => ({ consecutive_failures: eb('consecutive_failures', '+', 1), last_failure_at: sql<Date>`now()` }))
    .where('id', '=', subscriptionId)
    .returning(['consecutive_failures', 'enabled', 'organisation_id', 'workspace_id', 'url'])
    .executeTakeFirst();
  if (!updated || !updated.enabled || updated.consecutive_failures < threshold) return;
  const reason = `Turned off automatically: ${updated.consecutive_failures} deliveries in a row failed every attempt. Last error: ${lastError ?? 'unknown'}`;
  await trx.updateTable('webhook_subscriptions').set({ enabled: false, disabled_at: sql<Date>`now()`, disabled_reason: reason, updated_at: sql<Date>`now()` }).where('id', '=', subscriptionId).execute();
  // Each admin of the workspace (organisation admins, global admins, its own admins) is told, as they chose to hear of it.
  const { rows: admins } = await sql<{ user_id: string }>`
    select m.user_id from memberships m
    where m.organisation_id = ${updated.organisation_id}::uuid and (
      m.org_role = 'admin'
      or exists (
        select 1 from workspace_memberships wm join workspaces w on w.id = wm.workspace_id
        where wm.user_id = m.user_id and wm.role = 'admin' and w.organisation_id = m.organisation_id
          and (w.id = ${updated.workspace_id}::uuid or w.kind = 'global')))`.execute(trx);
  for (const admin of admins) {
    await emitNotification(trx, deps.jobs, {
      event: 'webhook.disabled',
      organisationId: updated.organisation_id,
      workspaceId: updated.workspace_id,
      recipientUserId: admin.user_id,
      payload: { subscriptionId, url: updated.url, failures: updated.consecutive_failures, lastError },
    });
  }
  deps.logger.warn('A webhook was turned off after repeated failures', { subscriptionId, workspaceId: updated.workspace_id, failures: updated.consecutive_failures, adminsTold: admins.length });
}

/**
 * Moves outbox rows (deliveries written with their change, not yet queued) into pg-boss jobs, in
 * batches, each batch in one transaction with the rows it marks queued. Rows locked by another
 * relay are skipped, so every instance may run it.
 */
export async function relayWebhookOutbox(deps: Pick<WebhookDeliveryDeps, 'db' | 'jobs'>, batchSize = 500): Promise<number> {
  let relayed = 0;
  for (;;) {
    const count = await deps.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('queued_at', 'is', null)
        .where('state', '=', 'pending')
        .orderBy('created_at')
        .limit(batchSize)
        .forUpdate()
        .skipLocked()
        .execute();
      if (rows.length === 0) return 0;
      const ids = rows.map((r) => r.id);
      await trx.updateTable('webhook_deliveries').set({ queued_at: sql<Date>`now()` }).where('id', 'in', ids).execute();
      // One statement for the batch, on this transaction: the jobs exist exactly when the rows say queued.
      await deps.jobs.boss.insert(
        QUEUES.webhookDelivery,
        ids.map((deliveryId) => ({ data: { deliveryId, attempt: 1 } })),
        { db: { executeSql: async (text: string, values: unknown[]) => ({ rows: (await trx.executeQuery(CompiledQuery.raw(text, values))).rows as unknown[] }) } },
      );
      return rows.length;
    });
    relayed += count;
    if (count < batchSize) return relayed;
  }
}

export const LOG_RETENTION_DAYS = 30;

/**
 * Deletes events older than the retention with their deliveries and attempts (cascade), a batch at
 * a time, never one still being retried. Returns how many events went.
 */
export async function pruneWebhookLog(db: Db, olderThanDays = LOG_RETENTION_DAYS, batchSize = 5000): Promise<number> {
  let pruned = 0;
  for (;;) {
    const { numDeletedRows } = await db
      .deleteFrom('webhook_events')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('webhook_events as e')
          .select('e.id')
          .where('e.created_at', '<', sql<Date>`now() - make_interval(days => ${olderThanDays})`)
          .where((w) => w.not(w.exists(w.selectFrom('webhook_deliveries as d').select('d.id').whereRef('d.event_id', '=', 'e.id').where('d.state', '=', 'pending'))))
          .limit(batchSize),
      )
      .executeTakeFirst();
    pruned += Number(numDeletedRows);
    if (Number(numDeletedRows) < batchSize) return pruned;
  }
}

/** Registers this process's delivery worker and outbox relay; pg-boss hands each job to one instance. */
export async function startWebhookDeliveryWorker(deps: WebhookDeliveryDeps) {
  await deps.jobs.boss.work<{ deliveryId: string; attempt: number }>(
    QUEUES.webhookDelivery,
    // Up to 10 jobs a fetch, attempted side by side, by 4 fetchers: a worker waits a polling interval
    // between fetches, so one job a fetch would cap a process at a few deliveries a second. A batch
    // that throws is retried whole; the attempts it did record are not made again (attempt guard).
    { batchSize: 10, localConcurrency: 4, pollingIntervalSeconds: deps.jobs.pollingIntervalSeconds },
    async (jobs) => {
      await Promise.all(
        jobs.map(async (job) => {
          const outcome = await runDeliveryAttempt(deps, job.data.deliveryId, job.data.attempt);
          deps.logger.debug('Webhook delivery attempt', { deliveryId: job.data.deliveryId, attempt: job.data.attempt, outcome });
        }),
      );
    },
  );
  let stopped = false;
  let running: Promise<unknown> | null = null;
  const relay = () => {
    if (running || stopped) return;
    running = relayWebhookOutbox(deps)
      .catch((error: Error) => {
        if (!stopped) deps.logger.warn('The webhook outbox relay failed; it runs again shortly', { error: error.message });
      })
      .finally(() => (running = null));
  };
  relay();
  const timer = setInterval(relay, deps.jobs.pollingIntervalSeconds * 1000);
  timer.unref();
  // Every instance prunes hourly; deleting what another instance just deleted costs nothing.
  const prune = () =>
    void pruneWebhookLog(deps.db).catch((error: Error) => {
      if (!stopped) deps.logger.warn('Pruning the webhook log failed; it runs again in an hour', { error: error.message });
    });
  const pruneTimer = setInterval(prune, 3600_000);
  pruneTimer.unref();
  deps.jobs.boss.once('stopped', () => {
    stopped = true;
    clearInterval(timer);
    clearInterval(pruneTimer);
  });
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      clearInterval(pruneTimer);
      await running;
    },
  };
}
