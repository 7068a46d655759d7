import { createRequire } from 'node:module';
import { createHash, randomUUID } from 'node:crypto';
import { EmailParams, Recipient, Sender } from 'mailersend';
import { type Db, sql } from '@steward/db';
import type { Config } from '../../config.js';
import { type JobQueue, QUEUES } from '../../email/jobs.js';
import type { Logger } from '../../logger.js';
import type { Keyring } from '../../secrets.js';
import { AppError } from '../../errors.js';
import { receivesCategory } from '../consent/effective.js';
import { suppressedAmong } from '../data-rights/suppression.js';
import { notifyCampaignEnded } from '../notifications/events.js';
import { resolveMailerSendSettings } from '../integrations/mailersend-settings.js';
import type { RecordPlace } from '../records/filters.js';
import { expandAudience, freezeAudience } from './campaigns.js';
import { campaignEmailFramer, campaignTag } from './email-frame.js';
import { mergeValues, renderMergeFields } from './merge-fields.js';

/**
 * The send job of a campaign. Each round claims the next pending recipients in one transaction —
 * `FOR UPDATE SKIP LOCKED` under the campaign row's share lock, so overlapping runs take disjoint
 * batches and a pause commits between rounds, never inside one — re-checks each person's consent
 * there (an opt-out since the freeze is skipped and recorded), marks the rest `sending`, and only
 * then calls MailerSend's bulk endpoint. The answer is recorded per recipient afterwards:
 * - accepted: `sent`, with the provider's bulk id;
 * - 429: the batch goes back to `pending` (nothing was accepted) and the campaign waits for
 *   Retry-After, then a delayed job carries on;
 * - 5xx or no connection: back to `pending`, and the job is retried with backoff;
 * - a refusal of the request (4xx): those recipients `failed`, with the provider's reason;
 * - a bad key: back to `pending`, the campaign `failed` until resumed with a working key.
 * A batch whose answer never came (the connection broke mid-request, or the worker died) is left
 * `sending`; once it is stale it is closed as failed with "outcome unknown", never sent again.
 * A 202 only says MailerSend queued the bulk: after the send, a job reads each bulk's status back
 * and turns the messages it refused or suppressed into `failed`, with its reason.
 */

export const BULK_LIMIT = 500;
/** When the accepted bulks' status is read back after the send, and how many times at most. */
const RECONCILE_DELAY_SECONDS = 60;
const RECONCILE_ATTEMPTS = 30;
/** How many of the frozen audience become recipient rows at a time (campaigns.ts, expandAudience). */
const EXPAND_SLICE = 2_000;
/** A batch still `sending` after this long (seconds) lost its worker; its outcome is unknown. */
const STALE_SENDING_SECONDS = 15 * 60;

const require = createRequire(import.meta.url);
type ApiResponse = { statusCode: number; body: unknown; headers: Record<string, string> };
const { EmailModule } = require('mailersend/lib/modules/Email.module.js') as {
  EmailModule: new (apiKey: string, baseUrl: string) => { sendBulk(params: EmailParams[]): Promise<ApiResponse>; getBulkStatus(bulkId: string): Promise<ApiResponse> };
};

export interface CampaignSendDeps {
  db: Db;
  config: Config;
  keyring: Keyring;
  logger: Logger;
  jobs: JobQueue;
}

export type SendOutcome = 'sent' | 'stopped' | 'throttled' | 'failed';

class RetryLater extends Error {}

interface CampaignRow {
  id: string;
  organisation_id: string;
  workspace_id: string;
  category_id: string;
  filters: unknown;
  subject: string;
  html_body: string;
  text_body: string;
  state: string;
  scheduled_at: Date | null;
  created_by: string | null;
}

async function placeOf(db: Db, campaign: CampaignRow): Promise<RecordPlace & { workspaceName: string; senderName: string | null }> {
  const workspace = await db.selectFrom('workspaces').select(['kind', 'name', 'email_sender_name']).where('id', '=', campaign.workspace_id).executeTakeFirstOrThrow();
  return { organisationId: campaign.organisation_id, workspaceId: campaign.workspace_id, kind: workspace.kind, workspaceName: workspace.name, senderName: workspace.email_sender_name };
}

