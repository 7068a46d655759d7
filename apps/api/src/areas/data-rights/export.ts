import type { Db, FieldOption, FieldValues } from '@steward/db';
import { workspaceRoleCan } from '../../access/matrix.js';
import { resolveWorkspaceAccess } from '../../access/roles.js';
import { notFound } from '../../errors.js';
import { type Actor, recordAudit } from '../audit/record.js';
import type { RecordCaller } from '../records/contacts.js';
import type { PersonalData } from './schemas.js';

/**
 * Everything Steward holds about a person (GDPR Art. 15), as one JSON document: the record, the
 * values and consent of every workspace the caller may read (an organisation admin reads them
 * all), the consent history, and the campaigns sent to them. Workspaces the caller cannot read are
 * left out, and the document says it is then incomplete.
 */

type Definition = { key: string; label: string; type: string; scope: string; workspace_id: string | null; options: FieldOption[] };

/** Values as a reader would want them: in the fields' order, select options by label. */
function readableValues(definitions: Definition[], stored: FieldValues) {
  return definitions
    .filter((d) => stored[d.key] !== undefined && stored[d.key] !== null)
    .map((d) => {
      const raw = stored[d.key];
      const label = (id: unknown) => d.options.find((o) => o.id === id)?.label ?? id;
      const value = d.type === 'select' ? label(raw) : d.type === 'multi_select' && Array.isArray(raw) ? raw.map(label) : raw;
      return { key: d.key, label: d.label, value };
    });
}

