import { randomUUID } from 'node:crypto';
import { type Database, type Db, sql, type Transaction } from '@steward/db';
import { QUEUES } from '../../email/jobs.js';
import { AppError, notFound } from '../../errors.js';
import { type Keyring, openSecret, sealSecret } from '../../secrets.js';
import { type Actor, recordAudit } from '../audit/record.js';
import { decodeCursor, encodeCursor } from '../records/filters.js';
import { type AttemptOutcome, runDeliveryAttempt, secretContext, type WebhookDeliveryDeps } from './delivery.js';
import { TEST_EVENT_TYPE, WEBHOOK_EVENTS, type WebhookEventType } from './events.js';
import { MAX_SUBSCRIPTIONS_PER_WORKSPACE } from './schemas.js';
import { generateSigningSecret, SIGNATURE_HEADER } from './signing.js';
import { checkTargetUrl } from './target-url.js';

/** A workspace's outgoing webhooks: subscriptions, their signing secrets, test events and the delivery log. */

export interface WebhookPlace {
  organisationId: string;
  workspaceId: string;
}

/** What changing settings needs (no job queue, no logger). */
type SettingsDeps = Pick<WebhookDeliveryDeps, 'db' | 'config' | 'keyring'>;

const auditPlace = (place: WebhookPlace) => ({ organisationId: place.organisationId, workspaceId: place.workspaceId });

const subscriptionColumns = [
  's.id',
  's.url',
  's.description',
  's.events',
  's.enabled',
  's.disabled_at as disabledAt',
  's.disabled_reason as disabledReason',
  's.consecutive_failures as consecutiveFailures',
  's.last_success_at as lastSuccessAt',
  's.last_failure_at as lastFailureAt',
  's.secret_hint as secretHint',
  's.created_at as createdAt',
] as const;

function subscriptionsOf(db: Db | Transaction<Database>, place: WebhookPlace) {
  return db.selectFrom('webhook_subscriptions as s').where('s.workspace_id', '=', place.workspaceId).where('s.organisation_id', '=', place.organisationId);
}