/**
 * A scheduled campaign whose time has come starts here. When the plan's campaign emails a month
 * (or a payment past due) refuse its audience, it fails with that reason instead of the job
 * retrying a refusal that will not change by itself.
 */
async function startIfDue(db: Db, campaignId: string): Promise<boolean> {
  try {
    return await freezeIfDue(db, campaignId);
  } catch (error) {
    if (!(error instanceof AppError && error.code === 'PRECONDITION_FAILED')) throw error;
    await db
      .updateTable('campaigns')
      .set({ state: 'failed', failure_reason: error.message, updated_at: sql<Date>`now()` })
      .where('id', '=', campaignId)
      .where('state', '=', 'scheduled')
      .execute();
    return false;
  }
}

/** Its audience frozen, its state `sending`, in one transaction. */
async function freezeIfDue(db: Db, campaignId: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const campaign = await trx.selectFrom('campaigns').selectAll().where('id', '=', campaignId).forUpdate().executeTakeFirst();
    if (!campaign || campaign.state !== 'scheduled') return false;
    if (campaign.scheduled_at && campaign.scheduled_at.getTime() > Date.now()) return false;
    const workspace = await trx.selectFrom('workspaces').select('kind').where('id', '=', campaign.workspace_id).executeTakeFirstOrThrow();
    await freezeAudience(trx, { organisationId: campaign.organisation_id, workspaceId: campaign.workspace_id, kind: workspace.kind }, campaign);
    await trx.updateTable('campaigns').set({ state: 'sending', started_at: sql<Date>`now()`, updated_at: sql<Date>`now()` }).where('id', '=', campaignId).execute();
    return true;
  });
}

interface Claimed {
  contactId: string;
  email: string;
  firstName: string;
  lastName: string;
}

/**
 * Claims up to `size` pending recipients: those who no longer receive the category become
 * `skipped_opted_out`, the others `sending` under a new batch id. Null when the campaign is not
 * sending (paused, cancelled…) or waits for the provider's Retry-After.
 */
async function claimBatch(db: Db, campaign: CampaignRow, size: number): Promise<{ batchId: string; recipients: Claimed[] } | null> {
  return db.transaction().execute(async (trx) => {
    const now = await trx
      .selectFrom('campaigns')
      .select(['state', sql<boolean>`coalesce(throttled_until > now(), false)`.as('throttled')])
      .where('id', '=', campaign.id)
      .forShare()
      .executeTakeFirst();
    if (!now || now.state !== 'sending' || now.throttled) return null;
    const category = await trx.selectFrom('email_categories').select(['id', 'subscribed_by_default as subscribedByDefault']).where('id', '=', campaign.category_id).executeTakeFirstOrThrow();
    const batchId = randomUUID();
    const claim = () => sql<Claimed & { state: string }>`
      with claimed as (
        select r.contact_id from campaign_recipients r
        where r.campaign_id = ${campaign.id}::uuid and r.state = 'pending'
        order by r.contact_id
        limit ${size}
        for update skip locked
      ), decided as (
        select cl.contact_id, c.first_name, c.last_name, ${receivesCategory(category)} as receives
        from claimed cl
        join contacts c on c.id = cl.contact_id
        left join contact_workspaces cw on cw.workspace_id = ${campaign.workspace_id}::uuid and cw.contact_id = c.id
      )
      update campaign_recipients r set
        state = case when d.receives then 'sending' else 'skipped_opted_out' end,
        batch_id = case when d.receives then ${batchId}::uuid end,
        error = case when d.receives then null else 'Opted out after the audience was frozen; not sent.' end,
        updated_at = now()
      from decided d
      where r.campaign_id = ${campaign.id}::uuid and r.contact_id = d.contact_id
      returning r.contact_id as "contactId", r.email, d.first_name as "firstName", d.last_name as "lastName", r.state`.execute(trx);
    let { rows } = await claim();
    // Nobody pending (or all taken by other runs): the next slice of the frozen audience, then claim.
    if (rows.length === 0 && (await expandAudience(trx, campaign.id, EXPAND_SLICE)) > 0) ({ rows } = await claim());
    let recipients = rows.filter((r) => r.state === 'sending');
    // An address erased on request is never mailed again, however it came back (hashed here, in
    // Node: the suppression key never goes to PostgreSQL).
    const suppressed = await suppressedAmong(trx, campaign.organisation_id, recipients.map((r) => r.email));
    if (suppressed.size > 0) {
      const skipped = recipients.filter((r) => suppressed.has(r.email.trim().toLowerCase())).map((r) => r.contactId);
      await trx
        .updateTable('campaign_recipients')
        .set({ state: 'skipped_opted_out', batch_id: null, error: 'The address belongs to a person erased on request (suppressed); not sent.', updated_at: sql<Date>`now()` })
        .where('campaign_id', '=', campaign.id)
        .where('contact_id', 'in', skipped)
        .execute();
      recipients = recipients.filter((r) => !skipped.includes(r.contactId));
    }
    return { batchId, recipients };
  });
}

