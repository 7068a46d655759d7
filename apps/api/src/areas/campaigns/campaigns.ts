import { type CampaignState, type Database, type Db, type RecipientState, sql, type Transaction } from '@steward/db';
import { type JobQueue, QUEUES } from '../../email/jobs.js';
import { AppError, notFound } from '../../errors.js';
import { type Actor, recordAudit } from '../audit/record.js';
import { enforceLimit } from '../billing/limits.js';
import { consentFilters, receivesCategory } from '../consent/effective.js';
import { CONTACT_BUILT_INS, contactValuesColumn } from '../records/contacts.js';
import { compileFilters, type RecordPlace, visibleDefinitions } from '../records/filters.js';
import type { Filter } from '../records/schemas.js';
import { MERGE_FIELD_NAMES, unknownMergeFields } from './merge-fields.js';

/**
 * Campaigns of a workspace: drafts that admins write, then send now or schedule. Sending freezes
 * the audience (campaign_recipients) and hands the rest to the send job (sending.ts). A campaign's
 * state changes only under its row lock, so a pause, a resume and a batch claim never cross.
 */

type Handle = Db | Transaction<Database>;

export interface CampaignContent {
  name: string;
  subject: string;
  htmlBody: string;
  textBody: string;
  categoryId: string;
  filters: Filter[];
}

function campaignsOf(db: Handle, place: RecordPlace) {
  return db
    .selectFrom('campaigns as k')
    .innerJoin('email_categories as ec', 'ec.id', 'k.category_id')
    .innerJoin('workspaces as w', 'w.id', 'k.workspace_id')
    .select([
      'k.id',
      'k.workspace_id as workspaceId',
      'k.name',
      'k.subject',
      'k.html_body as htmlBody',
      'k.text_body as textBody',
      'k.category_id as categoryId',
      'ec.name as categoryName',
      'k.filters',
      'k.state',
      'k.scheduled_at as scheduledAt',
      'w.timezone',
      'k.throttled_until as throttledUntil',
      'k.failure_reason as failureReason',
      'k.created_at as createdAt',
      'k.updated_at as updatedAt',
      'k.started_at as startedAt',
      'k.finished_at as finishedAt',
    ])
    .where('k.workspace_id', '=', place.workspaceId)
    .where('k.organisation_id', '=', place.organisationId);
}

type CampaignRow = Awaited<ReturnType<ReturnType<typeof campaignsOf>['execute']>>[number];
const toCampaign = (row: CampaignRow) => ({ ...row, filters: row.filters as Filter[] });

async function readCampaign(db: Handle, place: RecordPlace, campaignId: string) {
  const row = await campaignsOf(db, place).where('k.id', '=', campaignId).executeTakeFirst();
  if (!row) throw notFound('Campaign');
  return toCampaign(row);
}

export const getCampaign = readCampaign;

/** Newest first, by id pages (ids are random, so pages follow creation time then id). */
export async function listCampaigns(db: Db, place: RecordPlace, page: { limit: number; cursor?: string }) {
  let query = campaignsOf(db, place).orderBy('k.created_at', 'desc').orderBy('k.id', 'desc').limit(page.limit + 1);
  if (page.cursor) {
    query = query.where(sql<boolean>`(k.created_at, k.id) < (select created_at, id from campaigns where id = ${page.cursor}::uuid and workspace_id = ${place.workspaceId}::uuid)`);
  }
  const rows = (await query.execute()).map(toCampaign);
  const campaigns = rows.slice(0, page.limit);
  return { campaigns, nextCursor: rows.length > page.limit ? campaigns.at(-1)!.id : null };
}

