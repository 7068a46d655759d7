import { type Database, type FieldValues, sql, type Transaction } from '@steward/db';
import { type RecordPlace, visibleDefinitions } from '../records/filters.js';
import { visibleValues } from '../records/values.js';
import type { WebhookEventType } from './events.js';

export interface WebhookEvent {
  organisationId: string;
  workspaceId: string;
  type: WebhookEventType;
  data: Record<string, unknown>;
}

/**
 * Puts events in the webhook outbox, in the caller's transaction: each becomes a `webhook_events`
 * row and one pending delivery per enabled subscription of its workspace that wants its type, so a
 * delivery exists exactly when the change commits. The relay (delivery.ts) hands them to pg-boss.
 * Events nobody subscribes to are not stored: the usual case is one small indexed query (measured:
 * the insert statement alone, run for nothing, cost 2–5 ms a write; this check well under one).
 */
export async function emitWebhookEvents(trx: Transaction<Database>, events: WebhookEvent[]): Promise<void> {
  if (events.length === 0) return;
  const subscriptions = await trx
    .selectFrom('webhook_subscriptions')
    .select(['workspace_id', 'events'])
    .where(sql<boolean>`workspace_id = any(${[...new Set(events.map((e) => e.workspaceId))]}::uuid[])`)
    .where('enabled', '=', true)
    .where(sql<boolean>`events && ${[...new Set(events.map((e) => e.type))]}::text[]`)
    .execute();
  const wanted = events.filter((e) => subscriptions.some((s) => s.workspace_id === e.workspaceId && s.events.includes(e.type)));
  if (wanted.length === 0) return;
  const rows = wanted.map((e) => ({ organisation_id: e.organisationId, workspace_id: e.workspaceId, type: e.type, data: e.data }));
  // The subscriptions are matched again in the statement, so one turned off meanwhile gets nothing.
  await sql`
    with stored as (
      insert into webhook_events (organisation_id, workspace_id, type, data)
      select v.organisation_id, v.workspace_id, v.type, v.data
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(organisation_id uuid, workspace_id uuid, type text, data jsonb)
      returning id, organisation_id, workspace_id, type
    )
    insert into webhook_deliveries (organisation_id, workspace_id, subscription_id, event_id)
    select e.organisation_id, e.workspace_id, s.id, e.id
    from stored e join webhook_subscriptions s on s.workspace_id = e.workspace_id and s.organisation_id = e.organisation_id and s.enabled and e.type = any(s.events)`.execute(trx);
}

export const emitWebhookEvent = (trx: Transaction<Database>, event: WebhookEvent) => emitWebhookEvents(trx, [event]);

/** The top-level keys whose values differ between two versions of a record (`updatedAt` aside). */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  keys.delete('updatedAt');
  return [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
}

/** `deal.stage_changed`, with both stages named (one query for the two). */
export async function emitDealStageChanged(
  trx: Transaction<Database>,
  place: { organisationId: string; workspaceId: string },
  change: { deal: Record<string, unknown>; fromStageId: string | null; toStageId: string | null },
) {
  const ids = [change.fromStageId, change.toStageId].filter((id): id is string => id !== null);
  const stages = ids.length ? await trx.selectFrom('pipeline_stages').select(['id', 'name', 'kind']).where('id', 'in', ids).where('workspace_id', '=', place.workspaceId).execute() : [];
  const stage = (id: string | null) => (id === null ? null : (stages.find((s) => s.id === id) ?? { id, name: null, kind: null }));
  await emitWebhookEvent(trx, { ...place, type: 'deal.stage_changed', data: { deal: change.deal, from: stage(change.fromStageId), to: stage(change.toStageId) } });
}

/**
 * `consent.changed` for consent history rows being written: a workspace or category change to its
 * workspace, a global one (the person's own "nothing from anyone") to every workspace that knows them.
 */