/** Sets the outcome of every recipient of the batch still `sending`. */
async function settleBatch(db: Db, campaignId: string, batchId: string, outcome: { state: 'sent' | 'failed' | 'pending'; error?: string | null; bulkId?: string | null }) {
  await db
    .updateTable('campaign_recipients')
    .set({
      state: outcome.state,
      error: outcome.error ?? null,
      provider_bulk_id: outcome.bulkId ?? null,
      ...(outcome.state === 'pending' && { batch_id: null }),
      updated_at: sql<Date>`now()`,
    })
    .where('campaign_id', '=', campaignId)
    .where('batch_id', '=', batchId)
    .where('state', '=', 'sending')
    .execute();
}

/**
 * A bulk request accepted: its recipients `sent`, each with its position in the request (the
 * provider names refused messages by position), and the bulk kept for reading its status later.
 */
async function acceptBatch(db: Db, campaignId: string, batchId: string, bulkId: string, contactIds: string[]) {
  await db.transaction().execute(async (trx) => {
    await sql`
      update campaign_recipients r set state = 'sent', error = null, provider_bulk_id = ${bulkId}, batch_position = m.position - 1, updated_at = now()
      from unnest(${contactIds}::uuid[]) with ordinality as m(contact_id, position)
      where r.campaign_id = ${campaignId}::uuid and r.contact_id = m.contact_id and r.batch_id = ${batchId}::uuid and r.state = 'sending'`.execute(trx);
    await trx.insertInto('campaign_bulks').values({ campaign_id: campaignId, bulk_id: bulkId, size: contactIds.length }).onConflict((oc) => oc.doNothing()).execute();
  });
}

/** The message position a provider's key names: `message.3.to.0.email` or `message.3` → 3. */
function positionOf(key: string): number | null {
  const match = /^message\.(\d+)(\.|$)/.exec(key);
  return match ? Number(match[1]) : null;
}

/** Every reason the provider gave, as one sentence (its values may be strings, lists or objects). */
function reasonText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(reasonText).filter(Boolean).join(' ');
  if (value && typeof value === 'object') {
    const reasons = (value as { reasons?: unknown }).reasons;
    if (reasons !== undefined) return reasonText(reasons);
    return Object.values(value).map(reasonText).filter(Boolean).join(' ');
  }
  return '';
}

/**
 * Reads back the status of the campaign's accepted bulks that have not been checked: the messages
 * MailerSend refused (validation errors) or suppressed become `failed` with its reason. A bulk still
 * being processed stays unchecked. Answers how many bulks remain unchecked.
 */