/** The campaign's row, locked for a change of state; NOT_FOUND outside the workspace. */
async function lockCampaign(trx: Transaction<Database>, place: RecordPlace, campaignId: string) {
  const row = await trx
    .selectFrom('campaigns')
    .select(['id', 'state', 'category_id', 'filters', 'subject', 'html_body', 'text_body', 'name'])
    .where('id', '=', campaignId)
    .where('workspace_id', '=', place.workspaceId)
    .where('organisation_id', '=', place.organisationId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound('Campaign');
  return row;
}

/** A category of this workspace, not archived, locked against archiving while the campaign is saved. */
async function usableCategory(trx: Transaction<Database>, place: RecordPlace, categoryId: string) {
  const category = await trx
    .selectFrom('email_categories')
    .select(['id', 'name', 'archived_at', 'subscribed_by_default as subscribedByDefault'])
    .where('id', '=', categoryId)
    .where('workspace_id', '=', place.workspaceId)
    .forShare()
    .executeTakeFirst();
  if (!category) throw notFound('Email category');
  if (category.archived_at) throw new AppError('BAD_REQUEST', `'${category.name}' is archived: choose another category, or restore it first.`);
  return category;
}

/** Refuses merge fields that are not on the list, naming them. */
function checkMergeFields(content: Pick<CampaignContent, 'subject' | 'htmlBody' | 'textBody'>) {
  const unknown = unknownMergeFields(content.subject, content.htmlBody, content.textBody);
  if (unknown.length > 0) {
    const names = unknown.map((u) => `{{${u}}}`).join(', ');
    throw new AppError('BAD_REQUEST', `Unknown merge field${unknown.length > 1 ? 's' : ''} ${names}. The merge fields are ${MERGE_FIELD_NAMES.map((n) => `{{${n}}}`).join(', ')}.`);
  }
}

/** The contacts of the workspace matching the filters who receive the category now, with an address. */
export async function audienceQuery(db: Handle, place: RecordPlace, category: { id: string; subscribedByDefault: boolean }, filters: Filter[]) {
  const fields = await visibleDefinitions(db, place, 'contact');
  const conditions = compileFilters(filters, CONTACT_BUILT_INS, fields, contactValuesColumn, await consentFilters(db, place, filters));
  let query = db
    .selectFrom('contact_workspaces as cw')
    .innerJoin('contacts as c', 'c.id', 'cw.contact_id')
    .where('cw.workspace_id', '=', place.workspaceId)
    .where('c.organisation_id', '=', place.organisationId)
    .where('c.email', 'is not', null)
    .where(receivesCategory(category));
  for (const condition of conditions) query = query.where(condition);
  return query;
}

/** How many people a campaign of the category with these filters would reach now. */
export async function countAudience(db: Db, place: RecordPlace, input: { categoryId: string; filters: Filter[] }) {
  const category = await db
    .selectFrom('email_categories')
    .select(['id', 'subscribed_by_default as subscribedByDefault'])
    .where('id', '=', input.categoryId)
    .where('workspace_id', '=', place.workspaceId)
    .executeTakeFirst();
  if (!category) throw notFound('Email category');
  const query = await audienceQuery(db, place, category, input.filters);
  const row = await query.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  return { count: Number(row.n) };
}

const audited = (c: { name: string; subject: string; categoryId: string; filters: unknown; state?: string; scheduledAt?: Date | null }) => ({
  name: c.name,
  subject: c.subject,
  categoryId: c.categoryId,
  filters: c.filters,
  ...(c.state !== undefined && { state: c.state }),
  ...(c.scheduledAt !== undefined && { scheduledAt: c.scheduledAt }),
});
const auditPlace = (place: RecordPlace) => ({ organisationId: place.organisationId, workspaceId: place.workspaceId });

export async function createCampaign(db: Db, actor: Actor, place: RecordPlace, input: CampaignContent) {
  checkMergeFields(input);
  return db.transaction().execute(async (trx) => {
    await usableCategory(trx, place, input.categoryId);
    // Filters are checked now, as the contacts list would: a bad one is a 400 at save, not at send.
    await audienceQuery(trx, place, { id: input.categoryId, subscribedByDefault: false }, input.filters);
    const { id } = await trx
      .insertInto('campaigns')
      .values({
        organisation_id: place.organisationId,
        workspace_id: place.workspaceId,
        name: input.name,
        subject: input.subject,
        html_body: input.htmlBody,
        text_body: input.textBody,
        category_id: input.categoryId,
        filters: JSON.stringify(input.filters),
        created_by: actor.userId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const created = await readCampaign(trx, place, id);
    await recordAudit(trx, actor, { ...auditPlace(place), action: 'campaigns.create', targetType: 'campaign', targetId: id, after: audited(created) });
    return created;
  });
}

const notDraft = (state: CampaignState) => new AppError('CONFLICT', `The campaign is ${state}: only a draft can be changed.`);

export async function updateCampaign(db: Db, actor: Actor, place: RecordPlace, campaignId: string, changes: Partial<CampaignContent>) {
  return db.transaction().execute(async (trx) => {
    const current = await lockCampaign(trx, place, campaignId);
    if (current.state !== 'draft') throw notDraft(current.state);
    const next = {
      subject: changes.subject ?? current.subject,
      htmlBody: changes.htmlBody ?? current.html_body,
      textBody: changes.textBody ?? current.text_body,
    };
    checkMergeFields(next);
    if (changes.categoryId !== undefined && changes.categoryId !== current.category_id) await usableCategory(trx, place, changes.categoryId);
    if (changes.filters !== undefined) await audienceQuery(trx, place, { id: current.category_id, subscribedByDefault: false }, changes.filters);
    const before = await readCampaign(trx, place, campaignId);
    await trx
      .updateTable('campaigns')
      .set({
        ...(changes.name !== undefined && { name: changes.name }),
        ...(changes.subject !== undefined && { subject: changes.subject }),
        ...(changes.htmlBody !== undefined && { html_body: changes.htmlBody }),
        ...(changes.textBody !== undefined && { text_body: changes.textBody }),
        ...(changes.categoryId !== undefined && { category_id: changes.categoryId }),
        ...(changes.filters !== undefined && { filters: JSON.stringify(changes.filters) }),
        updated_at: sql<Date>`now()`,
      })
      .where('id', '=', campaignId)
      .execute();
    const after = await readCampaign(trx, place, campaignId);
    await recordAudit(trx, actor, { ...auditPlace(place), action: 'campaigns.update', targetType: 'campaign', targetId: campaignId, before: audited(before), after: audited(after) });
    return after;
  });
}

/** Only a draft is deleted; anything that was scheduled or sent stays on record (cancel it instead). */
export async function deleteCampaign(db: Db, actor: Actor, place: RecordPlace, campaignId: string) {
  return db.transaction().execute(async (trx) => {
    const current = await lockCampaign(trx, place, campaignId);
    if (current.state !== 'draft') throw new AppError('CONFLICT', `The campaign is ${current.state}: only a draft can be deleted.`);
    const before = await readCampaign(trx, place, campaignId);
    await trx.deleteFrom('campaigns').where('id', '=', campaignId).execute();
    await recordAudit(trx, actor, { ...auditPlace(place), action: 'campaigns.delete', targetType: 'campaign', targetId: campaignId, before: audited(before) });
    return { campaignId, deleted: true as const };
  });
}

/** How many of a frozen audience become recipient rows in the freeze itself (a small campaign: all). */
const FIRST_SLICE = 1_000;

/**
 * Freezes the audience of a campaign being started, in the caller's transaction (the campaign row
 * locked): one statement writes the id of everyone who receives the category now into the
 * campaign's `campaign_audiences` row (16 bytes a person, so a million are frozen in about a
 * second), and the first slice becomes rows of `campaign_recipients` at once; the send expands the
 * rest a slice at a time (expandAudience). A second freeze adds nobody.
 */
export async function freezeAudience(trx: Transaction<Database>, place: RecordPlace, campaign: { id: string; category_id: string; filters: unknown }) {
  const category = await trx
    .selectFrom('email_categories')
    .select(['id', 'subscribed_by_default as subscribedByDefault'])
    .where('id', '=', campaign.category_id)
    .executeTakeFirstOrThrow();
  const audience = (await audienceQuery(trx, place, category, campaign.filters as Filter[])).select('c.id');
  // Read first into a temporary table: CREATE TABLE AS may run the audience query on parallel
  // workers, which INSERT … SELECT never does (a million people read in about half the time).
  await sql`
    create temp table frozen_audience on commit drop as
    select count(*)::int as size, coalesce(string_agg(uuid_send(a.id), ''::bytea), ''::bytea) as recipients from (${audience}) as a`.execute(trx);
  const { rows } = await sql<{ size: number }>`
    insert into campaign_audiences (campaign_id, size, recipients)
    select ${campaign.id}::uuid, size, recipients from frozen_audience
    on conflict (campaign_id) do nothing
    returning size`.execute(trx);
  await sql`drop table frozen_audience`.execute(trx);
  await expandAudience(trx, campaign.id, FIRST_SLICE);
  const frozen = rows[0]?.size ?? 0;
  await enforceLimit(trx, place.organisationId, 'emailsPerMonth', frozen);
  return frozen;
}

/**
 * Moves up to `count` more people of the campaign's frozen audience into `campaign_recipients`
 * (pending), in the caller's transaction, under the audience row's lock: two senders never expand
 * the same slice, and the slice read is only its own bytes. People deleted since the freeze, or left
 * without an address, are not added; the keys (campaign, contact) and (campaign, lower(email)) let
 * nobody in twice. Answers how many of the audience it went through (0: nothing was left).
 */
export async function expandAudience(trx: Transaction<Database>, campaignId: string, count: number): Promise<number> {
  const { rows } = await sql<{ taken: number; left: number }>`
    with slice as (
      select expanded, least(size, expanded + ${count}::int) as upto, substring(recipients from expanded * 16 + 1 for ${count}::int * 16) as ids
      from campaign_audiences where campaign_id = ${campaignId}::uuid and expanded < size
      for update
    ), added as (
      insert into campaign_recipients (campaign_id, contact_id, email)
      select ${campaignId}::uuid, c.id, c.email
      from slice cross join lateral generate_series(0, octet_length(slice.ids) / 16 - 1) as i
      join contacts c on c.id = encode(substring(slice.ids from i * 16 + 1 for 16), 'hex')::uuid
      where c.email is not null
      on conflict do nothing
    )
    update campaign_audiences a set expanded = slice.upto
    from slice where a.campaign_id = ${campaignId}::uuid
    returning slice.upto - slice.expanded as taken, a.size - a.expanded as "left"`.execute(trx);
  const done = rows[0];
  if (!done) return 0;
  // Fully expanded: the ids are not kept any longer than the send needs them.
  if (done.left === 0) await trx.updateTable('campaign_audiences').set({ recipients: null }).where('campaign_id', '=', campaignId).execute();
  return done.taken;
}

function checkSendable(current: { subject: string; html_body: string; text_body: string }) {
  if (!current.subject.trim()) throw new AppError('BAD_REQUEST', 'Give the campaign a subject before sending it.');
  if (!current.html_body.trim() && !current.text_body.trim()) throw new AppError('BAD_REQUEST', 'Write an HTML or a text body before sending the campaign.');
}

/**
 * Sends a draft now (the audience frozen in this transaction, the job enqueued with it) or
 * schedules it for a local time in the workspace's time zone (stored as UTC; the job, due then,
 * freezes the audience when it starts).
 */
export async function sendCampaign(db: Db, jobs: JobQueue, actor: Actor, place: RecordPlace, campaignId: string, at?: string) {
  return db.transaction().execute(async (trx) => {
    const current = await lockCampaign(trx, place, campaignId);
    if (current.state !== 'draft') throw new AppError('CONFLICT', `The campaign is ${current.state}: only a draft can be sent or scheduled.`);
    checkSendable(current);
    checkMergeFields({ subject: current.subject, htmlBody: current.html_body, textBody: current.text_body });
    await usableCategory(trx, place, current.category_id);
    let recipients: number | null = null;
    if (at) {
      const { scheduledAt, future } = await sql<{ scheduledAt: Date; future: boolean }>`
        select (${at}::timestamp at time zone w.timezone) as "scheduledAt", (${at}::timestamp at time zone w.timezone) > now() as future
        from workspaces w where w.id = ${place.workspaceId}::uuid`
        .execute(trx)
        .then((r) => r.rows[0]!);
      if (!future) throw new AppError('BAD_REQUEST', 'That time has passed in the workspace time zone: choose a later one, or send now.');
      await trx.updateTable('campaigns').set({ state: 'scheduled', scheduled_at: scheduledAt, updated_at: sql<Date>`now()` }).where('id', '=', campaignId).execute();
      await jobs.enqueue(trx, QUEUES.campaignSend, { campaignId }, { startAfter: scheduledAt });
    } else {
      recipients = await freezeAudience(trx, place, current);
      await trx
        .updateTable('campaigns')
        .set({ state: 'sending', scheduled_at: null, started_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
        .where('id', '=', campaignId)
        .execute();
      await jobs.enqueue(trx, QUEUES.campaignSend, { campaignId });
    }
    const after = await readCampaign(trx, place, campaignId);
    await recordAudit(trx, actor, {
      ...auditPlace(place),
      action: at ? 'campaigns.schedule' : 'campaigns.send',
      targetType: 'campaign',
      targetId: campaignId,
      before: { state: current.state },
      after: { state: after.state, scheduledAt: after.scheduledAt, ...(recipients !== null && { recipients }) },
    });
    return after;
  });
}

const TRANSITIONS = {
  pause: { from: ['sending'], to: 'paused' },
  resume: { from: ['paused', 'failed'], to: 'sending' },
  cancel: { from: ['scheduled', 'sending', 'paused', 'failed'], to: 'cancelled' },
} as const satisfies Record<string, { from: readonly CampaignState[]; to: CampaignState }>;

/**
 * Pause, resume, cancel. A batch already handed to the provider finishes; nothing is claimed
 * after the change commits (the claim reads the state under the same row lock). Resume carries
 * on with exactly the recipients still pending.
 */
export async function changeCampaignState(db: Db, jobs: JobQueue, actor: Actor, place: RecordPlace, campaignId: string, action: keyof typeof TRANSITIONS) {
  const { from, to } = TRANSITIONS[action];
  return db.transaction().execute(async (trx) => {
    const current = await lockCampaign(trx, place, campaignId);
    if (!(from as readonly CampaignState[]).includes(current.state)) {
      throw new AppError('CONFLICT', `The campaign is ${current.state}: it can be ${action === 'pause' ? 'paused' : action === 'resume' ? 'resumed' : 'cancelled'} only when ${from.join(' or ')}.`);
    }
    await trx
      .updateTable('campaigns')
      .set({
        state: to,
        updated_at: sql<Date>`now()`,
        ...(to === 'cancelled' && { finished_at: sql<Date>`now()` }),
        ...(to === 'sending' && { failure_reason: null }),
      })
      .where('id', '=', campaignId)
      .execute();
    if (to === 'sending') await jobs.enqueue(trx, QUEUES.campaignSend, { campaignId });
    // Cancelled for good: the ids of those never reached are not kept (their count is).
    if (to === 'cancelled') await trx.updateTable('campaign_audiences').set({ recipients: null }).where('campaign_id', '=', campaignId).execute();
    await recordAudit(trx, actor, { ...auditPlace(place), action: `campaigns.${action}`, targetType: 'campaign', targetId: campaignId, before: { state: current.state }, after: { state: to } });
    return readCampaign(trx, place, campaignId);
  });
}

/** Counts per recipient state, in one query over the campaign's recipients. */
export async function campaignProgress(db: Handle, place: RecordPlace, campaignId: string) {
  const campaign = await readCampaign(db, place, campaignId);
  const [rows, erased] = await Promise.all([
    db.selectFrom('campaign_recipients').select(['state', (eb) => eb.fn.countAll<string>().as('n')]).where('campaign_id', '=', campaignId).groupBy('state').execute(),
    // People erased on request since: their rows went, what they counted stays (data-rights/erase.ts).
    db.selectFrom('campaign_erased_recipients').select(['state', 'recipients']).where('campaign_id', '=', campaignId).execute(),
  ]);
  const count = (state: string) => Number(rows.find((r) => r.state === state)?.n ?? 0) + (erased.find((r) => r.state === state)?.recipients ?? 0);
  // The frozen audience not yet expanded into recipient rows is pending too.
  const unexpanded = await db.selectFrom('campaign_audiences').select(sql<number>`size - expanded`.as('n')).where('campaign_id', '=', campaignId).executeTakeFirst();
  const progress = { pending: count('pending') + (unexpanded?.n ?? 0), sending: count('sending'), sent: count('sent'), failed: count('failed'), skipped: count('skipped_opted_out') };
  return {
    campaignId,
    state: campaign.state,
    throttledUntil: campaign.throttledUntil,
    failureReason: campaign.failureReason,
    total: progress.pending + progress.sending + progress.sent + progress.failed + progress.skipped,
    ...progress,
  };
}

/**
 * Puts the failed recipients back in the queue (a finished, failed or paused campaign): a finished
 * or failed campaign starts sending again; a paused one waits for its resume. Their consent is
 * checked again before their batch, like everyone's.
 */
export async function retryFailedRecipients(db: Db, jobs: JobQueue, actor: Actor, place: RecordPlace, campaignId: string) {
  return db.transaction().execute(async (trx) => {
    const current = await lockCampaign(trx, place, campaignId);
    if (!['sent', 'failed', 'paused'].includes(current.state)) {
      throw new AppError('CONFLICT', `The campaign is ${current.state}: failed recipients are retried once it has finished, failed or been paused.`);
    }
    const retried = await trx
      .updateTable('campaign_recipients')
      .set({ state: 'pending', error: null, batch_id: null, provider_bulk_id: null, updated_at: sql<Date>`now()` })
      .where('campaign_id', '=', campaignId)
      .where('state', '=', 'failed')
      .executeTakeFirst();
    const count = Number(retried.numUpdatedRows);
    if (count === 0) throw new AppError('BAD_REQUEST', 'No recipient of this campaign has failed.');
    if (current.state !== 'paused') {
      await trx
        .updateTable('campaigns')
        .set({ state: 'sending', failure_reason: null, finished_at: null, updated_at: sql<Date>`now()` })
        .where('id', '=', campaignId)
        .execute();
      await jobs.enqueue(trx, QUEUES.campaignSend, { campaignId });
    }
    await recordAudit(trx, actor, { ...auditPlace(place), action: 'campaigns.retryFailed', targetType: 'campaign', targetId: campaignId, before: { state: current.state }, after: { retried: count } });
    return readCampaign(trx, place, campaignId);
  });
}

/** The campaign's recipients, optionally of one state, a page at a time in contact id order. */
export async function listRecipients(db: Db, place: RecordPlace, campaignId: string, page: { state?: RecipientState; limit: number; after?: string }) {
  await readCampaign(db, place, campaignId);
  let query = db
    .selectFrom('campaign_recipients as r')
    .leftJoin('contacts as c', 'c.id', 'r.contact_id')
    .select(['r.contact_id as contactId', 'r.email', 'c.first_name as firstName', 'c.last_name as lastName', 'r.state', 'r.error', 'r.updated_at as updatedAt'])
    .where('r.campaign_id', '=', campaignId)
    .orderBy('r.contact_id')
    .limit(page.limit + 1);
  if (page.state) query = query.where('r.state', '=', page.state);
  if (page.after) query = query.where('r.contact_id', '>', page.after);
  const rows = await query.execute();
  const recipients = rows.slice(0, page.limit).map((r) => ({ ...r, firstName: r.firstName ?? '', lastName: r.lastName ?? '' }));
  return { recipients, nextAfter: rows.length > page.limit ? recipients.at(-1)!.contactId : null };
}