async function readSubscription(db: Db | Transaction<Database>, place: WebhookPlace, subscriptionId: string, lock = false) {
  let query = subscriptionsOf(db, place).select(subscriptionColumns).where('s.id', '=', subscriptionId);
  if (lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw notFound('Webhook');
  return row;
}

export async function listSubscriptions(db: Db, place: WebhookPlace) {
  return { subscriptions: await subscriptionsOf(db, place).select(subscriptionColumns).orderBy('s.created_at').execute() };
}

export function eventCatalogue() {
  return {
    events: Object.entries(WEBHOOK_EVENTS).map(([type, e]) => ({ type, label: e.label, description: e.description, example: e.example as Record<string, unknown> })),
    signatureHeader: SIGNATURE_HEADER,
  };
}

const sealed = (deps: SettingsDeps, place: WebhookPlace, subscriptionId: string, secret: string) => {
  const { ciphertext, keyVersion } = sealSecret(deps.keyring, secret, secretContext(place.organisationId, subscriptionId));
  return { secret_ciphertext: ciphertext, secret_key_version: keyVersion, secret_hint: secret.slice(-4) };
};

const targetPolicy = (deps: SettingsDeps) => ({ production: deps.config.env === 'production', allowPrivateTargets: deps.config.webhooks.allowPrivateTargets });

/** Lock the workspace row, so that two creations at once cannot both pass the per-workspace limit. */
async function lockWorkspace(trx: Transaction<Database>, place: WebhookPlace) {
  const workspace = await sql`select 1 from workspaces where id = ${place.workspaceId} and organisation_id = ${place.organisationId} for no key update`.execute(trx);
  if (workspace.rows.length === 0) throw notFound('Workspace');
}

/** Creates a subscription with a new signing secret, which this answer alone carries. */
export async function createSubscription(deps: SettingsDeps, actor: Actor, place: WebhookPlace, input: { url: string; description?: string | null; events: WebhookEventType[] }) {
  const url = checkTargetUrl(input.url, targetPolicy(deps)).href;
  const secret = generateSigningSecret();
  const id = randomUUID();
  return deps.db.transaction().execute(async (trx) => {
    await lockWorkspace(trx, place);
    const { count } = await subscriptionsOf(trx, place).select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow();
    if (Number(count) >= MAX_SUBSCRIPTIONS_PER_WORKSPACE) throw new AppError('CONFLICT', `A workspace has at most ${MAX_SUBSCRIPTIONS_PER_WORKSPACE} webhooks. Delete one you no longer use first.`);
    await trx
      .insertInto('webhook_subscriptions')
      .values({ id, organisation_id: place.organisationId, workspace_id: place.workspaceId, url, description: input.description ?? null, events: input.events, created_by: actor.userId, ...sealed(deps, place, id, secret) })
      .execute();
    const subscription = await readSubscription(trx, place, id);
    await recordAudit(trx, actor, { ...auditPlace(place), action: 'webhooks.create', targetType: 'webhook', targetId: id, after: subscription });
    return { subscription, secret };
  });
}

/** Changes the URL, description or events, or turns the webhook off or back on. */
export async function updateSubscription(
  deps: SettingsDeps,
  actor: Actor,
  place: WebhookPlace,
  subscriptionId: string,
  changes: { url?: string; description?: string | null; events?: WebhookEventType[]; enabled?: boolean },
) {
  const url = changes.url === undefined ? undefined : checkTargetUrl(changes.url, targetPolicy(deps)).href;
  return deps.db.transaction().execute(async (trx) => {
    const before = await readSubscription(trx, place, subscriptionId, true);
    const switching = changes.enabled !== undefined && changes.enabled !== before.enabled;
    await trx
      .updateTable('webhook_subscriptions')
      .set({
        url,
        description: changes.description,
        events: changes.events,
        ...(switching && changes.enabled ? { enabled: true, disabled_at: null, disabled_reason: null, consecutive_failures: 0 } : {}),
        ...(switching && !changes.enabled ? { enabled: false, disabled_at: sql<Date>`now()`, disabled_reason: `Turned off by ${actor.email}.` } : {}),
        updated_at: sql<Date>`now()`,
      })
      .where('id', '=', subscriptionId)
      .execute();
    const after = await readSubscription(trx, place, subscriptionId);
    await recordAudit(trx, actor, { ...auditPlace(place), action: 'webhooks.update', targetType: 'webhook', targetId: subscriptionId, before, after });
    return after;
  });
}

/** A new signing secret, shown once; the old one stops signing at once. */
export async function rotateSecret(deps: SettingsDeps, actor: Actor, place: WebhookPlace, subscriptionId: string) {
  const secret = generateSigningSecret();
  return deps.db.transaction().execute(async (trx) => {
    const before = await readSubscription(trx, place, subscriptionId, true);
    await trx.updateTable('webhook_subscriptions').set({ ...sealed(deps, place, subscriptionId, secret), updated_at: sql<Date>`now()` }).where('id', '=', subscriptionId).execute();
    const subscription = await readSubscription(trx, place, subscriptionId);
    await recordAudit(trx, actor, { ...auditPlace(place), action: 'webhooks.rotateSecret', targetType: 'webhook', targetId: subscriptionId, before: { secretHint: before.secretHint }, after: { secretHint: subscription.secretHint } });
    return { subscription, secret };
  });
}

/** Deletes the webhook with its delivery log; deliveries not yet made are dropped. */
export async function deleteSubscription(deps: SettingsDeps, actor: Actor, place: WebhookPlace, subscriptionId: string) {
  return deps.db.transaction().execute(async (trx) => {
    const before = await readSubscription(trx, place, subscriptionId, true);
    await trx.deleteFrom('webhook_subscriptions').where('id', '=', subscriptionId).execute();
    await recordAudit(trx, actor, { ...auditPlace(place), action: 'webhooks.delete', targetType: 'webhook', targetId: subscriptionId, before });
    return { subscriptionId };
  });
}

const OUTCOME_WORDS: Record<Exclude<AttemptOutcome, 'retrying'>, string> = {
  delivered: 'The receiver accepted the test event',
  failed: 'The test event was not accepted',
  skipped: 'The test event was not sent',
};

/**
 * "Send test event": one signed `webhook.test` delivery to this webhook now (on or off), made by
 * this request and written to the delivery log like any other; it is not retried and does not
 * count towards turning the webhook off.
 */
export async function sendTestEvent(deps: WebhookDeliveryDeps, actor: Actor, place: WebhookPlace, subscriptionId: string) {
  const deliveryId = await deps.db.transaction().execute(async (trx) => {
    await readSubscription(trx, place, subscriptionId);
    const event = await trx
      .insertInto('webhook_events')
      .values({ organisation_id: place.organisationId, workspace_id: place.workspaceId, type: TEST_EVENT_TYPE, data: JSON.stringify({ message: 'This is a test event sent from Steward.', sentBy: actor.email }) })
      .returning('id')
      .executeTakeFirstOrThrow();
    const delivery = await trx
      .insertInto('webhook_deliveries')
      .values({ organisation_id: place.organisationId, workspace_id: place.workspaceId, subscription_id: subscriptionId, event_id: event.id, is_test: true, queued_at: sql<Date>`now()` })
      .returning('id')
      .executeTakeFirstOrThrow();
    return delivery.id;
  });
  const outcome = await runDeliveryAttempt(deps, deliveryId, 1);
  const attempt = await deps.db.selectFrom('webhook_delivery_attempts').select(['response_status', 'duration_ms', 'error']).where('delivery_id', '=', deliveryId).executeTakeFirst();
  const status = attempt?.response_status ?? null;
  const durationMs = attempt?.duration_ms ?? 0;
  const words = OUTCOME_WORDS[outcome === 'retrying' ? 'failed' : outcome];
  const message = attempt ? `${words}: ${status !== null ? `HTTP ${status}` : (attempt.error ?? 'no answer')} in ${durationMs} ms.${outcome === 'failed' && attempt.error && status !== null ? ` ${attempt.error}` : ''}` : `${words}.`;
  const result = { ok: outcome === 'delivered', status, durationMs, message, deliveryId };
  await recordAudit(deps.db, actor, { ...auditPlace(place), action: 'webhooks.sendTestEvent', targetType: 'webhook', targetId: subscriptionId, after: result });
  return result;
}

/**
 * "Resend": a delivery that failed every attempt, or was not sent while the webhook was off, gets
 * one more attempt now (by the job workers, like any other; it is not retried again).
 */
export async function redeliver(deps: Pick<WebhookDeliveryDeps, 'db' | 'jobs'>, actor: Actor, place: WebhookPlace, subscriptionId: string, deliveryId: string) {
  return deps.db.transaction().execute(async (trx) => {
    const subscription = await readSubscription(trx, place, subscriptionId);
    if (!subscription.enabled) throw new AppError('PRECONDITION_FAILED', 'This webhook is off: turn it on before resending to it.');
    const delivery = await trx
      .selectFrom('webhook_deliveries')
      .select(['id', 'state', 'attempts', 'is_test'])
      .where('id', '=', deliveryId)
      .where('subscription_id', '=', subscriptionId)
      .forUpdate()
      .executeTakeFirst();
    if (!delivery) throw notFound('Delivery');
    if (delivery.is_test) throw new AppError('BAD_REQUEST', 'Send a new test event instead of resending an old one.');
    if (delivery.state !== 'failed' && delivery.state !== 'cancelled') {
      throw new AppError('CONFLICT', delivery.state === 'delivered' ? 'This delivery was accepted already.' : 'This delivery is still being attempted.');
    }
    await trx.updateTable('webhook_deliveries').set({ state: 'pending', queued_at: sql<Date>`now()`, next_attempt_at: null }).where('id', '=', deliveryId).execute();
    await deps.jobs.enqueue(trx, QUEUES.webhookDelivery, { deliveryId, attempt: delivery.attempts + 1 });
    await recordAudit(trx, actor, { ...auditPlace(place), action: 'webhooks.redeliver', targetType: 'webhook_delivery', targetId: deliveryId, before: { state: delivery.state, attempts: delivery.attempts } });
    return { deliveryId, state: 'pending' as const };
  });
}

/** The delivery log of one webhook, newest first, each delivery with its attempts. */
export async function listDeliveries(db: Db, place: WebhookPlace, subscriptionId: string, page: { limit: number; cursor?: string }) {
  await readSubscription(db, place, subscriptionId);
  const after = decodeCursor(page.cursor);
  let query = db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_events as e', 'e.id', 'd.event_id')
    .select(['d.id', 'd.event_id as eventId', 'e.type as eventType', 'd.state', 'd.is_test as isTest', 'd.attempts', 'd.last_status as lastStatus', 'd.last_error as lastError'])
    .select(['d.next_attempt_at as nextAttemptAt', 'd.delivered_at as deliveredAt', 'd.created_at as createdAt', sql<string>`d.created_at::text`.as('cursorAt')])
    .where('d.subscription_id', '=', subscriptionId)
    .where('d.workspace_id', '=', place.workspaceId)
    .orderBy('d.created_at', 'desc')
    .orderBy('d.id', 'desc')
    .limit(page.limit + 1);
  if (after) query = query.where(sql<boolean>`(d.created_at, d.id) < (${after[0]}::timestamptz, ${after[1]}::uuid)`);
  const rows = await query.execute();
  const items = rows.slice(0, page.limit);
  const attempts = items.length
    ? await db
        .selectFrom('webhook_delivery_attempts')
        .select(['delivery_id', 'attempt', 'started_at as startedAt', 'duration_ms as durationMs', 'response_status as responseStatus', 'response_excerpt as responseExcerpt', 'error'])
        .where(
          'delivery_id',
          'in',
          items.map((i) => i.id),
        )
        .orderBy('attempt')
        .execute()
    : [];
  const last = items.at(-1);
  return {
    deliveries: items.map(({ cursorAt: _c, ...d }) => ({ ...d, attemptLog: attempts.filter((a) => a.delivery_id === d.id).map(({ delivery_id: _d, ...a }) => a) })),
    nextCursor: rows.length > page.limit && last ? encodeCursor(last.cursorAt, last.id) : null,
  };
}

/** Re-seals every signing secret under the current key (`rotate-secret-key`). Returns how many changed. */
export async function resealWebhookSecrets(db: Db, keyring: Keyring): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('webhook_subscriptions')
      .select(['id', 'organisation_id', 'secret_ciphertext', 'secret_key_version'])
      .where('secret_key_version', '!=', keyring.current.version)
      .forUpdate()
      .execute();
    // One statement per secret: each needs its own ciphertext computed here, and rotation is rare.
    for (const row of rows) {
      const context = secretContext(row.organisation_id, row.id);
      const sealed = sealSecret(keyring, openSecret(keyring, { ciphertext: row.secret_ciphertext, keyVersion: row.secret_key_version }, context), context);
      await trx.updateTable('webhook_subscriptions').set({ secret_ciphertext: sealed.ciphertext, secret_key_version: sealed.keyVersion }).where('id', '=', row.id).execute();
    }
    return rows.length;
  });
}