export async function reconcileCampaignBulks(deps: CampaignSendDeps, campaignId: string): Promise<number> {
  const { db } = deps;
  const campaign = await db.selectFrom('campaigns').select('organisation_id').where('id', '=', campaignId).executeTakeFirst();
  if (!campaign) return 0;
  const bulks = await db.selectFrom('campaign_bulks').select('bulk_id').where('campaign_id', '=', campaignId).where('checked_at', 'is', null).orderBy('created_at').execute();
  if (bulks.length === 0) return 0;
  const settings = await resolveMailerSendSettings(db, deps.config, deps.keyring, campaign.organisation_id);
  if (!settings.apiKey) return bulks.length;
  const provider = new EmailModule(settings.apiKey, settings.baseUrl);
  let unchecked = 0;
  for (const { bulk_id: bulkId } of bulks) {
    let status: { state?: unknown; validation_errors?: unknown; suppressed_recipients?: unknown };
    try {
      status = ((await provider.getBulkStatus(bulkId)).body as { data?: typeof status } | null)?.data ?? {};
    } catch (error) {
      deps.logger.warn('Could not read a bulk email status', { campaignId, bulkId, error: (error as { statusCode?: unknown }).statusCode ?? (error as Error).message });
      unchecked++;
      continue;
    }
    if (status.state !== 'completed' && status.state !== 'failed') {
      unchecked++;
      continue;
    }
    const problems = new Map<number, string[]>();
    for (const [label, source] of [
      ['Refused by MailerSend', status.validation_errors],
      ['Suppressed by MailerSend', status.suppressed_recipients],
    ] as const) {
      if (!source || typeof source !== 'object') continue;
      for (const [key, value] of Object.entries(source)) {
        const position = positionOf(key);
        if (position === null) continue;
        problems.set(position, [...(problems.get(position) ?? []), `${label}: ${reasonText(value) || key}`]);
      }
    }
    const positions = [...problems.keys()];
    await db.transaction().execute(async (trx) => {
      if (positions.length > 0) {
        await sql`
          update campaign_recipients r set state = 'failed', error = p.reason, updated_at = now()
          from unnest(${positions}::int[], ${positions.map((p) => problems.get(p)!.join(' ').slice(0, 1000))}::text[]) as p(position, reason)
          where r.campaign_id = ${campaignId}::uuid and r.provider_bulk_id = ${bulkId} and r.batch_position = p.position and r.state = 'sent'`.execute(trx);
      }
      await trx.updateTable('campaign_bulks').set({ checked_at: sql<Date>`now()` }).where('campaign_id', '=', campaignId).where('bulk_id', '=', bulkId).execute();
    });
  }
  return unchecked;
}

/** SQL: part of the campaign's frozen audience is not yet expanded into recipient rows. */
const unexpanded = (campaignId: string) => sql<boolean>`exists (select 1 from campaign_audiences where campaign_id = ${campaignId}::uuid and expanded < size)`;

/** Batches whose worker died mid-request: their outcome is unknown, so they are closed, not resent. */
async function closeStaleBatches(db: Db, campaignId: string) {
  await db
    .updateTable('campaign_recipients')
    .set({ state: 'failed', error: 'The sending worker stopped before MailerSend answered; whether this email went out is unknown, so it was not sent again.', updated_at: sql<Date>`now()` })
    .where('campaign_id', '=', campaignId)
    .where('state', '=', 'sending')
    .where('updated_at', '<', sql<Date>`now() - ${STALE_SENDING_SECONDS} * interval '1 second'`)
    .execute();
}

/**
 * Waits for the account's next turn at the bulk endpoint. The turn is taken from one row per
 * MailerSend account (a hash of its key) in a single statement, so every worker of every
 * workspace sending with that key shares the same pace. A 429's Retry-After moves it for all.
 */
async function takeBulkTurn(db: Db, account: string, perMinute: number) {
  if (perMinute <= 0) return;
  const spacing = 60 / perMinute;
  const { rows } = await sql<{ waitMs: number }>`
    insert into mailersend_bulk_slots (account, next_at) values (${account}, now() + ${spacing} * interval '1 second')
    on conflict (account) do update set next_at = greatest(mailersend_bulk_slots.next_at, now()) + ${spacing} * interval '1 second'
    returning greatest(0, extract(epoch from (next_at - ${spacing} * interval '1 second' - now())) * 1000)::float8 as "waitMs"`.execute(db);
  const wait = rows[0]!.waitMs;
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

async function holdAccount(db: Db, account: string, seconds: number) {
  await sql`
    insert into mailersend_bulk_slots (account, next_at) values (${account}, now() + ${seconds} * interval '1 second')
    on conflict (account) do update set next_at = greatest(mailersend_bulk_slots.next_at, now() + ${seconds} * interval '1 second')`.execute(db);
}

const accountOf = (apiKey: string) => createHash('sha256').update(apiKey).digest('hex').slice(0, 32);

/** The campaign is `sent` once nobody is pending or in flight (whoever finishes last says so); its creator is told with it. */
async function finishIfDone(deps: Pick<CampaignSendDeps, 'db' | 'jobs'>, campaignId: string): Promise<boolean> {
  return deps.db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ id: string; organisation_id: string; workspace_id: string; name: string; created_by: string | null; failure_reason: string | null }>`
      update campaigns set state = 'sent', finished_at = now(), updated_at = now(), throttled_until = null
      where id = ${campaignId}::uuid and state = 'sending'
        and not exists (select 1 from campaign_recipients where campaign_id = ${campaignId}::uuid and state in ('pending', 'sending')) and not ${unexpanded(campaignId)}
      returning id, organisation_id, workspace_id, name, created_by, failure_reason`.execute(trx);
    if (rows[0]) await notifyCampaignEnded(trx, deps.jobs, { ...rows[0], state: 'sent' });
    return rows.length > 0;
  });
}