export async function exportPersonalData(db: Db, actor: Actor, caller: RecordCaller, contactId: string): Promise<PersonalData> {
  const { organisationId, workspaceId } = caller.place;
  const person = await db
    .selectFrom('contacts as c')
    .innerJoin('organisations as o', 'o.id', 'c.organisation_id')
    .select(['c.id', 'c.first_name', 'c.last_name', 'c.email', 'c.phone', 'c.country', 'c.language', 'c.created_at', 'c.updated_at', 'c.unsubscribed_at', 'c.field_values', 'o.name as organisationName'])
    .where('c.id', '=', contactId)
    .where('c.organisation_id', '=', organisationId)
    .where((eb) => eb.exists(eb.selectFrom('contact_workspaces').select('contact_id').where('workspace_id', '=', workspaceId).whereRef('contact_id', '=', 'c.id')))
    .executeTakeFirst();
  if (!person) throw notFound('Contact');

  const links = await db
    .selectFrom('contact_workspaces as cw')
    .innerJoin('workspaces as w', 'w.id', 'cw.workspace_id')
    .leftJoin('users as u', 'u.id', 'cw.assignee_user_id')
    .select(['cw.workspace_id', 'w.name', 'cw.created_at', 'cw.assignee_user_id', 'u.name as assigneeName', 'cw.subscription', 'cw.field_values'])
    .where('cw.contact_id', '=', contactId)
    .orderBy('cw.created_at')
    .execute();
  const globalWorkspace = await db.selectFrom('workspaces').select('id').where('organisation_id', '=', organisationId).where('kind', '=', 'global').executeTakeFirstOrThrow();
  // A person is linked to a handful of workspaces; each access check is one indexed query.
  const readable = new Set<string>(caller.keyRestrictedHere ? [workspaceId] : []);
  if (!caller.keyRestrictedHere) {
    await Promise.all(
      [...new Set([...links.map((l) => l.workspace_id), globalWorkspace.id])].map(async (id) => {
        const access = await resolveWorkspaceAccess(db, caller.userId, id);
        if (workspaceRoleCan(access?.role ?? null, 'records.read')) readable.add(id);
      }),
    );
  }
  const visibleLinks = links.filter((l) => readable.has(l.workspace_id));
  const visibleIds = visibleLinks.map((l) => l.workspace_id);
  const readsGlobal = readable.has(globalWorkspace.id);

  const definitions = (await db
    .selectFrom('field_definitions')
    .select(['key', 'label', 'type', 'scope', 'workspace_id', 'options'])
    .where('organisation_id', '=', organisationId)
    .where('entity', '=', 'contact')
    .orderBy('position')
    .execute()) as Definition[];
  const personFields = definitions.filter((d) => d.scope === 'core' || (d.scope === 'global_internal' && readsGlobal));
  const hiddenGlobalValues = !readsGlobal && definitions.some((d) => d.scope === 'global_internal' && person.field_values[d.key] != null);

  const [categories, history, campaigns] = await Promise.all([
    visibleIds.length === 0
      ? []
      : db
          .selectFrom('contact_categories as cc')
          .innerJoin('email_categories as ec', 'ec.id', 'cc.category_id')
          .select(['ec.workspace_id', 'cc.category_id', 'ec.name', 'cc.status', 'cc.updated_at'])
          .where('cc.contact_id', '=', contactId)
          .where('ec.workspace_id', 'in', visibleIds)
          .orderBy('ec.position')
          .execute(),
    db
      .selectFrom('consent_history as h')
      .leftJoin('workspaces as w', 'w.id', 'h.workspace_id')
      .leftJoin('email_categories as ec', 'ec.id', 'h.category_id')
      .select(['h.occurred_at', 'h.level', 'h.workspace_id', 'w.name as workspaceName', 'h.category_id', 'ec.name as categoryName', 'h.previous', 'h.status', 'h.source'])
      .where('h.contact_id', '=', contactId)
      .where((eb) => (visibleIds.length ? eb.or([eb('h.workspace_id', 'is', null), eb('h.workspace_id', 'in', visibleIds)]) : eb('h.workspace_id', 'is', null)))
      .orderBy('h.id')
      .execute(),
    visibleIds.length === 0
      ? []
      : db
          .selectFrom('campaign_recipients as r')
          .innerJoin('campaigns as k', 'k.id', 'r.campaign_id')
          .innerJoin('workspaces as w', 'w.id', 'k.workspace_id')
          .innerJoin('email_categories as ec', 'ec.id', 'k.category_id')
          .select(['k.id', 'k.name', 'k.subject', 'k.workspace_id', 'w.name as workspaceName', 'ec.name as categoryName', 'r.state', 'r.error', 'r.updated_at'])
          .where('r.contact_id', '=', contactId)
          .where('k.workspace_id', 'in', visibleIds)
          .orderBy('r.updated_at')
          .execute(),
  ]);

  const document: PersonalData = {
    format: 'steward.personal-data/1',
    exportedAt: new Date(),
    organisation: { id: organisationId, name: person.organisationName },
    complete: visibleLinks.length === links.length && !hiddenGlobalValues,
    person: {
      id: person.id,
      firstName: person.first_name,
      lastName: person.last_name,
      email: person.email,
      phone: person.phone,
      country: person.country,
      language: person.language,
      createdAt: person.created_at,
      updatedAt: person.updated_at,
      globallyUnsubscribedAt: person.unsubscribed_at,
      values: readableValues(personFields, person.field_values),
    },
    workspaces: visibleLinks.map((l) => ({
      workspaceId: l.workspace_id,
      name: l.name,
      linkedAt: l.created_at,
      assignee: l.assignee_user_id ? { userId: l.assignee_user_id, name: l.assigneeName } : null,
      subscription: l.subscription,
      values: readableValues(
        definitions.filter((d) => d.scope === 'workspace' && d.workspace_id === l.workspace_id),
        l.field_values,
      ),
      categories: categories.filter((c) => c.workspace_id === l.workspace_id).map((c) => ({ categoryId: c.category_id, name: c.name, status: c.status, since: c.updated_at })),
    })),
    consentHistory: history.map((h) => ({
      occurredAt: h.occurred_at,
      level: h.level,
      workspaceId: h.workspace_id,
      workspaceName: h.workspaceName,
      categoryId: h.category_id,
      categoryName: h.categoryName,
      previous: h.previous,
      status: h.status,
      source: h.source,
    })),
    campaigns: campaigns.map((c) => ({
      campaignId: c.id,
      name: c.name,
      subject: c.subject,
      workspaceId: c.workspace_id,
      workspaceName: c.workspaceName,
      categoryName: c.categoryName,
      state: c.state,
      error: c.error,
      updatedAt: c.updated_at,
    })),
  };
  // Who exported whose data, and how much of it: never the data itself.
  await recordAudit(db, actor, {
    organisationId,
    workspaceId,
    action: 'dataRights.export',
    targetType: 'contact',
    targetId: contactId,
    after: { complete: document.complete, workspaces: document.workspaces.length, consentHistoryEntries: document.consentHistory.length, campaigns: document.campaigns.length },
  });
  return document;
}