export async function emitConsentChanges(
  trx: Transaction<Database>,
  organisationId: string,
  source: string,
  changes: { contactId: string; level: string; workspaceId: string | null; categoryId: string | null; previous: string | null; status: string }[],
) {
  const global = changes.filter((c) => c.workspaceId === null);
  const links = global.length
    ? await trx
        .selectFrom('contact_workspaces')
        .select(['contact_id', 'workspace_id'])
        // One array parameter: a bulk change can name more people than a statement takes parameters.
        .where(sql<boolean>`contact_id = any(${[...new Set(global.map((c) => c.contactId))]}::uuid[])`)
        .execute()
    : [];
  const events: WebhookEvent[] = [];
  for (const change of changes) {
    const data = { contactId: change.contactId, level: change.level, categoryId: change.categoryId, previous: change.previous, status: change.status, source };
    const workspaceIds = change.workspaceId !== null ? [change.workspaceId] : links.filter((l) => l.contact_id === change.contactId).map((l) => l.workspace_id);
    for (const workspaceId of workspaceIds) events.push({ organisationId, workspaceId, type: 'consent.changed', data });
  }
  await emitWebhookEvents(trx, events);
}

interface UpsertedContact {
  first_name: string;
  last_name: string;
  email: string | null;
  phone: string | null;
  country: string | null;
  language: string | null;
  contactValues: FieldValues;
  assignee_user_id: string | null;
  linkValues: FieldValues;
}

/**
 * `contact.created` and `contact.updated` for a bulk upsert (REST bulk, CSV import), from the
 * states just written: one exists query when nobody subscribes; else the field definitions once
 * and two statements for the events, whatever the number of rows. (No `changed` list here: the
 * bulk path keeps no before-state per row.)
 */
export async function emitContactUpserts(
  trx: Transaction<Database>,
  place: RecordPlace,
  writes: { inserts: { id: string }[]; links: { contactId: string; state: UpsertedContact }[]; linkUpdates: { contactId: string; state: UpsertedContact }[] },
) {
  if (writes.links.length === 0 && writes.linkUpdates.length === 0) return;
  const wanted = await trx
    .selectFrom('webhook_subscriptions')
    .select('id')
    .where('workspace_id', '=', place.workspaceId)
    .where('enabled', '=', true)
    .where(sql<boolean>`events && array['contact.created', 'contact.updated']`)
    .limit(1)
    .executeTakeFirst();
  if (!wanted) return;
  const fields = await visibleDefinitions(trx, place, 'contact');
  const created = new Set(writes.inserts.map((w) => w.id));
  const contact = (id: string, s: UpsertedContact) => ({
    id,
    firstName: s.first_name,
    lastName: s.last_name,
    email: s.email,
    phone: s.phone,
    country: s.country,
    language: s.language,
    assigneeUserId: s.assignee_user_id,
    values: visibleValues(fields, s.contactValues, s.linkValues),
  });
  const base = { organisationId: place.organisationId, workspaceId: place.workspaceId };
  await emitWebhookEvents(trx, [
    ...writes.links.map((w) => ({ ...base, type: 'contact.created' as const, data: { contact: contact(w.contactId, w.state), via: created.has(w.contactId) ? 'bulk' : 'link' } })),
    ...writes.linkUpdates.map((w) => ({ ...base, type: 'contact.updated' as const, data: { contact: contact(w.contactId, w.state), via: 'bulk' } })),
  ]);
}

/** `deal.stage_changed` for every deal a deleted stage's deals moved with it (one statement). */
export async function emitStageMoves(
  trx: Transaction<Database>,
  place: { organisationId: string; workspaceId: string },
  deals: { id: string; name: string; amount: string | null; currency: string | null }[],
  from: { id: string; name: string; kind: string },
  to: { id: string; name: string; kind: string },
) {
  await emitWebhookEvents(
    trx,
    deals.map((deal) => ({ ...place, type: 'deal.stage_changed' as const, data: { deal, from, to, via: 'stage_deleted' } })),
  );
}