async function failCampaign(deps: Pick<CampaignSendDeps, 'db' | 'jobs'>, campaignId: string, reason: string) {
  await deps.db.transaction().execute(async (trx) => {
    const ended = await trx
      .updateTable('campaigns')
      .set({ state: 'failed', failure_reason: reason, updated_at: sql<Date>`now()` })
      .where('id', '=', campaignId)
      .where('state', '=', 'sending')
      .returning(['id', 'organisation_id', 'workspace_id', 'name', 'created_by', 'failure_reason'])
      .executeTakeFirst();
    if (ended) await notifyCampaignEnded(trx, deps.jobs, { ...ended, state: 'failed' });
  });
}

function retryAfterSeconds(headers: Record<string, string> | undefined): number {
  const raw = headers?.['retry-after'];
  const seconds = raw === undefined ? NaN : Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(Math.ceil(seconds), 3600);
  const date = raw ? Date.parse(raw) : NaN;
  return Number.isFinite(date) ? Math.max(1, Math.min(3600, Math.ceil((date - Date.now()) / 1000))) : 60;
}

function providerMessage(body: unknown, status: number): string {
  const message = (body as { message?: unknown } | null)?.message;
  return `MailerSend refused the batch (HTTP ${status})${typeof message === 'string' ? `: ${message.slice(0, 300)}` : ''}.`;
}

/**
 * Runs the campaign's send until it is done, paused, cancelled, throttled or failed. Safe to run
 * twice at once (the claims are disjoint) and to run again after a crash (it resumes from the
 * recipients' states). `batchSize` is for tests; MailerSend takes at most 500 a request.
 */
export async function runCampaignSend(deps: CampaignSendDeps, campaignId: string, options: { batchSize?: number } = {}): Promise<SendOutcome> {
  const { db } = deps;
  const size = Math.min(options.batchSize ?? BULK_LIMIT, BULK_LIMIT);
  await startIfDue(db, campaignId);
  const campaign = (await db.selectFrom('campaigns').selectAll().where('id', '=', campaignId).executeTakeFirst()) as CampaignRow | undefined;
  if (!campaign || campaign.state !== 'sending') return 'stopped';
  await closeStaleBatches(db, campaignId);
  const place = await placeOf(db, campaign);
  // The logo heads each email; an unsubscribe link and the List-Unsubscribe headers end it.
  const frame = await campaignEmailFramer(db, deps.config, deps.keyring, campaign);
  const settings = await resolveMailerSendSettings(db, deps.config, deps.keyring, campaign.organisation_id);
  // An organisation's own From address goes only with its own key: with the server's key, the
  // server's From, so no organisation can send as another's domain.
  const fromEmail = settings.apiKeySource === 'saved' ? settings.fromEmail : deps.config.mailersend.fromEmail;
  if (!settings.apiKey && deps.config.env === 'production') {
    await failCampaign(deps, campaignId, 'MailerSend is not configured: set an API key under Integrations, then resume the campaign.');
    return 'failed';
  }

  const account = settings.apiKey ? accountOf(settings.apiKey) : null;
  for (;;) {
    if (account) {
      // The turn is taken only when there is something to send; the batch is claimed after it, so
      // a pause during the wait still holds everyone back.
      const ready = await db
        .selectFrom('campaigns')
        .select([
          'state',
          sql<boolean>`coalesce(throttled_until > now(), false)`.as('throttled'),
          sql<boolean>`(exists (select 1 from campaign_recipients where campaign_id = ${campaignId}::uuid and state = 'pending') or ${unexpanded(campaignId)})`.as('pending'),
        ])
        .where('id', '=', campaignId)
        .executeTakeFirst();
      if (!ready || ready.state !== 'sending') return 'stopped';
      if (ready.throttled) return 'throttled';
      if (ready.pending) await takeBulkTurn(db, account, deps.config.mailersend.bulkRequestsPerMinute);
    }
    const batch = await claimBatch(db, campaign, size);
    if (!batch) {
      const now = await db.selectFrom('campaigns').select('state').where('id', '=', campaignId).executeTakeFirst();
      return now?.state === 'sending' ? 'throttled' : 'stopped';
    }
    if (batch.recipients.length === 0) {
      // Everything claimed (or skipped); another run may still have a batch in flight.
      const { rows } = await sql<{ pending: boolean }>`
        select exists (select 1 from campaign_recipients where campaign_id = ${campaignId}::uuid and state = 'pending') or ${unexpanded(campaignId)} as pending`.execute(db);
      const pending = rows[0]!.pending;
      // Pending rows locked by another run's claim, about to commit: look again in a moment.
      if (pending) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      if (await finishIfDone(deps, campaignId)) return 'sent';
      // Another run has a batch in flight. Should that run have died, its batch goes stale: a job
      // then closes it and ends the campaign (a live run ends it first, and the job finds it sent).
      const inFlight = await db.selectFrom('campaign_recipients').select('contact_id').where('campaign_id', '=', campaignId).where('state', '=', 'sending').limit(1).executeTakeFirst();
      if (inFlight) await deps.jobs.enqueue(db, QUEUES.campaignSend, { campaignId }, { startAfter: STALE_SENDING_SECONDS + 60 });
      return 'stopped';
    }

    const emails = batch.recipients.map((r) => {
      const values = mergeValues(r, place.workspaceName);
      return {
        to: r.email,
        name: values.fullName,
        subject: renderMergeFields(campaign.subject, values, 'text'),
        ...frame(r, { html: renderMergeFields(campaign.html_body, values, 'html'), text: renderMergeFields(campaign.text_body, values, 'text') }),
      };
    });

    if (!settings.apiKey) {
      // Outside production with no key: the development outbox, as for every other email.
      await db
        .insertInto('dev_outbox')
        .values(emails.map((e) => ({ organisation_id: campaign.organisation_id, to_email: e.to, subject: e.subject, text: e.text, html: e.html })))
        .execute();
      await settleBatch(db, campaignId, batch.batchId, { state: 'sent' });
      continue;
    }

    const params = emails.map((e) => {
      const p = new EmailParams()
        .setFrom(new Sender(fromEmail, place.senderName ?? settings.fromName))
        .setTo([new Recipient(e.to, e.name || undefined)])
        .setSubject(e.subject)
        // Marked as bulk mail (Precedence: bulk), which keeps auto-replies away from campaigns.
        .setPrecedenceBulk(true)
        // RFC 8058 one-click unsubscribe; the tag names the campaign in MailerSend's webhooks.
        .setHeaders(e.headers)
        .setTags([campaignTag(campaignId)]);
      if (e.html) p.setHtml(e.html);
      if (e.text) p.setText(e.text);
      return p;
    });
    try {
      const response = await new EmailModule(settings.apiKey, settings.baseUrl).sendBulk(params);
      const bulkId = (response.body as { bulk_email_id?: unknown } | null)?.bulk_email_id;
      if (typeof bulkId === 'string') await acceptBatch(db, campaignId, batch.batchId, bulkId, batch.recipients.map((r) => r.contactId));
      else await settleBatch(db, campaignId, batch.batchId, { state: 'sent' });
    } catch (error) {
      const failed = error as { statusCode?: unknown; body?: unknown; headers?: Record<string, string>; code?: unknown };
      if (typeof failed?.statusCode !== 'number') {
        if (failed?.code === 'ECONNREFUSED' || failed?.code === 'ENOTFOUND') {
          // Never connected: nothing was sent, so the batch can go again.
          await settleBatch(db, campaignId, batch.batchId, { state: 'pending' });
          throw new RetryLater('MailerSend could not be reached.');
        }
        // Connected, then lost: the provider may have accepted it.
        await settleBatch(db, campaignId, batch.batchId, {
          state: 'failed',
          error: 'The connection to MailerSend broke before it answered; whether this email went out is unknown, so it was not sent again.',
        });
        continue;
      }
      const status = failed.statusCode;
      if (status === 429) {
        const wait = retryAfterSeconds(failed.headers);
        if (account) await holdAccount(db, account, wait);
        await db.transaction().execute(async (trx) => {
          await trx
            .updateTable('campaign_recipients')
            .set({ state: 'pending', batch_id: null, updated_at: sql<Date>`now()` })
            .where('campaign_id', '=', campaignId)
            .where('batch_id', '=', batch.batchId)
            .where('state', '=', 'sending')
            .execute();
          await trx
            .updateTable('campaigns')
            .set({ throttled_until: sql<Date>`now() + ${wait} * interval '1 second'`, updated_at: sql<Date>`now()` })
            .where('id', '=', campaignId)
            .execute();
          await deps.jobs.enqueue(trx, QUEUES.campaignSend, { campaignId }, { startAfter: wait });
        });
        deps.logger.info('Campaign throttled by MailerSend', { campaignId, retryAfterSeconds: wait });
        return 'throttled';
      }
      if (status === 401 || status === 403) {
        await settleBatch(db, campaignId, batch.batchId, { state: 'pending' });
        await failCampaign(deps, campaignId, 'MailerSend refused the API key. Check it under Integrations, then resume the campaign.');
        return 'failed';
      }
      if (status >= 500) {
        await settleBatch(db, campaignId, batch.batchId, { state: 'pending' });
        throw new RetryLater(`MailerSend had a problem (HTTP ${status}).`);
      }
      await settleBatch(db, campaignId, batch.batchId, { state: 'failed', error: providerMessage(failed.body, status) });
    }
  }
}

/** Registers the campaign send worker of this process; pg-boss hands each job to one instance. */
export async function startCampaignSendWorker(deps: CampaignSendDeps) {
  await deps.jobs.boss.work<{ campaignId: string; reconcile?: number }, void, { includeMetadata: true; batchSize: number; pollingIntervalSeconds: number }>(
    QUEUES.campaignSend,
    { includeMetadata: true, batchSize: 1, pollingIntervalSeconds: deps.jobs.pollingIntervalSeconds },
    async ([job]) => {
      if (!job) return;
      const { campaignId } = job.data;
      if (job.data.reconcile !== undefined) {
        // Reading back what MailerSend made of the accepted bulks, until none is still processing.
        const unchecked = await reconcileCampaignBulks(deps, campaignId);
        if (unchecked > 0 && job.data.reconcile < RECONCILE_ATTEMPTS) {
          await deps.jobs.enqueue(deps.db, QUEUES.campaignSend, { campaignId, reconcile: job.data.reconcile + 1 }, { startAfter: RECONCILE_DELAY_SECONDS });
        }
        return;
      }
      // A throttled campaign's delayed job may arrive a moment early: let it wait its turn.
      await deps.db.updateTable('campaigns').set({ throttled_until: null }).where('id', '=', job.data.campaignId).where('throttled_until', '<=', sql<Date>`now() + interval '2 seconds'`).execute();
      try {
        const outcome = await runCampaignSend(deps, job.data.campaignId);
        deps.logger.info('Campaign send job finished', { campaignId: job.data.campaignId, outcome });
        if (outcome === 'sent') await deps.jobs.enqueue(deps.db, QUEUES.campaignSend, { campaignId, reconcile: 0 }, { startAfter: RECONCILE_DELAY_SECONDS });
      } catch (error) {
        const lastAttempt = job.retryCount >= job.retryLimit;
        deps.logger.warn('Campaign send attempt failed', { campaignId: job.data.campaignId, attempt: job.retryCount + 1, lastAttempt, error: (error as Error).message });
        if (lastAttempt) {
          await failCampaign(deps, job.data.campaignId, `${(error as Error).message} Retrying did not help; the recipients not yet sent are kept: resume the campaign to try again.`);
          return;
        }
        throw error;
      }
    },
  );
}
